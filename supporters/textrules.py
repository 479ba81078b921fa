"""Rules for the names people type: one rule, used by every channel that stores a name.

A name is shown on pages, in e-mails, in CSV/XLSX exports and on PDFs. Characters that
change how the text *around* it reads are refused:

* bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C): "Trojan
  Source" style spoofing turns ``Lan‮gpj.exe`` into something else on screen;
* control characters C0 and C1 (U+0000–U+001F, U+007F–U+009F: tab, CR, LF, NEL U+0085 …) and
  the line and paragraph separators U+2028/U+2029: a name is one line, and a line break in it
  forges extra lines in CSV files, e-mail headers and logs;
* lone surrogates (only reachable through JSON ``\\ud800`` escapes): no database can store them.

Joiners (U+200C ZWNJ, U+200D ZWJ) stay allowed: Persian, Indic and emoji spellings need them.
"""

import unicodedata

from flask_babel import lazy_gettext as _l

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
LINE_SEPARATORS = frozenset("\u2028\u2029")

NAME_MESSAGE = _l(
    "Names may not contain line breaks, control characters or text-direction controls."
)


def forbidden_in_name(char: str) -> bool:
    """True for a character no name may contain (see the module's list)."""
    if char in BIDI_CONTROLS or char in LINE_SEPARATORS:
        return True
    return unicodedata.category(char) in ("Cc", "Cs")


def name_problem(text: str | None):
    """The message to show when ``text`` is not acceptable as a name, else None."""
    if text and any(forbidden_in_name(char) for char in text):
        return NAME_MESSAGE
    return None
