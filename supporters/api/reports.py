"""API: the monthly and period reports (the same JSON the report pages render) and coverage."""

from dataclasses import asdict
from datetime import date

from flask_babel import force_locale
from flask_login import current_user
from marshmallow import Schema, fields, validate

from supporters.access import coverage_scope, report_required
from supporters.api.auth import protected_blueprint
from supporters.api.common import MONTH_PATTERN, valid_month
from supporters.api.errors import refused
from supporters.api.report_schemas import ReportSchema, count
from supporters.clock import fiscal_year, today_jst
from supporters.coverage import analysis, protected, targets
from supporters.i18n import current_locale
from supporters.refusals import Refused
from supporters.reports.visible import parse_period, report_for
from supporters.stipends.months import current_month, month_text

# --- JSON shapes (parse types only; the rules are the service's) ---


class ReportArgsSchema(Schema):
    lang = fields.String(validate=validate.OneOf(["ja", "en"]))


class PeriodArgsSchema(ReportArgsSchema):
    first = fields.String(
        data_key="from",
        validate=valid_month,
        metadata={"pattern": MONTH_PATTERN, "description": "Default: the fiscal year so far."},
    )
    last = fields.String(
        data_key="to",
        validate=valid_month,
        metadata={"pattern": MONTH_PATTERN, "description": "Default: the month of ``from``."},
    )


class CoverageArgsSchema(Schema):
    fiscal_year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "Default: the current fiscal year (from 1 April)."},
    )


class GapSchema(Schema):
    municipality_code = fields.String()
    municipality_name = fields.String()
    municipality_name_en = fields.String()
    language_code = fields.String()
    language_name = fields.String()
    residents = fields.Integer()
    in_person_supporters = fields.Integer()
    remote_supporters = fields.Integer()
    nearest_supporter_km = fields.Float(allow_none=True)
    requests = count()
    unfilled_requests = count()
    score = fields.Float()
    severity = fields.String()
    reasons = fields.List(fields.String())
    summary = fields.String()
    illustrative = fields.Boolean()


class MonthPointSchema(Schema):
    month_end = fields.Date()
    certified = fields.Integer()


class YearProjectionSchema(Schema):
    fiscal_year = fields.Integer()
    milestone = fields.Integer(allow_none=True)
    projected = fields.Integer()


class TargetProgressSchema(Schema):
    fiscal_year = fields.Integer()
    target_supporters = fields.Integer(allow_none=True)
    cases_per_year = fields.Integer(allow_none=True)
    coverage_min_residents = fields.Integer(allow_none=True)
    target_languages = fields.List(fields.String())
    certified_now = fields.Integer()
    percent = fields.Integer()
    on_track = fields.Boolean()
    trend = fields.List(fields.Nested(MonthPointSchema))
    cases_so_far = count()
    languages_covered = fields.List(fields.String())
    languages_missing = fields.List(fields.String())
    per_month = fields.Float()
    projection = fields.List(fields.Nested(YearProjectionSchema))
    target_year = fields.Integer()
    target_year_goal = fields.Integer()


class CoverageSchema(Schema):
    """Coverage of a fiscal year: cell counts by severity, the top gaps, progress to target."""

    fiscal_year = fields.Integer()
    first_month = fields.String()
    last_month = fields.String()
    as_of = fields.Date(allow_none=True, metadata={"description": "Resident figures used."})
    illustrative = fields.Boolean()
    min_residents = fields.Integer()
    radius_km = fields.Float()
    scope = fields.List(fields.String(), allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    gaps = fields.List(fields.Nested(GapSchema))
    progress = fields.Nested(TargetProgressSchema)


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
        first, last = parse_period(args.get("first", ""), args.get("last", ""))
    except Refused as refusal:
        refused(refusal)
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
