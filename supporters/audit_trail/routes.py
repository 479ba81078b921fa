"""The audit trail for admins: filter, page through and export it. Read-only by design: there
is no route that changes or deletes an event, and the model refuses it (models/audit.py)."""

from flask import Blueprint, Response, render_template, request

from supporters.access import admin_required
from supporters.audit import record
from supporters.audit_trail import queries
from supporters.audit_trail.forms import AuditFilterForm
from supporters.audit_trail.labels import action_label, channel_label, role_label
from supporters.clock import today_jst
from supporters.models import AuditEvent
from supporters.pagination import paginate
from supporters.spreadsheets import csv_bytes

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")


def _filters() -> tuple[AuditFilterForm, queries.AuditFilters | None]:
    """The filter form from the query string, and the filters (None when the form is wrong)."""
    form = AuditFilterForm(
        request.args,
        actions=queries.known_actions(),
        object_types=queries.known_object_types(),
    )
    if request.args and not form.validate():
        return form, None
    return form, queries.AuditFilters(
        actor=form.actor.data or "",
        action=form.action.data or "",
        object_type=form.object_type.data or "",
        object_id=form.object_id.data or "",
        channel=form.channel.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


@bp.get("/")
@admin_required
def index():
    """The trail, newest first, filtered by who, what, which record, channel and JST dates."""
    form, filters = _filters()
    if filters is None:
        return render_template("audit/index.html", form=form, page=None, args={}), 422
    page = paginate(queries.audit_statement(filters))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        args=args,
        action_label=action_label,
        channel_label=channel_label,
        role_label=role_label,
    )


@bp.get("/export.csv")
@admin_required
def export():
    """The filtered trail as CSV (UTF-8 with BOM, formulas neutralised); the export is itself
    recorded in the trail."""
    form, filters = _filters()
    if filters is None:
        return render_template("audit/index.html", form=form, page=None, args={}), 422
    rows = queries.csv_rows(filters)
    detail = " ".join(f"{k}={v}" for k, v in sorted(request.args.items()) if v)
    record(
        "export_audit", AuditEvent(), detail=f"rows={len(rows)} {detail}".strip(), channel="export"
    )
    filename = f"audit-{today_jst().isoformat()}.csv"
    return Response(
        csv_bytes(queries.CSV_HEADERS, rows),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
