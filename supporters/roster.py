"""Programme figures from the supporter roster: headcount against target, language and area reach.

Plain functions over the database session, no request objects: the dashboard uses them now and
the coverage report will build on them.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from supporters.extensions import db
from supporters.models import Language, Municipality, Supporter, SupporterLanguage, SupporterStatus
from supporters.models.supporter import supporter_served_municipality as served


@dataclass(frozen=True)
class RosterSummary:
    """What the dashboard shows: counts by status, reach by language and by municipality."""

    certified: int
    target: int
    target_fiscal_year: int
    by_status: dict[str, int]
    language_counts: list[tuple[Language, int]]
    uncovered_languages: list[Language]
    municipalities_total: int
    reached_municipalities: list[tuple[Municipality, int]]
    unreached_municipalities: list[Municipality]
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


def roster_summary(
    target: int, target_fiscal_year: int, scope: frozenset[str] = frozenset()
) -> RosterSummary:
    """Compute the roster figures for the prefecture, or for the municipalities in ``scope``."""
    certified_ids = _in_scope(
        select(Supporter.id).where(Supporter.status == SupporterStatus.CERTIFIED), scope
    ).scalar_subquery()

    status_rows = db.session.execute(
        _in_scope(select(Supporter.status, func.count()).group_by(Supporter.status), scope)
    ).all()
    by_status = {status.value: 0 for status in SupporterStatus}
    by_status.update({status.value: count for status, count in status_rows})

    language_rows = db.session.execute(
        select(Language, func.count(SupporterLanguage.supporter_id.distinct()))
        .join(SupporterLanguage, SupporterLanguage.language_code == Language.code)
        .where(SupporterLanguage.supporter_id.in_(certified_ids))
        .group_by(Language.code)
        .order_by(func.count(SupporterLanguage.supporter_id.distinct()).desc(), Language.code)
    ).all()
    covered = {language.code for language, _count in language_rows}
    uncovered = [
        language
        for language in db.session.scalars(select(Language).order_by(Language.code))
        if language.code not in covered
    ]

    municipality_stmt = select(Municipality).order_by(Municipality.code)
    if scope:
        municipality_stmt = municipality_stmt.where(Municipality.code.in_(sorted(scope)))
    municipalities = list(db.session.scalars(municipality_stmt))
    reach = dict(
        db.session.execute(
            select(served.c.municipality_code, func.count(served.c.supporter_id.distinct()))
            .where(served.c.supporter_id.in_(certified_ids))
            .group_by(served.c.municipality_code)
        ).all()
    )
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
