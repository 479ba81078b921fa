"""The API's JSON shapes (marshmallow); the OpenAPI document is generated from these.

Category, status and mode values are the enum values the web UI uses. Input schemas refuse
unknown keys (a misspelt field is an error, not silently ignored).
"""

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from supporters.clock import FIRST_YEAR, LAST_YEAR, in_window
from supporters.help_requests.offers import DECLINE_REASONS
from supporters.models import (
    GENDERS,
    JAPANESE_LEVELS,
    ActivityCategory,
    ActivityOutcome,
    ConsentChannel,
    LanguageLevel,
    Mode,
    OfferStatus,
    RequestCategory,
    RequestSource,
    RequestStatus,
    SupporterStatus,
    Urgency,
)
from supporters.registry.forms import _PHONE, normalise_phone, normalise_text
from supporters.stipends.months import parse_month

MAX_PER_PAGE = 100
ID = validate.Range(min=1, max=2**31 - 1)  # ids are 32-bit keys on every database we run on
CODE = validate.Length(min=1, max=16)


MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def valid_month(text: str) -> None:
    """A month as the stipend and report pages accept it: ``YYYY-MM`` from 2000 on."""
    try:
        parse_month(text)
    except ValueError as error:
        raise ValidationError("Write months as YYYY-MM, for example 2025-04.") from error


def within_years(value) -> None:
    """A date or time the app can hold: between 2000 and 2100 (``clock.in_window``)."""
    if not in_window(value):
        raise ValidationError(f"Give a date between {FIRST_YEAR} and {LAST_YEAR}.")


def _enum(enum_class, **kwargs):
    return fields.Enum(enum_class, by_value=True, **kwargs)


# --- Errors and pagination ------------------------------------------------------------------------


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable, machine-readable."})
    message = fields.String(required=True, metadata={"description": "For people."})
    field_problems = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        data_key="fields",
        metadata={"description": "Problem per input field (dotted path), when any."},
    )


class ErrorSchema(Schema):
    """Every error the API returns."""

    error = fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(Schema):
    """``page`` (from 1) and ``per_page`` (at most 100) of a list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Items on all pages."})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True, metadata={"description": "Number of pages."})


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A page of ``item_schema`` objects: ``items`` plus the page metadata."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema))})


# --- Reference data -------------------------------------------------------------------------------


class MunicipalitySchema(Schema):
    code = fields.String(metadata={"description": "JIS X 0402 code, e.g. 08204."})
    name_ja = fields.String()
    name_en = fields.String()
    kana = fields.String()
    kind = fields.String(metadata={"description": "city, town or village"})
    latitude = fields.Float()
    longitude = fields.Float()


class LanguageSchema(Schema):
    code = fields.String(metadata={"description": "BCP 47 code, e.g. vi, pt-BR."})
    name_en = fields.String()
    name_ja = fields.String()
    name_native = fields.String()


# --- Supporters -----------------------------------------------------------------------------------


class SupporterLanguageSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    level = _enum(LanguageLevel, required=True)


class SupporterSchema(Schema):
    """A supporter's registry record; contact fields are null for who may not see them."""

    id = fields.Integer()
    display_name = fields.String()
    status = _enum(SupporterStatus)
    home_municipality_code = fields.String()
    served_municipality_codes = fields.List(fields.String())
    languages = fields.List(fields.Nested(SupporterLanguageSchema))
    japanese_level = fields.String()
    origins = fields.List(fields.String())
    modes = fields.List(_enum(Mode))
    monthly_case_cap = fields.Integer()
    training_cohort = fields.String()
    applied_on = fields.Date(allow_none=True)
    certified_on = fields.Date(allow_none=True)
    suspended_on = fields.Date(allow_none=True)
    retired_on = fields.Date(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    paused_until = fields.Date(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    gender = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)


class SupporterListArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    language = fields.String(load_default="", validate=validate.Length(max=16))
    municipality = fields.String(load_default="", validate=validate.Length(max=5))
    status = _enum(SupporterStatus, load_default=None)
    mode = _enum(Mode, load_default=None)


class SupporterInSchema(Schema):
    """A supporter's profile as a coordinator enters it (the registry form's fields)."""

    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(
        required=True,
        validate=validate.Regexp(_PHONE, error="Enter a phone number in digits."),
        metadata={"example": "090-1234-5678"},
    )
    home_municipality_code = fields.String(required=True, validate=validate.Length(max=5))
    served_municipality_codes = fields.List(
        fields.String(validate=validate.Length(max=5)), validate=validate.Length(max=60)
    )
    languages = fields.List(
        fields.Nested(SupporterLanguageSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Strongest first; each language once."},
    )
    japanese_level = fields.String(required=True, validate=validate.OneOf(JAPANESE_LEVELS))
    origins = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Z]{2}$")), validate=validate.Length(max=10)
    )
    modes = fields.List(_enum(Mode), required=True, validate=validate.Length(min=1, max=3))
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    monthly_case_cap = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    training_cohort = fields.String(validate=validate.Length(max=30))
    notes = fields.String(validate=validate.Length(max=4000))
    applied_on = fields.Date(
        validate=within_years, metadata={"description": "Default: today (JST)."}
    )

    @pre_load
    def normalise(self, data, **kwargs):
        """The same clean-up as the registry form: NFC names, lower-case e-mail, NFKC phone."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("display_name", "training_cohort"):
            if isinstance(data.get(key), str):
                data[key] = normalise_text(data[key])
        if isinstance(data.get("email"), str):
            data["email"] = normalise_text(data["email"]).lower()
        if isinstance(data.get("phone"), str):
            data["phone"] = normalise_phone(data["phone"])
        return data


class SupporterPatchSchema(SupporterInSchema):
    """Any subset of the profile; the rest stays as it is."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class CertifyInSchema(Schema):
    certificate_number = fields.String(
        validate=validate.Length(min=1, max=30),
        metadata={"description": "Default: the next free number, e.g. INCS-2026-0001."},
    )
    effective_on = fields.Date(
        validate=within_years, metadata={"description": "Default: today (JST)."}
    )
    override_reason = fields.String(
        validate=validate.Length(max=1000),
        metadata={"description": "Administrators only: certify with training hours missing."},
    )


