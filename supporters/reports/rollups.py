"""Per-month rollups of the case log, so a fiscal year's report does not re-count a million cases.

**What is rolled up, and why it is exact.** Only the *case* figures (cases by category × mode,
people reached, by municipality × category, by language): they are counted by
``Activity.happened_on`` and a closed month's case log is locked (``activities.log.check`` and
``update_activity`` refuse a date in a closed month, the import too), and activities are never
deleted, so the month's counts cannot change while it stays closed. ``write_month`` runs in the
transaction of ``stipends.close.close_month`` (first close and re-close) and ``delete_month`` in
the one of ``reopen_month``; a month counts from rollups only when it is closed (``stipend_month``
status ``closed``) **and** has its ``report_rollup_month`` row, so a month closed or re-opened by
any other path is simply counted live, never wrongly.

**What stays live.** Request figures (received, first assigned / unfilled / referred, the median
time to assignment) can change after a month is closed — a request merged into another later
leaves the counts, a request's municipality can be corrected — so they are counted live for every
month. Not additive figures (medians, certified supporters on a day, coverage gaps) are never
summed from rollups. Stipends are read live (a payment changes a closed month's "paid").

The rollups hold counts by codes only (no names: names are read in the report's language at
report time), so a renamed or merged municipality shows as it does live.
"""

from datetime import date

from sqlalchemy import case, delete, func, insert, literal, select

from supporters import tenancy
from supporters.extensions import db
from supporters.models import (
    Activity,
    MonthStatus,
    ReportRollup,
    ReportRollupMonth,
    StipendMonth,
)
from supporters.stipends.rules import next_month

# kind → the dimensions of its rows (see models/report_rollup.py).
KINDS = {
    "cm": ("category", "mode"),
    "l": ("language_code",),
    "mcm": ("municipality_code", "category", "mode"),
    "mc": ("municipality_code", "category"),
    "ml": ("municipality_code", "language_code"),
}
# (the live query's dimensions, whole programme?) → the kind of rows that answers it.
_KIND_FOR = {
    (("category", "mode"), True): "cm",
    (("category", "mode"), False): "mcm",
    (("municipality_code", "category"), True): "mc",
    (("municipality_code", "category"), False): "mc",
    (("language_code",), True): "l",
    (("language_code",), False): "ml",
}
_ACTIVITY = {
    "municipality_code": Activity.municipality_code,
    "category": Activity.category,
    "mode": Activity.mode,
    "language_code": Activity.language_code,
}


def delete_month(month: date) -> None:
    """Forget ``month``'s rollups (a re-open: its case log may be corrected again)."""
    db.session.execute(delete(ReportRollup).where(ReportRollup.month == month))
    db.session.execute(delete(ReportRollupMonth).where(ReportRollupMonth.month == month))


def write_month(month: date) -> int:
    """(Re)write ``month``'s rollups from its case log, in the caller's transaction (the close).

    Returns the month's number of cases. One ``INSERT … SELECT … GROUP BY`` per kind.
    """
    delete_month(month)
    in_month = (Activity.happened_on >= month, Activity.happened_on < next_month(month))
    # An INSERT … SELECT is not scoped by the tenancy hook: its SELECT names the programme.
    programme = tenancy.current_programme_id()
    if programme is not None:
        in_month = (*in_month, Activity.programme_id == programme)
    people = func.coalesce(func.sum(Activity.people_reached), 0)
    for kind, dims in KINDS.items():
        columns = [Activity.programme_id, *(_ACTIVITY[name] for name in dims)]
        query = select(
            Activity.programme_id.label("programme_id"),
            literal(month).label("month"),
            literal(kind).label("kind"),
            *(column.label(name) for name, column in zip(dims, columns[1:], strict=True)),
            func.count().label("cases"),
            people.label("people"),
        ).where(*in_month)
        query = query.group_by(*columns)
        target = ["programme_id", "month", "kind", *dims, "cases", "people"]
        db.session.execute(insert(ReportRollup).from_select(target, query))
    cases = db.session.scalar(select(func.count()).select_from(Activity).where(*in_month)) or 0
    db.session.add(ReportRollupMonth(month=month, cases=cases))
    db.session.flush()
    return cases


def rebuild(first: date | None = None, last: date | None = None) -> list[date]:
    """Rewrite the rollups of every closed month (from ``first`` to ``last`` if given) and drop
    those of months that are not closed; for a database closed before rollups existed."""
    stmt = select(StipendMonth.month, StipendMonth.status)
    if first is not None:
        stmt = stmt.where(StipendMonth.month >= first)
    if last is not None:
        stmt = stmt.where(StipendMonth.month <= last)
    written = []
    for month, status in db.session.execute(stmt.order_by(StipendMonth.month)).all():
        if status == MonthStatus.CLOSED:
            write_month(month)
            written.append(month)
        else:
            delete_month(month)
    return written


def rolled_up_months(first: date, last: date) -> set[date]:
    """Months (first days) from ``first`` to ``last`` whose cases are read from rollups: closed,
    with their rollups written."""
    return set(
        db.session.scalars(
            select(ReportRollupMonth.month)
            .join(StipendMonth, StipendMonth.month == ReportRollupMonth.month)
            .where(
                ReportRollupMonth.month >= first,
                ReportRollupMonth.month <= last,
                StipendMonth.status == MonthStatus.CLOSED,
            )
        )
    )


def grouped(months: list[date], dims: tuple[str, ...], scope) -> list[tuple]:
    """Rows ``(month, *dims, cases, people)`` summed from the rollups of ``months``, grouped as
    the live query groups the case log (``scope``: municipality codes, or None for all)."""
    if not months:
        return []
    kind = _KIND_FOR[(dims, scope is None)]
    r = ReportRollup
    columns = [getattr(r, name) for name in dims]
    stmt = select(
        r.month, *columns, func.sum(r.cases).label("cases"), func.sum(r.people).label("people")
    ).where(r.kind == kind, r.month.in_(sorted(months)))
    if scope is not None:
        stmt = stmt.where(r.municipality_code.in_(sorted(scope)))
    stmt = stmt.group_by(r.month, *columns)
    return [(*row[:-2], int(row[-2]), int(row[-1] or 0)) for row in db.session.execute(stmt)]


def by_municipality(months: list[date], categories: tuple[str, ...], scope) -> list[tuple]:
    """Rows ``(month, municipality_code, cases, *cases of each of categories)`` summed from the
    ``mc`` rollups of ``months``: the rows of ``grouped(months, ("municipality_code",
    "category"), scope)`` pivoted in SQL, one row per month and municipality (a national year:
    21,000 rows instead of 92,000, #17). Every category of the rows must be in ``categories``."""
    if not months:
        return []
    r = ReportRollup
    pivot = [func.sum(case((r.category == name, r.cases), else_=0)) for name in categories]
    stmt = select(r.month, r.municipality_code, func.sum(r.cases), *pivot).where(
        r.kind == "mc", r.month.in_(sorted(months))
    )
    if scope is not None:
        stmt = stmt.where(r.municipality_code.in_(sorted(scope)))
    stmt = stmt.group_by(r.month, r.municipality_code)
    return [(month, code, *map(int, counts)) for month, code, *counts in db.session.execute(stmt)]
