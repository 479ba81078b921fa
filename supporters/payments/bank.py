"""Bank details as Japanese banks need them: codes in digits, names in the Zengin character set.

The Zengin set is half-width katakana (voiced marks as separate ﾞ ﾟ, small kana written large),
upper-case A–Z, digits, space and ``( ) - . / ,``. People type names in full-width katakana,
hiragana, half-width kana or latin letters; :func:`to_zengin` converts what can be converted and
names the first character that cannot (kanji, accented letters, emoji, other symbols).

:func:`clean_details` is the one check of a supporter's bank details, field by field; forms only
hand it what was typed.
"""

import re
import string
import unicodedata
from dataclasses import dataclass

import jaconv
from flask_babel import lazy_gettext as _l

from supporters.models.stipend import AccountType
from supporters.refusals import Refused, refuse_if

HOLDER_MAX = 30  # 受取人名 C(30)
BANK_NAME_MAX = 15  # 被仕向銀行名 / 支店名 C(15)

_ZENGIN_KANA = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟ"
ZENGIN_CHARS = frozenset(_ZENGIN_KANA + string.ascii_uppercase + string.digits + " ()-./,")

# Before the width conversion: kana with no half-width form, and marks typed on their own.
_BEFORE = str.maketrans(
    {
        "ヵ": "カ",
        "ヶ": "ケ",
        "ヮ": "ワ",
        "ヰ": "イ",
        "ヱ": "エ",
        "゛": "ﾞ",
        "゜": "ﾟ",
        "\u3099": "ﾞ",  # combining voiced mark (decomposed input)
        "\u309a": "ﾟ",
    }
)
# After it: banks want small kana written large, a long-vowel mark or dash as "-", and the
# middle dot between the parts of a foreign name as a space.
_AFTER = str.maketrans(
    {
        "ｧ": "ｱ",
        "ｨ": "ｲ",
        "ｩ": "ｳ",
        "ｪ": "ｴ",
        "ｫ": "ｵ",
        "ｬ": "ﾔ",
        "ｭ": "ﾕ",
        "ｮ": "ﾖ",
        "ｯ": "ﾂ",
        "ｰ": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "･": " ",
        "\u00b7": " ",
    }
)
_DIGITS = re.compile(r"[0-9]+")
_SPACES = " \t\r\n"


def _convert_char(char: str) -> str:
    """One typed character in the Zengin set (possibly two: ガ → ｶﾞ), or as it was."""
    kana = jaconv.hira2kata(char).translate(_BEFORE)
    half = jaconv.z2h(kana, kana=True, ascii=True, digit=True).translate(_AFTER)
    # Only a–z become upper case: str.upper would quietly turn ß into SS.
    return "".join(c.upper() if "a" <= c <= "z" else c for c in half)


def to_zengin(text: str | None, max_length: int = HOLDER_MAX, field: str = "holder_kana") -> str:
    """Convert a name to the Zengin character set; :class:`Refused` names what cannot be."""
    typed = unicodedata.normalize("NFC", text or "")
    converted = []
    for char in typed:
        half = _convert_char(char)
        if not all(c in ZENGIN_CHARS or c in _SPACES for c in half):
            raise Refused(
                _l(
                    "“%(char)s” cannot be used in a bank account name. Use katakana, hiragana, "
                    "latin letters or digits.",
                    char=char,
                ),
                field,
            )
        converted.append(half)
    result = " ".join("".join(converted).split())
    if len(result) > max_length:
        raise Refused(
            _l(
                "The name is %(length)s characters long in half-width kana; at most %(max)s fit.",
                length=len(result),
                max=max_length,
            ),
            field,
        )
    return result


def is_zengin(text: str) -> bool:
    """True if ``text`` is already in the Zengin character set (as stored names must be)."""
    return all(c in ZENGIN_CHARS for c in text)


def _digits(value: str | None) -> str:
    # Full-width digits (１２３) are common in Japanese input; NFKC makes them ASCII.
    return unicodedata.normalize("NFKC", value or "").strip().replace(" ", "")


def clean_bank_code(value: str | None) -> str:
    """A bank (financial institution) code: exactly four digits, e.g. ``0005``."""
    code = _digits(value)
    if len(code) != 4 or not _DIGITS.fullmatch(code):
        raise Refused(_l("The bank code is exactly 4 digits, e.g. 0005."), "bank_code")
    return code


def clean_branch_code(value: str | None) -> str:
    """A branch code: exactly three digits."""
    code = _digits(value)
    if len(code) != 3 or not _DIGITS.fullmatch(code):
        raise Refused(_l("The branch code is exactly 3 digits, e.g. 123."), "branch_code")
    return code


def clean_account_number(value: str | None) -> str:
    """An account number of 1–7 digits, left-padded with zeros to the seven Zengin needs."""
    number = _digits(value)
    if not 1 <= len(number) <= 7 or not _DIGITS.fullmatch(number):
        raise Refused(_l("The account number is 1 to 7 digits (no hyphens)."), "account_number")
    return number.zfill(7)


def clean_account_type(value: str | None) -> AccountType:
    """The deposit type: 1 ordinary, 2 current, 4 savings."""
    try:
        return AccountType(value or "")
    except ValueError:
        raise Refused(_l("Choose the type of account."), "account_type") from None


@dataclass(frozen=True)
class BankDetails:
    """Validated, normalised bank details, ready to store or to write into a Zengin file."""

    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: AccountType
    account_number: str
    holder_kana: str


@dataclass(frozen=True)
class BankDetailsDraft:
    """Bank details as typed (any kana or latin letters, full-width digits); nothing checked."""

    bank_code: str = ""
    branch_code: str = ""
    account_type: str = ""
    account_number: str = ""
    holder_kana: str = ""
    bank_name_kana: str = ""
    branch_name_kana: str = ""


DRAFT_FIELDS = tuple(BankDetailsDraft.__dataclass_fields__)


def clean_details(draft: BankDetailsDraft, stored_number: str | None = None) -> BankDetails:
    """Check and normalise every field of ``draft``; :class:`Refused` names each field at fault.

    An empty account number keeps ``stored_number`` (the details are being changed, not made).
    """
    problems: dict[str, object] = {}

    def clean(field: str, cleaner, value: str, missing=None):
        value = (value or "").strip()
        if not value and missing is not None:
            problems[field] = missing
            return None
        try:
            return cleaner(value)
        except Refused as refusal:
            problems[field] = refusal.message
            return None

    holder = clean(
        "holder_kana", to_zengin, draft.holder_kana, _l("Enter the account holder's name in kana.")
    )
    number = (draft.account_number or "").strip()
    details = dict(
        bank_code=clean("bank_code", clean_bank_code, draft.bank_code, _l("Enter the bank code.")),
        bank_name_kana=clean(
            "bank_name_kana",
            lambda v: to_zengin(v, BANK_NAME_MAX, "bank_name_kana"),
            draft.bank_name_kana,
        ),
        branch_code=clean(
            "branch_code", clean_branch_code, draft.branch_code, _l("Enter the branch code.")
        ),
        branch_name_kana=clean(
            "branch_name_kana",
            lambda v: to_zengin(v, BANK_NAME_MAX, "branch_name_kana"),
            draft.branch_name_kana,
        ),
        account_type=clean("account_type", clean_account_type, draft.account_type),
        account_number=(
            stored_number
            if not number and stored_number
            else clean("account_number", clean_account_number, number)
        ),
        holder_kana=holder,
    )
    refuse_if(problems)
    return BankDetails(**details)
