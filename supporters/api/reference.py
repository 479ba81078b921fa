"""API: the reference lists every caller needs to fill in codes (municipalities, languages)."""

from marshmallow import Schema, fields
from sqlalchemy import select

from supporters.access import roles_required
from supporters.api.auth import protected_blueprint
from supporters.api.common import PageArgsSchema, page_of
from supporters.api.present import page
from supporters.models import Language, Municipality, Role

# --- JSON shapes (parse types only; the rules are the service's) ---


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


bp = protected_blueprint(
    "api_reference",
    "Municipalities (JIS codes) and languages (BCP 47 codes).",
)

# Supporters need the codes too, to log their cases; reference data is not personal.
any_account = roles_required(*Role)


@bp.get("/municipalities")
@any_account
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_of(MunicipalitySchema))
def list_municipalities(args):
    """The municipalities of the prefecture, by JIS code."""
    return page(select(Municipality).order_by(Municipality.code), args, lambda m: m)


@bp.get("/languages")
@any_account
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_of(LanguageSchema))
def list_languages(args):
    """The languages supporters speak and residents ask for, by code."""
    return page(select(Language).order_by(Language.code), args, lambda lang: lang)
