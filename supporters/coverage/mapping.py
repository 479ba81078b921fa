"""Which languages residents of each nationality are served in, as coordinators set it."""

from flask_babel import gettext as _
from sqlalchemy import select

from supporters import audit
from supporters.extensions import db
from supporters.models import Language, NationalityLanguage, User

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


class MappingError(ValueError):
    """A pair that cannot be added or removed; the message is translated."""


def pairs() -> list[NationalityLanguage]:
    """Every nationality → language pair, by nationality then language."""
    return list(
        db.session.scalars(
            select(NationalityLanguage).order_by(
                NationalityLanguage.nationality, NationalityLanguage.language_code
            )
        )
    )


def add_pair(nationality: str, language_code: str, by: User | None) -> NationalityLanguage:
    """Map a nationality to a language (flush + audit; the caller commits)."""
    nationality = nationality.strip().upper()
    if db.session.get(Language, language_code) is None:
        raise MappingError(_("Unknown language."))
    if db.session.get(NationalityLanguage, (nationality, language_code)) is not None:
        raise MappingError(_("This pair is already in the list."))
    pair = NationalityLanguage(
        nationality=nationality,
        language_code=language_code,
        updated_by_id=by.id if by is not None else None,
    )
    db.session.add(pair)
    db.session.flush()
    audit.record("add_nationality_language", pair, f"{nationality}→{language_code}", user=by)
    return pair


def remove_pair(nationality: str, language_code: str, by: User | None) -> None:
    """Remove a pair (flush + audit); residents of that nationality stop counting for it."""
    pair = db.session.get(NationalityLanguage, (nationality.strip().upper(), language_code))
    if pair is None:
        raise MappingError(_("This pair is not in the list."))
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
