"""What the stipend pages show: a month's lines and totals, the fiscal year against its budget,
and one supporter's own lines. Totals are SQL aggregates."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from supporters import tenancy
from supporters.clock import fiscal_year
from supporters.extensions import db
from supporters.models import (
    MonthEvent,
    StipendLine,
    StipendLineKind,
    StipendMonth,
    StipendPayment,
    Supporter,
)
from supporters.stipends.close import entitlements, status_histories
from supporters.stipends.months import current_month, months_between
from supporters.stipends.settings import budget_for, rule_for


@dataclass(frozen=True)
class MonthTotals:
    """A month's booked lines in yen: regular, adjustments, paid, and the number of lines."""

    regular_count: int = 0
    regular_yen: int = 0
    adjustment_yen: int = 0
    paid_yen: int = 0

    @property
    def total_yen(self) -> int:
        return self.regular_yen + self.adjustment_yen

    @property
    def pending_yen(self) -> int:
        return self.total_yen - self.paid_yen


def totals_by_month(first: date, last: date) -> dict[date, MonthTotals]:
    """Line totals per booking month between ``first`` and ``last`` (first days), one query."""
    regular = StipendLine.kind == StipendLineKind.REGULAR
    rows = db.session.execute(
        select(
            StipendLine.month,
            func.sum(case((regular, 1), else_=0)),
            func.sum(case((regular, StipendLine.amount_yen), else_=0)),
            func.sum(case((regular, 0), else_=StipendLine.amount_yen)),
            func.sum(case((StipendLine.payment_id.is_not(None), StipendLine.amount_yen), else_=0)),
        )
        .where(StipendLine.month >= first, StipendLine.month <= last)
        .group_by(StipendLine.month)
    )
    return {
        month: MonthTotals(int(count), int(reg), int(adj), int(paid))
        for month, count, reg, adj, paid in rows
    }


def month_record(month: date) -> StipendMonth | None:
    return tenancy.get_keyed(StipendMonth, month)


def month_events(month: date) -> list[MonthEvent]:
    return list(
        db.session.scalars(
            select(MonthEvent).where(MonthEvent.month == month).order_by(MonthEvent.id)
        )
    )


def month_lines(month: date) -> list[tuple[StipendLine, str]]:
    """The lines booked in ``month`` with the supporter's name, by name then line."""
    return list(
        db.session.execute(
            select(StipendLine, Supporter.display_name)
            .join(Supporter, Supporter.id == StipendLine.supporter_id)
            .where(StipendLine.month == month)
            .order_by(Supporter.display_name, StipendLine.id)
        )
    )


@dataclass(frozen=True)
class Preview:
    """What closing an open month would write: how many lines and the total."""

    count: int
    total_yen: int


def preview(month: date, histories=None) -> Preview:
    """What closing ``month`` would write (``histories``: see ``close.entitlements``)."""
    rows = entitlements(month, histories=histories)
    return Preview(len(rows), sum(r.amount_yen for r in rows))


@dataclass(frozen=True)
class FiscalMonth:
    """One row of the fiscal-year view."""

    month: date
    status: str  # closed / reopened / open / future
    totals: MonthTotals
    expected_yen: int | None  # for an open month that is over or running: what a close writes
    cumulative_yen: int


@dataclass(frozen=True)
class FiscalYearView:
    fiscal_year: int
    months: list[FiscalMonth]
    budget_yen: int

    @property
    def booked_yen(self) -> int:
        return sum(m.totals.total_yen for m in self.months)

    @property
    def paid_yen(self) -> int:
        return sum(m.totals.paid_yen for m in self.months)

    @property
    def projected_yen(self) -> int:
        """Booked so far, plus what open months would add, plus the last known month's pace."""
        known = [m for m in self.months if m.status != "future"]
        booked = sum(
            m.totals.total_yen if m.expected_yen is None else m.expected_yen for m in known
        )
        pace = known[-1].totals.total_yen or (known[-1].expected_yen or 0) if known else 0
        return booked + pace * (len(self.months) - len(known))

    @property
    def remaining_yen(self) -> int:
        return self.budget_yen - self.booked_yen


def fiscal_year_view(year: int) -> FiscalYearView:
    """Stipend totals by month of fiscal ``year`` (April–March, JST) against its budget."""
    months = months_between(date(year, 4, 1), date(year + 1, 3, 1))
    totals = totals_by_month(months[0], months[-1])
    statuses = dict(
        db.session.execute(
            select(StipendMonth.month, StipendMonth.status).where(
                StipendMonth.month >= months[0], StipendMonth.month <= months[-1]
            )
        ).all()
    )
    today_month = current_month()
    histories = status_histories()  # once for every open month below
    rows, cumulative = [], 0
    for month in months:
        status = statuses.get(month)
        label = (
            status.value if status is not None else ("open" if month <= today_month else "future")
        )
        month_totals = totals.get(month, MonthTotals())
        expected = None
        if label == "open":
            expected = preview(month, histories).total_yen + month_totals.adjustment_yen
        cumulative += month_totals.total_yen
        rows.append(FiscalMonth(month, label, month_totals, expected, cumulative))
    return FiscalYearView(year, rows, budget_for(year))


@dataclass(frozen=True)
class OwnMonth:
    """A month on the supporter's "my stipends" page."""

    month: date
    lines: list[StipendLine]
    closed: bool
    expected_yen: int  # for a month not yet closed: what the rule in force would give
    transfer_dates: list[date]

    @property
    def booked_yen(self) -> int:
        return sum(line.amount_yen for line in self.lines)

    @property
    def paid(self) -> bool:
        return bool(self.lines) and all(line.payment_id is not None for line in self.lines)


def own_months(
    supporter: Supporter, eligible_months: dict[date, bool], today: date
) -> list[OwnMonth]:
    """The supporter's months of the fiscal year so far (newest first), with their lines."""
    year = fiscal_year(today)
    first, last = date(year, 4, 1), today.replace(day=1)
    lines = list(
        db.session.scalars(
            select(StipendLine)
            .where(
                StipendLine.supporter_id == supporter.id,
                StipendLine.month >= first,
                StipendLine.month <= last,
            )
            .order_by(StipendLine.month, StipendLine.id)
        )
    )
    payments = {
        p.id: p.transfer_date
        for p in db.session.scalars(
            select(StipendPayment).where(
                StipendPayment.id.in_({line.payment_id for line in lines if line.payment_id})
            )
        )
    }
    closed = {
        m
        for m, status in db.session.execute(
            select(StipendMonth.month, StipendMonth.status).where(
                StipendMonth.month >= first, StipendMonth.month <= last
            )
        )
        if status.value == "closed"
    }
    rows = []
    for month in reversed(months_between(first, last)):
        own = [line for line in lines if line.month == month]
        expected = rule_for(month).amount_yen if eligible_months.get(month) else 0
        dates = sorted({payments[line.payment_id] for line in own if line.payment_id})
        rows.append(OwnMonth(month, own, month in closed, expected, dates))
    return rows
