"""Which programme a resident's form belongs to, when one installation runs several ([6/6]).

With one programme (or none) the form at ``/help/`` is that programme's, as always. With more,
the form names its programme in its address by prefecture code (``/help/?programme=10``, the
link a prefecture publishes); ``/help/`` alone asks the resident where they live. Every address
the form's pages build keeps the programme (``keep_programme``), so the request, the daily
ceiling, the contact phone and the municipalities offered are that programme's.
"""

from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from supporters import tenancy
from supporters.extensions import db
from supporters.i18n import current_locale
from supporters.models.programme import Programme
from supporters.reference import shipped

PARAMETER = "programme"


@dataclass(frozen=True)
class FormChoice:
    """A programme's form as a resident chooses it: by their prefecture's name."""

    prefecture_code: str
    name: str
    lang: str


def several() -> bool:
    """Whether the installation runs more than one programme (the form must be chosen)."""
    return tenancy.programme_count(db.session) > 1


def choose(prefecture_code: str | None) -> bool:
    """Make this request the programme of ``prefecture_code`` (False if no programme has it)."""
    if not prefecture_code:
        return False
    programme_id = db.session.scalar(
        select(Programme.id).where(Programme.prefecture_code == prefecture_code).limit(1)
    )
    if programme_id is None:
        return False
    tenancy.choose(programme_id)
    g.public_programme = prefecture_code
    return True


def keep_programme(values: dict) -> None:
    """Add the chosen programme to an address the form's pages build (``url_defaults``)."""
    chosen = g.get("public_programme")
    if chosen and PARAMETER not in values:
        values[PARAMETER] = chosen


def choices() -> list[FormChoice]:
    """Every programme's form, by prefecture code, named in the reader's language: Japanese
    names for Japanese readers, the prefecture's English name for everyone else."""
    prefectures = shipped.prefectures()
    japanese = current_locale().startswith("ja")
    found = []
    for code, name_ja, name_en in db.session.execute(
        select(Programme.prefecture_code, Programme.name_ja, Programme.name_en).order_by(
            Programme.prefecture_code
        )
    ):
        prefecture = prefectures.get(code)
        if japanese and prefecture is not None and current_locale() == "ja@easy":
            found.append(FormChoice(code, f"{prefecture.name_ja}（{prefecture.kana}）", "ja"))
        elif japanese:
            found.append(FormChoice(code, prefecture.name_ja if prefecture else name_ja, "ja"))
        else:
            found.append(FormChoice(code, prefecture.name_en if prefecture else name_en, "en"))
    return found
