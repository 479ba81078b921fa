"""The programme's yearly targets: editing them, and progress with trend and projection.

Certified supporters at each month end come from the status histories the stipend close uses
(``stipends.close.status_histories``), so a supporter suspended in July no longer counts at the
end of July. The projection is a straight line (least squares over the last twelve month ends)
carried to 31 March of each fiscal year up to the target year.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from supporters import audit, tenancy
from supporters.clock import fiscal_year
from supporters.extensions import db
from supporters.models import (
    Activity,
    Language,
    ProgrammeTarget,
    Supporter,
    SupporterLanguage,
    SupporterStatus,
    TargetLanguage,
    User,
)
from supporters.programme.settings import current as programme_settings
from supporters.refusals import refuse_if
from supporters.stipends.months import months_before
from supporters.stipends.rules import StatusFrom

TREND_MONTHS = 12


# The largest figures a target may hold (a typo guard, far above the programme's scale).
MAX_SUPPORTERS, MAX_CASES, MAX_MIN_RESIDENTS = 100_000, 10_000_000, 1_000_000
MAX_NOTE = 1000


@dataclass
class TargetDraft:
    """A fiscal year's targets as typed: ``None`` for a number left blank."""

    fiscal_year: int | None
    certified_supporters: int | None
    cases_per_year: int | None
    coverage_min_residents: int | None
    languages: list[str] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class MonthPoint:
    """Certified supporters at the end of a month (or today, for the current month)."""

    month_end: date
    certified: int


@dataclass(frozen=True)
class YearProjection:
    """Certified supporters on 31 March of a fiscal year: the milestone and the straight line."""

    fiscal_year: int
    milestone: int | None
    projected: int


@dataclass(frozen=True)
class TargetProgress:
    """Where the programme stands against one fiscal year's targets (counts only)."""

    fiscal_year: int
    target_supporters: int | None
    cases_per_year: int | None
    coverage_min_residents: int | None
    target_languages: tuple[str, ...]
    certified_now: int
    trend: tuple[MonthPoint, ...]  # this fiscal year's month ends up to today
    cases_so_far: int  # activities logged in the fiscal year up to today
    languages_covered: tuple[str, ...]  # target languages with a certified supporter
    languages_missing: tuple[str, ...]
    per_month: float  # the straight line's slope, supporters per month
    projection: tuple[YearProjection, ...]  # this fiscal year to the target year
    target_year: int
    target_year_goal: int

    @property
    def percent(self) -> int:
        """Certified supporters as a whole percentage of this year's target."""
        if not self.target_supporters:
            return 0
        return round(100 * self.certified_now / self.target_supporters)

    @property
    def on_track(self) -> bool:
        """Whether the straight line reaches the target year's goal."""
        return bool(self.projection) and self.projection[-1].projected >= self.target_year_goal


def target_for(year: int) -> ProgrammeTarget | None:
    """The targets of fiscal year ``year``."""
    return tenancy.get_keyed(ProgrammeTarget, year)


def all_targets() -> list[ProgrammeTarget]:
    """Every fiscal year's targets, oldest first."""
    return list(db.session.scalars(select(ProgrammeTarget).order_by(ProgrammeTarget.fiscal_year)))


def check_target(draft: TargetDraft) -> dict[str, str]:
    """Every rule of a target, ``{field: message}`` (empty when the draft can be saved)."""
    problems = {}
    if draft.fiscal_year is None or not 2000 <= draft.fiscal_year <= 2100:
        problems["fiscal_year"] = _("Enter a fiscal year between 2000 and 2100.")
    for name, largest in (
        ("certified_supporters", MAX_SUPPORTERS),
        ("cases_per_year", MAX_CASES),
        ("coverage_min_residents", MAX_MIN_RESIDENTS),
    ):
        value = getattr(draft, name)
        if value is None or value < 0:
            problems[name] = _("Enter a whole number of 0 or more.")
        elif value > largest:
            problems[name] = _("Enter a number between %(min)s and %(max)s.", min=0, max=largest)
    known = set(db.session.scalars(select(Language.code)))
    unknown = sorted(set(draft.languages) - known)
    if unknown:
        problems["languages"] = _("Unknown language: %(codes)s", codes=", ".join(unknown))
    if len(draft.note or "") > MAX_NOTE:
        problems["note"] = _("At most %(max)d characters.", max=MAX_NOTE)
    return problems