# --- Help requests, candidates and offers -------------------------------------------------------


class ConsentInSchema(Schema):
    language_shown = fields.String(required=True, validate=CODE)
    channel = _enum(ConsentChannel, required=True)


class RequestInSchema(Schema):
    """A request as taken on the phone or handed over by a municipal system."""

    category = _enum(RequestCategory, required=True)
    mode = _enum(Mode, required=True)
    language_code = fields.String(allow_none=True, load_default=None, validate=CODE)
    municipality_code = fields.String(required=True, validate=validate.Length(max=5))
    starts_at = fields.AwareDateTime(required=True, validate=within_years)
    ends_at = fields.AwareDateTime(required=True, validate=within_years)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    requester_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    requester_contact = fields.String(required=True, validate=validate.Length(min=1, max=254))
    source = _enum(RequestSource, load_default=RequestSource.RESIDENT)
    place_name = fields.String(load_default="", validate=validate.Length(max=200))
    place_address = fields.String(load_default="", validate=validate.Length(max=300))
    urgency = _enum(Urgency, load_default=Urgency.NORMAL)
    preferred_gender = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(GENDERS)
    )
    requester_nationality = fields.String(
        allow_none=True, load_default=None, validate=validate.Regexp(r"^[A-Za-z]{2}$")
    )
    residence_status = fields.String(load_default="", validate=validate.Length(max=60))
    need = fields.String(load_default="", validate=validate.Length(max=4000))
    consent = fields.Nested(
        ConsentInSchema,
        required=True,
        metadata={"description": "How the resident agreed to the privacy notice in force."},
    )


class RequesterSchema(Schema):
    name = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    nationality = fields.String(allow_none=True)
    residence_status = fields.String(allow_none=True)


class OfferSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    supporter_id = fields.Integer()
    status = _enum(OfferStatus)
    rank = fields.Integer(allow_none=True)
    sent_at = fields.DateTime()
    expires_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String()


