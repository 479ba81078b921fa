"""Local government codes: the 5-digit JIS X 0402 code and its 6-digit form with a check digit.

The 全国地方公共団体コード is the JIS code followed by a check digit: the digits weighted 6, 5, 4,
3, 2, summed, and the check digit is ``(11 - sum mod 11)`` keeping only its last digit. Anything a
person types (full-width digits, spaces, a hyphen before the check digit) goes through
:func:`parse_municipality_code`, which answers the 5-digit code or says what is wrong.
"""

import unicodedata

WEIGHTS = (6, 5, 4, 3, 2)
# Why a typed code was refused (see parse_municipality_code).
NOT_A_CODE = "not_a_code"
BAD_CHECK_DIGIT = "bad_check_digit"


def check_digit(code: str) -> int:
    """The check digit of a 5-digit JIS code (``"08201"`` → 5, so ``082015``)."""
    total = sum(int(digit) * weight for digit, weight in zip(code, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def with_check_digit(code: str) -> str:
    """The 6-digit local government code of a 5-digit JIS code."""
    return f"{code}{check_digit(code)}"


def normalise_digits(text: str) -> str:
    """Full-width digits made ASCII, spaces and hyphens dropped (``０８２０１-５`` → ``082015``)."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    return "".join(c for c in value if c not in " -‐－ー")


def parse_municipality_code(text: str) -> tuple[str | None, str | None]:
    """``(code, None)`` for a valid 5-digit or 6-digit code, else ``(None, why)``.

    ``why`` is :data:`NOT_A_CODE` or :data:`BAD_CHECK_DIGIT` (six digits whose last one is not the
    check digit of the first five — a mistyped code, not a code to truncate).
    """
    value = normalise_digits(text)
    if not (value.isascii() and value.isdigit()) or len(value) not in (5, 6):
        return None, NOT_A_CODE
    code = value[:5]
    if len(value) == 6 and int(value[5]) != check_digit(code):
        return None, BAD_CHECK_DIGIT
    return code, None


def municipality_code(text: str) -> str | None:
    """The 5-digit code of what was typed, or ``None`` (see :func:`parse_municipality_code`)."""
    return parse_municipality_code(text)[0]


def as_typed_code(text: str) -> str:
    """The 5-digit code of what was typed if it is one, else the text itself (stripped), so the
    service that checks it names the unknown code as the person typed it."""
    return municipality_code(text) or (text or "").strip()
