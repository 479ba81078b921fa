"""Exports at /exports/: municipalities, supporters, resident figures and the case log as CSV
(UTF-8 with BOM) or XLSX, with the importers' columns; every download is audited."""

from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from supporters.access import can_export, console_required, coordinator_required, export_scope
from supporters.audit import record_read
from supporters.clock import today_jst
from supporters.exports import tables
from supporters.imports.kinds import LABELS
from supporters.models import Activity, Municipality, ResidentCount, Supporter
from supporters.spreadsheets import csv_bytes, xlsx_bytes

bp = Blueprint("exports", __name__, url_prefix="/exports")

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _format() -> str:
    fmt = request.args.get("format", "csv")
    if fmt not in MIMETYPES:
        abort(404)
    return fmt


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        abort(404)


def _download(kind: str, table: tuple[list[str], list[list]], audit_object, detail: str = ""):
    fmt = _format()
    headers, rows = table
    body = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(headers, rows, title=kind)
    # One event per file (not per row): the detail names the filter, so the rows can be found.
    record_read(
        f"export_{kind}",
        audit_object,
        "export",
        detail=f"format={fmt} rows={len(rows)} {detail}".strip(),
    )
    filename = f"{kind}-{today_jst().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/")
@console_required
def index():
    """The exports the signed-in user may download."""
    kinds = [kind for kind in LABELS if can_export(current_user, kind)]
    return render_template(
        "exports/index.html", kinds=kinds, labels=LABELS, as_of=tables.latest_as_of()
    )


@bp.get("/municipalities")
@console_required
def municipalities():
    """Every municipality with its centroid (public reference data)."""
    return _download("municipalities", tables.municipality_table(), Municipality())


@bp.get("/residents")
@console_required
def residents():
    """Resident figures of one as-of date (the latest by default); officers: their area."""
    as_of = _day("as_of") or tables.latest_as_of()
    table = tables.resident_table(as_of, export_scope(current_user))
    detail = f"as_of={as_of.isoformat() if as_of else '-'}"
    return _download("residents", table, ResidentCount(as_of=as_of), detail)


@bp.get("/supporters")
@coordinator_required
def supporters():
    """The registry with contact details and notes: coordinators and admins only."""
    return _download("supporters", tables.supporter_table(), Supporter())


@bp.get("/activities")
@coordinator_required
def activities():
    """The case log, notes included, optionally ``?from=YYYY-MM-DD&to=YYYY-MM-DD``."""
    first, last = _day("from"), _day("to")
    detail = f"from={first or '-'} to={last or '-'}"
    return _download("activities", tables.activity_table(first, last), Activity(), detail)
