"""API: bulk imports — one call per kind, all rows or none, with a dry run.

``POST /imports/<kind>`` takes the rows as JSON (the import file's columns as keys) and
``POST /imports/<kind>/file`` an uploaded CSV or XLSX file, for every kind of
``imports/kinds.py``: supporters, activities (paper records), municipalities, residents. Both go
through the importers and ``imports/base.py`` exactly as the import page and ``flask import``
do: this module only reads the JSON into rows and the importer's result into JSON; every rule
is the importers' and the services'. ``?dry_run=1`` (or ``"dry_run": true``) answers what the
import would do, row by row, and writes nothing — it answers as the real call would, so a wrong
row is 422 in both. A saved import is audited (``import_<kind>``, channel ``api``).
"""

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from supporters.access import import_required
from supporters.api.auth import protected_blueprint
from supporters.api.common import within_years
from supporters.api.errors import fail, refused
from supporters.imports import reading
from supporters.imports.base import CREATE, UNCHANGED, UPDATE, ImportResult, run_rows
from supporters.imports.kinds import IMPORTERS, import_file
from supporters.input_guard import takes_large_json
from supporters.refusals import FORM, Refused

ROW_NAMES = {
    "supporters": "SupporterRow",
    "activities": "ActivityRow",
    "municipalities": "MunicipalityRow",
    "residents": "ResidentFigureRow",
}
ACTIONS = (CREATE, UPDATE, UNCHANGED)

# --- JSON shapes (parse types only; the rules are the importers' and services') ---


class Cell(fields.String):
    """A cell as a file holds it: text (a number or true/false is taken as its text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, int | float):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


def row_schema(kind: str) -> type[Schema]:
    """One row of ``kind``: its file's columns, each text (a missing one is an empty cell)."""
    columns = IMPORTERS[kind].columns
    shape = {
        column.name: Cell(
            allow_none=True,
            metadata={
                "description": ("Required column" if column.required else "Optional column")
                + (
                    f" (also written {', '.join(column.synonyms)} in files)."
                    if column.synonyms
                    else "."
                )
            },
        )
        for column in columns
    }
    doc = f"A row of a {kind} import: the columns of its file, each as text."
    return type(ROW_NAMES[kind] + "Schema", (Schema,), {"__doc__": doc, **shape})


class DryRunArgsSchema(Schema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Check everything and write nothing (also a body flag)."},
    )


class ResidentArgsSchema(DryRunArgsSchema):
    as_of = fields.Date(
        allow_none=True,
        validate=within_years,
        metadata={"description": "The date of the figures (required for residents)."},
    )
    source = fields.String(load_default="", metadata={"description": "Where they come from."})


class FileArgsSchema(DryRunArgsSchema):
    sheet = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "An XLSX workbook's sheet (default: the first)."},
    )


class ResidentFileArgsSchema(FileArgsSchema, ResidentArgsSchema):
    pass


class ImportUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "A CSV (UTF-8 or CP932) or XLSX file."})


def body_schema(kind: str) -> type[Schema]:
    """The JSON body of a ``kind`` import: the rows, the dry-run flag, the kind's options."""
    shape = {
        "rows": fields.List(
            fields.Nested(row_schema(kind)),
            required=True,
            validate=validate.Length(min=1),
            metadata={"description": "At most the import file size limit as JSON."},
        ),
        "dry_run": fields.Boolean(load_default=False),
    }
    if kind == "residents":
        shape["as_of"] = fields.Date(allow_none=True, validate=within_years)
        shape["source"] = fields.String(load_default="")
    name = ROW_NAMES[kind].removesuffix("Row") + "ImportInSchema"
    return type(name, (Schema,), shape)


class ImportCountsSchema(Schema):
    rows = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


class ImportedRowSchema(Schema):
    index = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Position in rows (from 0)."}
    )
    line = fields.Integer(
        required=True, metadata={"description": "Line in the file; JSON rows count from 1."}
    )
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    changes = fields.List(
        fields.String(), required=True, metadata={"description": "Updated columns, if known."}
    )


class ImportResultSchema(Schema):
    """What an import did (or, in a dry run, would do): per row new, updated or unchanged."""

    kind = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    saved = fields.Boolean(required=True)
    counts = fields.Nested(ImportCountsSchema, required=True)
    rows = fields.List(fields.Nested(ImportedRowSchema), required=True)
    notes = fields.List(fields.String(), required=True)