class RequestSchema(Schema):
    """A help request through the field policy: a field the caller may not read is null.

    Municipal officers get the basics and the progress, never ``need``, ``place_address`` or
    ``requester``; a supporter offered the request gets what the offer needs, and the need,
    address, name and contact once it is assigned to them.
    """

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    category = _enum(RequestCategory, allow_none=True)
    mode = _enum(Mode, allow_none=True)
    language_code = fields.String(allow_none=True)
    municipality_code = fields.String(allow_none=True)
    place_name = fields.String(allow_none=True)
    place_address = fields.String(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    duration_minutes = fields.Integer(allow_none=True)
    urgency = _enum(Urgency, allow_none=True)
    preferred_gender = fields.String(allow_none=True)
    source = _enum(RequestSource, allow_none=True)
    sensitive = fields.Boolean(
        allow_none=True, metadata={"description": "Hospital requests (health data)."}
    )
    status = _enum(RequestStatus, allow_none=True)
    answer_by = fields.DateTime(allow_none=True)
    assigned_supporter_id = fields.Integer(allow_none=True)
    referred_to = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    need = fields.String(allow_none=True)
    requester = fields.Nested(RequesterSchema, allow_none=True)
    offers = fields.List(
        fields.Nested(OfferSchema),
        allow_none=True,
        metadata={"description": "Coordinators and admins only."},
    )


class RequestListArgsSchema(PageArgsSchema):
    status = fields.String(
        load_default="",
        validate=validate.OneOf(["", "open", *(s.value for s in RequestStatus)]),
        metadata={"description": "A status, or open (new, offered, unfilled)."},
    )
    municipality = fields.String(load_default="", validate=validate.Length(max=5))


class ReasonSchema(Schema):
    code = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.Raw())
    text = fields.String(metadata={"description": "In the caller's language."})


class CandidateSchema(Schema):
    supporter_id = fields.Integer()
    name = fields.String()
    score = fields.Float()
    km = fields.Float(allow_none=True)
    parts = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.Nested(ReasonSchema))


class FilterCountSchema(Schema):
    filter = fields.String()
    remaining = fields.Integer()


class FallbackSchema(Schema):
    kind = fields.String(metadata={"description": "neighbouring, remote, widen_window, referral"})
    supporter_ids = fields.List(fields.Integer())
    municipality = fields.String(allow_none=True)
    km = fields.Float(allow_none=True)
    text = fields.String()


class MatchSchema(Schema):
    """Ranked candidates with reasons; when nobody qualifies, why and what else to try."""

    request_id = fields.Integer()
    candidates = fields.List(fields.Nested(CandidateSchema))
    counts_after_each_filter = fields.List(fields.Nested(FilterCountSchema))
    emptied_by = fields.String(allow_none=True)
    fallbacks = fields.List(fields.Nested(FallbackSchema))


class OffersInSchema(Schema):
    supporter_ids = fields.List(
        fields.Integer(strict=True, validate=ID),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Candidates or fallbacks of GET /requests/{id}/candidates."},
    )


class OfferedRequestSchema(RequestSchema):
    """A request as the supporter offered it sees it (no other offers)."""

    class Meta:
        exclude = ("offers",)


class OwnOfferSchema(OfferSchema):
    """An offer as the supporter it was made to sees it, with the request."""

    request = fields.Nested(OfferedRequestSchema)


class DeclineInSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(DECLINE_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


# --- Activities -----------------------------------------------------------------------------------


class ActivityInSchema(Schema):
    """A case for the log. Supporters log their own; staff give ``supporter_id``."""

    supporter_id = fields.Integer(
        validate=ID,
        metadata={"description": "Required for coordinators; a supporter may only give their own."},
    )
    happened_on = fields.Date(required=True, validate=within_years)
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=1440))
    category = _enum(ActivityCategory, required=True)
    mode = _enum(Mode, required=True)
    municipality_code = fields.String(required=True, validate=validate.Length(max=5))
    language_code = fields.String(allow_none=True, validate=CODE)
    outcome = _enum(ActivityOutcome, allow_none=True)
    people_reached = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    follow_up_needed = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    client_token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Idempotency key: sending it again returns the saved entry."},
    )
    request_id = fields.Integer(allow_none=True, validate=ID)


