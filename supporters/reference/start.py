"""The reference data a new prefecture's programme starts from, in one call.

``flask programme init`` (and the first-run page) call :func:`load_for_prefecture`: the
prefecture's municipalities from the shipped file, the default languages and the default
nationality → language mapping. Idempotent; flushes, the caller commits.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from supporters.reference import shipped
from supporters.reference.languages import load_languages
from supporters.reference.municipalities import LoadResult, load_municipalities
from supporters.refusals import Refused


@dataclass(frozen=True)
class StartedReference:
    """What loading a prefecture's reference data added."""

    prefecture: shipped.Prefecture
    municipalities: LoadResult
    languages: int
    nationality_languages: int


def load_for_prefecture(prefecture: str) -> StartedReference:
    """Load a prefecture (10, 群馬県, Gunma) and the languages; refuses an unknown one."""
    code = shipped.prefecture_code(prefecture)
    if code is None:
        raise Refused(_l("Not a prefecture of Japan."), "prefecture")
    municipalities = load_municipalities(code)
    languages, pairs = load_languages()
    return StartedReference(shipped.prefectures()[code], municipalities, languages, pairs)
