"""The words of the API's validation errors in the caller's language.

marshmallow and webargs write their messages in English ("Missing data for required field."),
while the error's ``message`` and every service's refusal come in the request's language. This
module gives each of their messages (the ones our schemas can produce) a translation, so an
error's message and its field errors are always in one language. A message nobody translated
is kept in English only for English callers; others get a general sentence in their language.
"""

import re

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# marshmallow's fixed messages → ours (English source, translated like every other message).
FIXED = {
    "Missing data for required field.": _l("Required."),
    "Field may not be null.": _l("May not be null."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Give a JSON object."),
    "Invalid value.": _l("Invalid value."),
    "Invalid type.": _l("Invalid value."),
    "Invalid input.": _l("Invalid value."),
    "Not a valid string.": _l("Give text."),
    "Not a valid utf-8 string.": _l("Give text."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."),
    "Number too large.": _l("The number is too large."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Give a number."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid date.": _l("Give a date as YYYY-MM-DD."),
    "Not a valid datetime.": _l("Give a date and time with its time zone (ISO 8601)."),
    "Not a valid aware datetime.": _l("Give a date and time with its time zone (ISO 8601)."),
    "Not a valid list.": _l("Give a list."),
    "Not a valid mapping type.": _l("Give a JSON object."),
    "Not a valid email address.": _l("Enter a valid e-mail address, like name@example.jp."),
    "String does not match expected pattern.": _l("Invalid value."),
}

# marshmallow's messages with values in them: English pattern → ours, with the same values.
PATTERNS = [
    (r"Must be one of: (?P<choices>.*)\.", lambda v: _("Must be one of: %(choices)s.", **v)),
    (
        r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
        lambda v: _("Must be from %(min)s to %(max)s.", **v),
    ),
    (
        r"Must be greater than or equal to (?P<min>\S+)\.",
        lambda v: _("Must be at least %(min)s.", **v),
    ),
    (r"Must be less than or equal to (?P<max>\S+)\.", lambda v: _("Must be at most %(max)s.", **v)),
    (
        r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
        lambda v: _("Give %(min)s to %(max)s characters or items.", **v),
    ),
    (
        r"Shorter than minimum length (?P<min>\d+)\.",
        lambda v: _("Give at least %(min)s characters or items.", **v),
    ),
    (
        r"Longer than maximum length (?P<max>\d+)\.",
        lambda v: _("Give at most %(max)s characters or items.", **v),
    ),
    # Types and formats our schemas do not use: the general sentence.
    (r"Not a valid (?P<kind>[\w ]+)\.", None),
    (r"\"(?P<value>.*)\" cannot be formatted as a (?P<kind>\w+)\.", None),
]
_COMPILED = [(re.compile(pattern + r"\Z", re.DOTALL), ours) for pattern, ours in PATTERNS]


def field_message(text: str) -> str:
    """``text`` (one of marshmallow's messages, or already ours) in the request's language."""
    if text in FIXED:
        return str(FIXED[text])
    for pattern, ours in _COMPILED:
        found = pattern.match(text)
        if found:
            if ours is None:
                return _general(text)
            return ours(found.groupdict())
    return text


def _general(text: str) -> str:
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return text
    return _("Invalid value.")