class ActivitySchema(Schema):
    id = fields.Integer()
    supporter_id = fields.Integer()
    request_id = fields.Integer(allow_none=True)
    happened_on = fields.Date()
    duration_minutes = fields.Integer()
    category = _enum(ActivityCategory)
    mode = _enum(Mode)
    municipality_code = fields.String()
    language_code = fields.String(allow_none=True)
    outcome = _enum(ActivityOutcome, allow_none=True)
    people_reached = fields.Integer(allow_none=True)
    follow_up_needed = fields.Boolean()
    notes = fields.String(allow_none=True, metadata={"description": "Null for officers."})
    logged_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ActivityListArgsSchema(PageArgsSchema):
    supporter_id = fields.Integer(validate=ID)
    month = fields.String(
        validate=valid_month, metadata={"description": "YYYY-MM", "pattern": MONTH_PATTERN}
    )


# --- Stipends -------------------------------------------------------------------------------------


class StipendTotalsSchema(Schema):
    regular_count = fields.Integer()
    regular_yen = fields.Integer()
    adjustment_yen = fields.Integer()
    paid_yen = fields.Integer()
    total_yen = fields.Integer()
    pending_yen = fields.Integer()


class StipendPreviewSchema(Schema):
    count = fields.Integer()
    total_yen = fields.Integer()


class StipendLineSchema(Schema):
    id = fields.Integer()
    supporter_id = fields.Integer()
    supporter_name = fields.String()
    kind = fields.String()
    amount_yen = fields.Integer()
    concerns_month = fields.String(allow_none=True)
    reason = fields.String()
    paid = fields.Boolean()


class StipendMonthSchema(Schema):
    month = fields.String(metadata={"example": "2026-10"})
    status = fields.String(metadata={"description": "open, closed or reopened"})
    over = fields.Boolean(metadata={"description": "Whether the month has ended (can be closed)."})
    totals = fields.Nested(StipendTotalsSchema)
    preview = fields.Nested(
        StipendPreviewSchema,
        allow_none=True,
        metadata={"description": "What closing would write, while the month is open."},
    )
    lines = fields.List(fields.Nested(StipendLineSchema))


class CloseResultSchema(Schema):
    month = fields.String()
    lines_added = fields.Integer()
    already_closed = fields.Boolean()
    reclosed = fields.Boolean()
    unbacked = fields.List(fields.Integer())


# --- Reports and coverage -------------------------------------------------------------------------


class ReportArgsSchema(Schema):
    lang = fields.String(validate=validate.OneOf(["ja", "en"]))


class PeriodArgsSchema(ReportArgsSchema):
    first = fields.String(
        load_default="",
        data_key="from",
        validate=valid_month,
        metadata={"pattern": MONTH_PATTERN, "description": "Default: the fiscal year so far."},
    )
    last = fields.String(
        load_default="", data_key="to", validate=valid_month, metadata={"pattern": MONTH_PATTERN}
    )


class ReportSchema(Schema):
    """The monthly report, exactly as the report pages and their JSON download render it.

    Officials and municipal officers receive small counts, and the counts that would give them
    away by subtraction, as ``"X"`` (see ``suppression``).
    """

    period = fields.Dict()
    scope = fields.List(fields.String(), allow_none=True)
    locale = fields.String()
    suppression = fields.Raw(allow_none=True)
    generated_on = fields.String()
    cases = fields.Dict()
    requests = fields.Dict()
    stipends = fields.Dict(allow_none=True)
    supporters = fields.Dict()
    gaps = fields.List(fields.Dict())
    months = fields.List(fields.Dict())


class CoverageArgsSchema(Schema):
    fiscal_year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "Default: the current fiscal year (from 1 April)."},
    )


HIDDEN_COUNT = 'A count, or "X" when hidden from officials and officers (small counts).'


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
    requests = fields.Raw(metadata={"description": HIDDEN_COUNT})
    unfilled_requests = fields.Raw(metadata={"description": HIDDEN_COUNT})
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
    cases_so_far = fields.Raw(metadata={"description": HIDDEN_COUNT})
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
