"""API: the monthly and period reports (the same JSON the report pages render) and coverage."""

from dataclasses import asdict
from datetime import date

from flask_babel import force_locale
from flask_login import current_user

from supporters.access import coverage_scope, report_required
from supporters.api.auth import protected_blueprint
from supporters.api.errors import fail
from supporters.api.schemas import (
    CoverageArgsSchema,
    CoverageSchema,
    PeriodArgsSchema,
    ReportArgsSchema,
    ReportSchema,
)
from supporters.clock import fiscal_year, today_jst
from supporters.coverage import analysis, protected, targets
from supporters.i18n import current_locale
from supporters.reports.visible import PeriodError, parse_period, report_for
from supporters.stipends.months import current_month, month_text

bp = protected_blueprint(
    "api_reports",
    "Reports for every console role: officials and municipal officers receive small "
    "counts suppressed, officers for their municipalities only.",
)


@bp.get("/reports/monthly/<month:month>")
@report_required
@bp.arguments(ReportArgsSchema, location="query")
@bp.response(200, ReportSchema)
def monthly_report(args, month: date):
    """The report of one month (``YYYY-MM``)."""
    locale = args.get("lang") or current_locale()
    with force_locale(locale):
        return report_for(current_user, month, month, locale)


@bp.get("/reports/period")
@report_required
@bp.arguments(PeriodArgsSchema, location="query")
@bp.response(200, ReportSchema)
def period_report(args):
    """The report of ``from`` to ``to`` (``YYYY-MM``, at most 60 months; default: the fiscal
    year so far)."""
    try:
        first, last = parse_period(args["first"], args["last"])
    except PeriodError as error:
        fail(422, str(error), "invalid", {"from": str(error)})
    locale = args.get("lang") or current_locale()
    with force_locale(locale):
        return report_for(current_user, first, last, locale)


@bp.get("/reports/coverage")
@report_required
@bp.arguments(CoverageArgsSchema, location="query")
@bp.response(200, CoverageSchema)
def coverage(args):
    """A fiscal year's coverage: cells by severity, the ten top gaps, progress to target.

    Officials and municipal officers: request counts from 1 to 2 (and, for officers, counts
    holding 1 or 2 hospital requests) read ``"X"``, in every month of the period alike; the
    severities and scores are worked out from what is shown."""
    year = args.get("fiscal_year") or fiscal_year(today_jst())
    first = date(year, 4, 1)
    last = max(first, min(date(year + 1, 3, 1), current_month()))
    scope = coverage_scope(current_user)
    matrix = protected.matrix_for(
        current_user, analysis.coverage_matrix(None, first, last, municipalities=scope)
    )
    progress = protected.progress_for(current_user, targets.target_progress(year, today_jst()))
    return {
        "fiscal_year": year,
        "first_month": month_text(first),
        "last_month": month_text(last),
        "as_of": matrix.as_of,
        "illustrative": matrix.illustrative,
        "min_residents": matrix.min_residents,
        "radius_km": matrix.radius_km,
        "scope": sorted(scope) if scope is not None else None,
        "counts": matrix.counts(),
        "gaps": [asdict(gap) for gap in analysis.gaps_of(matrix, limit=10)],
        "progress": {
            **asdict(progress),
            "percent": progress.percent,
            "on_track": progress.on_track,
        },
    }
