"""Reading the registry: the filtered, scoped, paginated supporter list."""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from supporters.access import scope_supporters
from supporters.models import Mode, Supporter, SupporterLanguage, SupporterStatus, User
from supporters.models.supporter import supporter_served_municipality as served

MODE_COLUMNS = {
    Mode.IN_PERSON.value: Supporter.offers_in_person,
    Mode.PHONE.value: Supporter.offers_phone,
    Mode.VIDEO.value: Supporter.offers_video,
}


@dataclass(frozen=True)
class SupporterFilters:
    """What the coordinator filtered the list by; empty strings mean "any"."""

    q: str = ""
    language: str = ""
    municipality: str = ""
    status: str = ""
    mode: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def supporter_list_statement(filters: SupporterFilters, user: User) -> Select:
    """The SELECT for the supporter list: filters applied, scoped to what ``user`` may see."""
    # Each row names its languages and home municipality by code: the page takes the names
    # from the process's copy of the reference data (reference_data.py), not from a read.
    stmt = select(Supporter).options(selectinload(Supporter.languages))
    if filters.q:
        stmt = stmt.where(
            Supporter.display_name.ilike(f"%{_escape_like(filters.q.strip())}%", escape="\\")
        )
    if filters.language:
        stmt = stmt.where(
            Supporter.id.in_(
                select(SupporterLanguage.supporter_id).where(
                    SupporterLanguage.language_code == filters.language
                )
            )
        )
    if filters.municipality:
        # "In Koga" means: serves Koga (a supporter always serves where they live).
        stmt = stmt.where(
            Supporter.id.in_(
                select(served.c.supporter_id).where(
                    served.c.municipality_code == filters.municipality
                )
            )
        )
    if filters.status in {s.value for s in SupporterStatus}:
        stmt = stmt.where(Supporter.status == SupporterStatus(filters.status))
    if filters.mode in MODE_COLUMNS:
        stmt = stmt.where(MODE_COLUMNS[filters.mode].is_(True))
    stmt = scope_supporters(stmt, user)
    return stmt.order_by(Supporter.display_name, Supporter.id)