def save_target(draft: TargetDraft, by: User | None) -> ProgrammeTarget:
    """Create or replace a fiscal year's targets (flush + audit; the caller commits).

    Refuses with :class:`~supporters.refusals.Refused` naming every wrong field.
    """
    refuse_if(check_target(draft))
    year, languages = draft.fiscal_year, sorted(set(draft.languages))
    target = target_for(year) or ProgrammeTarget(fiscal_year=year)
    target.certified_supporters = draft.certified_supporters
    target.cases_per_year = draft.cases_per_year
    target.coverage_min_residents = draft.coverage_min_residents
    target.note = draft.note or ""
    target.updated_by_id = by.id if by is not None else None
    target.languages = [TargetLanguage(fiscal_year=year, language_code=code) for code in languages]
    db.session.add(target)
    db.session.flush()
    audit.record(
        "save_target",
        target,
        detail=(
            f"fy={year} supporters={draft.certified_supporters} cases={draft.cases_per_year} "
            f"min_residents={draft.coverage_min_residents} languages={','.join(languages)}"
        ),
        user=by,
    )
    return target


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def status_on(day: date, history: list[StatusFrom]) -> str | None:
    """The status in force on ``day`` (``history`` in date order)."""
    status = None
    for change in history:
        if change.effective_on > day:
            break
        status = change.status
    return status


def certified_at(days: list[date]) -> list[int]:
    """Certified supporters on each of ``days``, from every supporter's status history."""
    from supporters.stipends.close import status_histories

    histories = status_histories()
    return [
        sum(1 for history in histories.values() if status_on(day, history) == "certified")
        for day in days
    ]


def _slope(points: list[int]) -> float:
    """Least-squares change per step of equally spaced ``points``."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(points) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(points))
    den = sum((x - mean_x) ** 2 for x in range(n))
    return num / den


def target_progress(year: int, today: date) -> TargetProgress:
    """Progress towards fiscal year ``year``'s targets as of ``today`` (JST date)."""
    target = target_for(year)
    programme = programme_settings()
    target_year = programme.target_fiscal_year
    goal_row = target_for(target_year)
    goal = goal_row.certified_supporters if goal_row else programme.target_supporters

    fy_start = date(year, 4, 1)
    fy_end = date(year + 1, 3, 31)
    last_day = min(today, fy_end)
    current = last_day.replace(day=1)
    months = [months_before(current, k) for k in range(TREND_MONTHS - 1, -1, -1)]
    ends = [min(_month_end(m), last_day) for m in months]
    counts = certified_at(ends) if last_day >= fy_start else []
    # A fiscal year that has not started has no month ends to count (and no trend yet).
    trend = (
        tuple(
            MonthPoint(end, count)
            for end, count in zip(ends, counts, strict=True)
            if end >= fy_start
        )
        if counts
        else ()
    )
    certified_now = counts[-1] if counts else 0
    slope = _slope(counts)

    projection = []
    for fy in range(max(year, fiscal_year(last_day)), target_year + 1):
        march_end = date(fy + 1, 3, 31)
        months_ahead = (march_end.year - last_day.year) * 12 + march_end.month - last_day.month
        milestone = target_for(fy)
        projection.append(
            YearProjection(
                fy,
                milestone.certified_supporters if milestone else None,
                max(0, round(certified_now + slope * months_ahead)),
            )
        )

    wanted = tuple(lang.language_code for lang in target.languages) if target else ()
    spoken = set(
        db.session.scalars(
            select(SupporterLanguage.language_code)
            .join(Supporter, Supporter.id == SupporterLanguage.supporter_id)
            .where(Supporter.status == SupporterStatus.CERTIFIED)
            .distinct()
        )
    )
    cases = db.session.scalar(
        select(func.count())
        .select_from(Activity)
        .where(Activity.happened_on >= fy_start, Activity.happened_on <= last_day)
    )
    return TargetProgress(
        fiscal_year=year,
        target_supporters=target.certified_supporters if target else None,
        cases_per_year=target.cases_per_year if target else None,
        coverage_min_residents=target.coverage_min_residents if target else None,
        target_languages=wanted,
        certified_now=certified_now,
        trend=trend,
        cases_so_far=cases or 0,
        languages_covered=tuple(code for code in wanted if code in spoken),
        languages_missing=tuple(code for code in wanted if code not in spoken),
        per_month=round(slope, 2),
        projection=tuple(projection),
        target_year=target_year,
        target_year_goal=goal,
    )
