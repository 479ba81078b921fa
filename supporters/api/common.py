"""What every API resource shares: the error body, pages of results, ids, codes,
months and dates. Each resource keeps its own shapes next to its views
(``api/registry.py`` …); the OpenAPI document is generated from them.

Category, status and mode values are the enum values the web UI uses. Input schemas
refuse unknown keys (a misspelt field is an error, not silently ignored). They only
parse types: the rules are the services' (``supporters/refusals.py``).
"""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from supporters.clock import FIRST_YEAR, LAST_YEAR, in_window
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
        raise ValidationError(_("Write months as YYYY-MM, for example 2025-04.")) from error


def within_years(value) -> None:
    """A date or time the app can hold: between 2000 and 2100 (``clock.in_window``)."""
    if not in_window(value):
        raise ValidationError(
            _("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def enum_field(enum_class, **kwargs):
    """A field holding one of ``enum_class``'s values (the web UI's codes)."""
    return fields.Enum(enum_class, by_value=True, **kwargs)


class RowProblemSchema(Schema):
    """A wrong row of an import: where it is, and the importer's words for it."""

    index = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Position in rows (from 0)."}
    )
    line = fields.Integer(
        required=True, metadata={"description": "Line in the file; JSON rows count from 1."}
    )
    message = fields.String(required=True)
    row_fields = fields.Dict(
        keys=fields.String(), values=fields.String(), required=True, data_key="fields"
    )


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
    rows = fields.List(
        fields.Nested(RowProblemSchema),
        metadata={"description": "Imports only (code invalid_rows): every wrong row."},
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
