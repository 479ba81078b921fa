"""Closed stipend months with their transfers, from April 2025 to last month, for the demo.

Each month is closed through ``stipends.close.close_month`` (the rule in force decides who earns
it) and paid through ``payments.operations.record_transfer`` — every supporter with bank
details, exactly as a coordinator's transfer run. Supporters without bank details keep unpaid
lines, so the payments page lists who cannot be paid by transfer. The last closed month is left
unpaid on purpose: its page then has a transfer file to download and a transfer to record.

The services stamp "now"; the history then dates each close to the third working day of the
next month and each transfer to the 15th (or the next working day), as a running programme's
records would read.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import update

from supporters.clock import JST
from supporters.extensions import db
from supporters.models import MonthEvent, StipendLine, StipendMonth, User
from supporters.payments.exports import month_payables
from supporters.payments.operations import record_transfer
from supporters.stipends.close import close_month
from supporters.stipends.months import current_month, months_between
from supporters.stipends.rules import next_month

FIRST_MONTH = date(2025, 4, 1)  # the case log's first month (FY2025)


def working_day(day: date, skip: int = 0) -> date:
    """``day`` moved to a Monday–Friday, then ``skip`` more working days on."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(skip):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def closed_on(month: date) -> date:
    """The day the demo's coordinator closed ``month``: the third working day after it."""
    return working_day(next_month(month), skip=2)


def transfer_on(month: date) -> date:
    """The demo's transfer date for ``month``: the 15th of the next month, or the next working
    day."""
    return working_day(next_month(month).replace(day=15))


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), JST)


def stipend_months() -> list[date]:
    """The months to close: April 2025 to the last month that is over."""
    last = current_month() - timedelta(days=1)
    return months_between(FIRST_MONTH, last.replace(day=1)) if last >= FIRST_MONTH else []


def close_and_pay(coordinator: User | None) -> dict[str, int]:
    """Close every history month not yet closed and pay all but the last; idempotent."""
    months = stipend_months()
    closed = paid = lines = 0
    for month in months:
        result = close_month(month, coordinator)
        if result.already_closed:
            continue
        closed, lines = closed + 1, lines + result.lines_added
        at = _at(closed_on(month), 10)
        db.session.execute(
            update(StipendMonth).where(StipendMonth.month == month).values(closed_at=at)
        )
        db.session.execute(update(MonthEvent).where(MonthEvent.month == month).values(at=at))
        db.session.execute(
            update(StipendLine).where(StipendLine.month == month).values(created_at=at)
        )
    for month in months[:-1]:
        payables = month_payables(month)
        if payables.payments or not payables.transfers or payables.invalid_names:
            continue  # paid already, nobody to pay, or a name the bank would refuse
        day = transfer_on(month)
        payment = record_transfer(month, day, payables.line_ids, coordinator)
        payment.recorded_at = _at(working_day(day - timedelta(days=3)), 11)
        paid += 1
    db.session.flush()
    return {"stipend_months_closed": closed, "stipend_lines": lines, "transfers": paid}
