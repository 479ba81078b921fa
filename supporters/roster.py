"""Programme figures from the supporter roster: headcount against target, language and area reach.

Plain functions over the database session, no request objects: the dashboard uses them now and
the coverage report will build on them.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Select, func, select

from supporters.extensions import db
from supporters.models import Supporter, SupporterLanguage, SupporterStatus
from supporters.models.supporter import supporter_served_municipality as served
from supporters.reference_data import LanguageRef, MunicipalityRef, reference_data


@dataclass(frozen=True)
class RosterSummary:
    """What the dashboard shows: counts by status, reach by language and by municipality."""

    certified: int
    target: int
    target_fiscal_year: int
    by_status: dict[str, int]
    language_counts: list[tuple[LanguageRef, int]]
    uncovered_languages: list[LanguageRef]
    municipalities_total: int
    reached_municipalities: list[tuple[MunicipalityRef, int]]
    unreached_municipalities: list[MunicipalityRef]
    scope: frozenset[str] = field(default_factory=frozenset)

    @property
    def target_percent(self) -> int:
        """Certified supporters as a whole percentage of the target."""
        return round(100 * self.certified / self.target) if self.target else 0

    @property
    def languages_covered(self) -> int:
        """How many languages at least one certified supporter speaks."""
        return len(self.language_counts)

    @property
    def languages_total(self) -> int:
        """Languages in the reference list."""
        return len(self.language_counts) + len(self.uncovered_languages)


def _in_scope(stmt, scope: frozenset[str]):
    """Limit a supporter statement to those serving any municipality in ``scope`` (if given)."""
    if not scope:
        return stmt
    serving = select(served.c.supporter_id).where(served.c.municipality_code.in_(sorted(scope)))
    return stmt.where(Supporter.id.in_(serving))


@lru_cache(maxsize=64)
def _statements(scope: frozenset[str]) -> tuple[Select, Select, Select]:
    """The figures' three statements for ``scope``: counts by status, by language, by area.

    Built once per scope (the whole prefecture, or an officer's municipalities) and reused, so
    SQLAlchemy does not rebuild them and their cache keys on every dashboard.
    """
    certified_ids = _in_scope(
        select(Supporter.id).where(Supporter.status == SupporterStatus.CERTIFIED), scope
    ).scalar_subquery()
    by_status = _in_scope(select(Supporter.status, func.count()).group_by(Supporter.status), scope)
    speakers = func.count(SupporterLanguage.supporter_id.distinct())
    by_language = (
        select(SupporterLanguage.language_code, speakers)
        .where(SupporterLanguage.supporter_id.in_(certified_ids))
        .group_by(SupporterLanguage.language_code)
        .order_by(speakers.desc(), SupporterLanguage.language_code)
    )
    by_area = (
        select(served.c.municipality_code, func.count(served.c.supporter_id.distinct()))
        .where(served.c.supporter_id.in_(certified_ids))
        .group_by(served.c.municipality_code)
    )
    return by_status, by_language, by_area


def roster_summary(
    target: int, target_fiscal_year: int, scope: frozenset[str] = frozenset()
) -> RosterSummary:
    """Compute the roster figures for the prefecture, or for the municipalities in ``scope``."""
    by_status_stmt, by_language_stmt, by_area_stmt = _statements(frozenset(scope))
    status_rows = db.session.execute(by_status_stmt).all()
    by_status = {status.value: 0 for status in SupporterStatus}
    by_status.update({status.value: count for status, count in status_rows})

    reference = reference_data()  # the names: this process's copy, not a read per request
    language_rows = [
        (reference.languages[code], count) for code, count in db.session.execute(by_language_stmt)
    ]
    covered = {language.code for language, _count in language_rows}
    uncovered = [language for code, language in reference.languages.items() if code not in covered]

    municipalities = [
        m for code, m in reference.municipalities.items() if not scope or code in scope
    ]
    reach = dict(db.session.execute(by_area_stmt).all())
    reached = [(m, reach[m.code]) for m in municipalities if reach.get(m.code)]
    unreached = [m for m in municipalities if not reach.get(m.code)]

    return RosterSummary(
        certified=by_status[SupporterStatus.CERTIFIED.value],
        target=target,
        target_fiscal_year=target_fiscal_year,
        by_status=by_status,
        language_counts=[(language, count) for language, count in language_rows],
        uncovered_languages=uncovered,
        municipalities_total=len(municipalities),
        reached_municipalities=reached,
        unreached_municipalities=unreached,
        scope=scope,
    )