WRONG_ROWS = (
    "``invalid_rows``: nothing was imported; ``error.rows`` lists each wrong row (index, line, "
    "message, fields) and ``error.fields`` the same as ``rows.<index>.<field>`` (JSON rows) or "
    "``lines.<line>.<field>`` (files). Also ``invalid_file`` (unreadable file) and ``invalid`` "
    "(the body, or the kind's options such as residents' ``as_of``)."
)

bp = protected_blueprint(
    "api_imports",
    "Bulk imports for coordinators and admins: the import files' kinds as JSON rows or as an "
    "uploaded CSV/XLSX, all or nothing, with a dry run.",
)


def _register(kind: str) -> None:
    """The two operations of ``kind``: JSON rows and an uploaded file."""
    options_schema = ResidentArgsSchema if kind == "residents" else DryRunArgsSchema
    file_args = ResidentFileArgsSchema if kind == "residents" else FileArgsSchema

    @bp.arguments(options_schema, location="query")
    @bp.arguments(body_schema(kind))
    @bp.alt_response(422, schema="Error", description=WRONG_ROWS)
    @bp.response(200, ImportResultSchema)
    def import_rows(args, body):
        rows = [{k: v for k, v in row.items() if v is not None} for row in body["rows"]]
        options = _options(kind, {**args, **{k: body[k] for k in ("as_of", "source") if k in body}})
        dry_run = args["dry_run"] or body["dry_run"]
        try:
            result = run_rows(IMPORTERS[kind](current_user, **options), rows, dry_run=dry_run)
        except Refused as refusal:  # the kind's options (resident figures without a date)
            refused(refusal)
        return _answer(result, dry_run, from_rows=True)

    @bp.arguments(file_args, location="query")
    @bp.arguments(ImportUploadSchema, location="files")
    @bp.alt_response(422, schema="Error", description=WRONG_ROWS)
    @bp.response(200, ImportResultSchema)
    def import_upload(args, files):
        try:
            data = reading.read_limited(files["file"].stream)
            result = import_file(
                kind,
                data,
                current_user,
                dry_run=args["dry_run"],
                sheet=args.get("sheet"),
                **_options(kind, args),
            )
        except reading.ImportFileError as error:
            status = 413 if isinstance(error, reading.FileTooLarge) else 422
            fail(status, str(error), "invalid_file", {"file": str(error)})
        except Refused as refusal:
            refused(refusal)
        return _answer(result, args["dry_run"], from_rows=False)

    import_rows.__doc__ = f"Import {kind} from JSON rows (the file's columns), all or none."
    import_upload.__doc__ = f"Import {kind} from an uploaded CSV or XLSX file, all or none."
    import_rows.__name__ = f"import_{kind}"
    import_upload.__name__ = f"import_{kind}_file"
    bp.post(f"/imports/{kind}")(takes_large_json(import_required(import_rows)))
    bp.post(f"/imports/{kind}/file")(import_required(import_upload))


def _options(kind: str, args: dict) -> dict:
    if kind != "residents":
        return {}
    return {"as_of": args.get("as_of"), "source": args.get("source") or ""}


def _answer(result: ImportResult, dry_run: bool, from_rows: bool) -> dict:
    """The result as JSON, or 422 naming every wrong row when nothing was (or would be) saved."""
    if result.errors:
        wrong = [_row_problem(error, from_rows) for error in result.errors]
        flat = {}
        for problem in wrong:
            where = f"rows.{problem['index']}" if from_rows else f"lines.{problem['line']}"
            for name, message in (problem["fields"] or {FORM: problem["message"]}).items():
                flat[f"{where}.{name}"] = message
        message = _("Nothing can be imported: %(count)d wrong row(s)", count=len(wrong))
        fail(422, message, "invalid_rows", flat, rows=wrong)
    return {
        "kind": result.kind,
        "dry_run": dry_run,
        "saved": result.saved,
        "counts": {
            "rows": len(result.rows),
            "created": result.count(CREATE),
            "updated": result.count(UPDATE),
            "unchanged": result.count(UNCHANGED),
        },
        "rows": [
            {
                "index": row.line - 1 if from_rows else None,
                "line": row.line,
                "action": row.action,
                "changes": list(getattr(row, "changes", ()) or ()),
            }
            for row in result.rows
        ],
        "notes": [str(note) for note in result.notes],
    }


def _row_problem(error: reading.RowError, from_rows: bool) -> dict:
    return {
        "index": error.line - 1 if from_rows else None,
        "line": error.line,
        "message": error.message,
        "fields": dict(error.fields),
    }


for _kind in IMPORTERS:
    _register(_kind)
