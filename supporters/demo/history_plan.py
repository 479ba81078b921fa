"""How many sample cases the demo history holds, per month and category (pure, no database).

April–December 2025 is the programme's published FY2025 log (seeds/002): 1,806 cases in the
six reporting categories, spread over the nine months along a plausible curve (busy when people
move and schools start, quieter in the August holidays and at New Year). The months after it,
up to yesterday, continue at a similar pace so the current month's reports are not empty.
"""

from datetime import date, timedelta

from supporters.stipends.months import months_between
from supporters.stipends.rules import next_month

# The programme's April–December 2025 figures, in the report's category order.
FY2025_BREAKDOWN = {
    "government_office": 401,
    "hospital": 268,
    "information": 794,
    "childcare": 73,
    "labor": 69,
    "daily_life": 201,
}
FY2025_FIRST, FY2025_LAST = date(2025, 4, 1), date(2025, 12, 1)
# Relative volume of April … December 2025 (the nine weights average 1).
FY2025_CURVE = (0.96, 0.98, 1.00, 1.06, 0.90, 1.02, 1.08, 1.04, 0.96)
# After December 2025: cases per month at weight 1, and each calendar month's weight.
LATER_PER_MONTH = 212
LATER_CURVE = {
    1: 0.86, 2: 0.96, 3: 1.12, 4: 1.10, 5: 1.00, 6: 1.00,
    7: 1.05, 8: 0.90, 9: 1.00, 10: 1.06, 11: 1.02, 12: 0.92,
}  # fmt: skip


def apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder): sums exactly to total."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(share) for share in shares]
    order = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def fy2025_plan() -> dict[date, dict[str, int]]:
    """April–December 2025: cases per month and category, adding up to the breakdown."""
    months = months_between(FY2025_FIRST, FY2025_LAST)
    plan = {month: {} for month in months}
    for category, total in FY2025_BREAKDOWN.items():
        for month, n in zip(months, apportion(total, list(FY2025_CURVE)), strict=True):
            plan[month][category] = n
    return plan


def later_plan(yesterday: date) -> dict[date, dict[str, int]]:
    """January 2026 up to ``yesterday``: the FY2025 mix at ``LATER_PER_MONTH`` a month; the
    current month in proportion to the days gone."""
    plan: dict[date, dict[str, int]] = {}
    month = next_month(FY2025_LAST)
    grand = sum(FY2025_BREAKDOWN.values())
    while month <= yesterday:
        days = (next_month(month) - month).days
        gone = min(days, (yesterday - month).days + 1)
        volume = round(LATER_PER_MONTH * LATER_CURVE[month.month] * gone / days)
        counts = apportion(volume, [n / grand for n in FY2025_BREAKDOWN.values()])
        plan[month] = dict(zip(FY2025_BREAKDOWN, counts, strict=True))
        month = next_month(month)
    return plan


def history_plan(yesterday: date) -> dict[date, dict[str, int]]:
    """Every month of the demo history up to ``yesterday`` (FY2025's nine months at least)."""
    return fy2025_plan() | later_plan(yesterday)


def days_of(month: date, last: date) -> list[date]:
    """The days of ``month`` up to ``last``."""
    end = min(next_month(month) - timedelta(days=1), last)
    return [month + timedelta(days=i) for i in range((end - month).days + 1)]
