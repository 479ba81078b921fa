"""The shape of the monthly and period reports, typed field by field for the OpenAPI document.

``reports/monthly.py::build_report`` writes the dict; these schemas only describe it (the API
dumps it through them), so a generated client reads ``report.cases.total`` as a typed value.
Officials and municipal officers receive small counts as ``"X"`` (``reports/suppression.py``):
every count that may be hidden is a :func:`count` — an integer, or the text ``"X"``.
"""

from marshmallow import Schema, fields

from supporters.models import ActivityCategory, Mode

HIDDEN = 'A count, or "X" when hidden from officials and officers (small counts).'


def count(description: str = "", **kwargs) -> fields.Raw:
    """A count that may be hidden: an integer, or ``"X"``."""
    return fields.Raw(
        metadata={
            "oneOf": [{"type": "integer"}, {"type": "string"}],
            "description": f"{description} {HIDDEN}".strip(),
        },
        **kwargs,
    )


def _counts_schema(name: str, keys, doc: str) -> type[Schema]:
    """A schema with one hidden-able count per key (categories, modes)."""
    return type(name, (Schema,), {"__doc__": doc, **{key: count(required=True) for key in keys}})


CategoryCountsSchema = _counts_schema(
    "CategoryCountsSchema",
    [category.value for category in ActivityCategory],
    "Cases per category (the case log's categories).",
)
ModeCountsSchema = _counts_schema(
    "ModeCountsSchema", [mode.value for mode in Mode], "Cases per mode."
)


class MunicipalityCasesSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    total = count(required=True)
    by_category = fields.Nested(CategoryCountsSchema, required=True)


class LanguageCasesSchema(Schema):
    code = fields.String(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True)
    total = count(required=True)


class CasesSchema(Schema):
    """The case log's figures of the period (or of one month)."""

    total = count(required=True)
    by_category = fields.Nested(CategoryCountsSchema, required=True)
    by_mode = fields.Nested(ModeCountsSchema, required=True)
    people_reached = count("People reached by information sessions.", required=True)
    by_municipality = fields.List(fields.Nested(MunicipalityCasesSchema), required=True)
    by_language = fields.List(fields.Nested(LanguageCasesSchema), required=True)


class TimeToAssignmentSchema(Schema):
    assigned = count(required=True)
    median_hours = fields.Float(
        required=True, allow_none=True, metadata={"description": "Null without assignments."}
    )
    suppressed = fields.Boolean(metadata={"description": "The median is hidden (small counts)."})


class RequestCountsSchema(Schema):
    """Help requests received, and their first outcomes, in the period."""

    received = count(required=True)
    assigned = count(required=True)
    unfilled = count(required=True)
    referred = count(required=True)
    time_to_assignment = fields.Nested(TimeToAssignmentSchema, required=True)


class StipendSumsSchema(Schema):
    booked_yen = fields.Integer(required=True)
    paid_yen = fields.Integer(required=True)


class MonthBlockSchema(Schema):
    """One month of the period."""

    month = fields.String(required=True, metadata={"example": "2025-04"})
    cases = fields.Nested(CasesSchema, required=True)
    requests = fields.Nested(RequestCountsSchema, required=True)
    stipends = fields.Nested(
        StipendSumsSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Null in a municipality's report."},
    )


class PeriodSchema(Schema):
    first = fields.String(
        required=True, attribute="from", data_key="from", metadata={"example": "2025-04"}
    )
    last = fields.String(
        required=True, attribute="to", data_key="to", metadata={"example": "2025-12"}
    )
    first_day = fields.String(required=True)
    last_day = fields.String(required=True)
    months = fields.List(fields.String(), required=True)
    fiscal_year = fields.Integer(required=True)
    residents_as_of = fields.String(required=True, allow_none=True)


class SuppressionSchema(Schema):
    below = fields.Integer(required=True)
    mark = fields.String(required=True)
    method = fields.String(required=True)


class SupportersAgainstTargetSchema(Schema):
    certified = fields.Integer(required=True)
    as_of = fields.String(required=True)
    fiscal_year = fields.Integer(required=True)
    target = fields.Integer(required=True, allow_none=True)
    target_fiscal_year = fields.Integer(required=True, allow_none=True)
    target_source = fields.String(required=True)
    percent = fields.Integer(required=True, allow_none=True)


class ReportGapSchema(Schema):
    """A coverage gap of the report (the top ones of the period)."""

    municipality_code = fields.String(required=True)
    municipality_name = fields.String(required=True)
    language_code = fields.String(required=True)
    language_name = fields.String(required=True)
    residents = fields.Integer(required=True)
    in_person_supporters = fields.Integer(required=True)
    remote_supporters = fields.Integer(required=True)
    nearest_supporter_km = fields.Float(required=True, allow_none=True)
    requests = count(required=True)
    unfilled_requests = count(required=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.String(), required=True)
    illustrative = fields.Boolean(required=True)


class HelpGivenSchema(Schema):
    """Cases the programme's supporters, lent to other programmes, logged for them."""

    cases = count(required=True)
    people = count(required=True)


class ReportSchema(Schema):
    """The monthly report, exactly as the report pages and their JSON download render it.

    Officials and municipal officers receive small counts, and the counts that would give them
    away by subtraction, as ``"X"`` (see ``suppression``).
    """

    period = fields.Nested(PeriodSchema, required=True)
    scope = fields.List(
        fields.String(),
        required=True,
        allow_none=True,
        metadata={"description": "The municipalities reported on; null for the whole programme."},
    )
    locale = fields.String(required=True)
    suppression = fields.Nested(
        SuppressionSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Null for exact figures."},
    )
    generated_on = fields.String(required=True)
    cases = fields.Nested(CasesSchema, required=True)
    requests = fields.Nested(RequestCountsSchema, required=True)
    stipends = fields.Nested(StipendSumsSchema, required=True, allow_none=True)
    supporters = fields.Nested(SupportersAgainstTargetSchema, required=True)
    help_given = fields.Nested(
        HelpGivenSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Null for a municipality's report or a single programme."},
    )
    gaps = fields.List(fields.Nested(ReportGapSchema), required=True, allow_none=True)
    months = fields.List(fields.Nested(MonthBlockSchema), required=True)
