"""Which languages residents of each nationality are served in, as coordinators set it."""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from supporters import audit, tenancy
from supporters.extensions import db
from supporters.models import Language, NationalityLanguage, User
from supporters.refusals import NOT_FOUND, Refused, refuse_if

# Sensible defaults for Ibaraki's largest groups (languages from supporters/demo/languages.csv:
# Tagalog is ``tl``, Chinese ``zh``). Sri Lanka gets Sinhala; Peru and Bolivia Spanish.
DEFAULT_MAPPING = (
    ("VN", "vi"),
    ("CN", "zh"),
    ("TW", "zh"),
    ("PH", "tl"),
    ("PH", "en"),
    ("BR", "pt"),
    ("ID", "id"),
    ("NP", "ne"),
    ("TH", "th"),
    ("KR", "ko"),
    ("LK", "si"),
    ("MM", "my"),
    ("PE", "es"),
    ("BO", "es"),
    ("BD", "bn"),
    ("PK", "ur"),
    ("IN", "hi"),
    ("IN", "en"),
    ("MN", "mn"),
    ("KH", "km"),
    ("RU", "ru"),
    ("UA", "uk"),
    ("US", "en"),
    ("GB", "en"),
    ("IR", "fa"),
)


@dataclass(frozen=True)
class PairDraft:
    """A nationality → language pair as typed (the nationality in either case)."""

    nationality: str
    language_code: str

    @property
    def key(self) -> tuple[str, str]:
        """The pair's primary key: the nationality in upper case."""
        return ((self.nationality or "").strip().upper(), self.language_code or "")


def pairs() -> list[NationalityLanguage]:
    """Every nationality → language pair, by nationality then language."""
    return list(
        db.session.scalars(
            select(NationalityLanguage).order_by(
                NationalityLanguage.nationality, NationalityLanguage.language_code
            )
        )
    )


def check_pair(draft: PairDraft) -> dict[str, str]:
    """Every rule of a new pair, ``{field: message}`` (empty when it can be added)."""
    nationality, language_code = draft.key
    problems = {}
    if not re.fullmatch(r"[A-Z]{2}", nationality):
        problems["nationality"] = _("Two letters.")
    if not language_code or db.session.get(Language, language_code) is None:
        problems["language"] = _("Unknown language.")
    if not problems and tenancy.get_keyed(NationalityLanguage, *draft.key) is not None:
        problems["nationality"] = _("This pair is already in the list.")
    return problems


def add_pair(draft: PairDraft, by: User | None) -> NationalityLanguage:
    """Map a nationality to a language (flush + audit; the caller commits)."""
    refuse_if(check_pair(draft))
    nationality, language_code = draft.key
    pair = NationalityLanguage(
        nationality=nationality,
        language_code=language_code,
        updated_by_id=by.id if by is not None else None,
    )
    db.session.add(pair)
    db.session.flush()
    audit.record("add_nationality_language", pair, f"{nationality}→{language_code}", user=by)
    return pair


def remove_pair(draft: PairDraft, by: User | None) -> None:
    """Remove a pair (flush + audit); residents of that nationality stop counting for it."""
    nationality, language_code = draft.key
    pair = tenancy.get_keyed(NationalityLanguage, *draft.key) if nationality else None
    if pair is None:
        raise Refused(_("This pair is not in the list."), code=NOT_FOUND)
    audit.record("remove_nationality_language", pair, f"{nationality}→{language_code}", user=by)
    db.session.delete(pair)
    db.session.flush()


def seed_default_mapping() -> int:
    """Add the default pairs whose language exists and that are missing; returns how many."""
    known = set(db.session.scalars(select(Language.code)))
    present = {(p.nationality, p.language_code) for p in pairs()}
    added = 0
    for nationality, language in DEFAULT_MAPPING:
        if language in known and (nationality, language) not in present:
            db.session.add(NationalityLanguage(nationality=nationality, language_code=language))
            added += 1
    db.session.flush()
    return added
