"""The exported tables: the importers' own columns, so an export can be imported again."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from supporters.extensions import db
from supporters.imports import activities, municipalities, registry
from supporters.imports.registry import SEPARATOR, languages_text
from supporters.models import Activity, Municipality, ResidentCount, Supporter


def _names(columns) -> list[str]:
    return [column.name for column in columns]


def municipality_table() -> tuple[list[str], list[list]]:
    """Every municipality, in JIS code order."""
    rows = [
        [m.code, m.prefecture_code, m.name_ja, m.name_en, m.kana, m.kind, m.latitude, m.longitude]
        for m in db.session.scalars(select(Municipality).order_by(Municipality.code))
    ]
    return _names(municipalities.COLUMNS), rows


def supporter_table() -> tuple[list[str], list[list]]:
    """The whole registry, contact details included (coordinators and admins only)."""
    stmt = (
        select(Supporter)
        .options(
            selectinload(Supporter.served_municipalities),
            selectinload(Supporter.languages),
            selectinload(Supporter.origins),
        )
        .order_by(Supporter.id)
    )
    rows = []
    for s in db.session.scalars(stmt):
        rows.append(
            [
                s.id,
                s.display_name,
                s.email,
                s.phone,
                s.home_municipality_code,
                SEPARATOR.join(sorted(m.code for m in s.served_municipalities)),
                languages_text(s.languages),
                s.japanese_level,
                SEPARATOR.join(sorted(o.country_code for o in s.origins)),
                SEPARATOR.join(mode.value for mode in s.modes),
                s.gender or "",
                s.monthly_case_cap,
                s.training_cohort or "",
                s.notes or "",
                s.status.value,
                s.certificate_number or "",
                _day(s.certified_on),
                _day(s.applied_on),
            ]
        )
    return _names(registry.COLUMNS), rows


def latest_as_of() -> date | None:
    """The newest as-of date of the resident figures."""
    return db.session.scalar(select(ResidentCount.as_of).order_by(ResidentCount.as_of.desc()))


def resident_table(as_of: date | None, scope: frozenset[str] | None) -> tuple[list[str], list]:
    """The figures of one as-of date, limited to ``scope`` (a municipal officer's area)."""
    stmt = (
        select(ResidentCount)
        .where(ResidentCount.as_of == as_of)
        .order_by(ResidentCount.municipality_code, ResidentCount.nationality)
    )
    if scope is not None:
        stmt = stmt.where(ResidentCount.municipality_code.in_(sorted(scope)))
    rows = [[r.municipality_code, r.nationality, r.residents] for r in db.session.scalars(stmt)]
    return ["municipality", "nationality", "residents"], rows


def activity_table(first: date | None = None, last: date | None = None) -> tuple[list, list]:
    """The case log (notes included), by date; the token makes a re-import add nothing."""
    stmt = (
        select(Activity, Supporter.email)
        .join(Supporter, Supporter.id == Activity.supporter_id)
        .order_by(Activity.happened_on, Activity.id)
    )
    if first is not None:
        stmt = stmt.where(Activity.happened_on >= first)
    if last is not None:
        stmt = stmt.where(Activity.happened_on <= last)
    rows = [
        [
            a.supporter_id,
            email,
            a.happened_on.isoformat(),
            a.duration_minutes,
            a.category.value,
            a.mode.value,
            a.municipality_code,
            a.language_code or "",
            a.outcome.value if a.outcome else "",
            a.people_reached if a.people_reached is not None else "",
            "yes" if a.follow_up_needed else "no",
            a.notes or "",
            a.client_token,
        ]
        for a, email in db.session.execute(stmt)
    ]
    return _names(activities.COLUMNS), rows


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
