"""The import console at /imports/: choose the kind, upload, see the preview, confirm."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import import_required
from supporters.coverage.analysis import as_of_dates
from supporters.i18n import current_locale
from supporters.imports import reading, template_files
from supporters.imports.base import CREATE, UNCHANGED, UPDATE
from supporters.imports.forms import ConfirmForm, UploadForm
from supporters.imports.kinds import IMPORTERS, LABELS, import_file
from supporters.refusals import Refused, form_status, show_on_form

bp = Blueprint("imports", __name__, url_prefix="/imports")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 20


@bp.context_processor
def import_helpers():
    return {
        "KIND_LABELS": LABELS,
        "KIND_COLUMNS": {kind: importer.columns for kind, importer in IMPORTERS.items()},
        "PREVIEW_ROWS": PREVIEW_ROWS,
        "TEMPLATE_KINDS": [kind for kind in IMPORTERS if kind in template_files.TEMPLATES],
        "ACTIONS": {CREATE: _("new"), UPDATE: _("update"), UNCHANGED: _("unchanged")},
        "max_megabytes": reading.megabytes(reading.max_bytes()),
    }


def _page(form=None, status=200, result=None, confirm=None, file_error=None):
    if form is None:
        form = UploadForm(formdata=None)
        if request.args.get("kind") in IMPORTERS:
            form.kind.data = request.args["kind"]
    return (
        render_template(
            "imports/index.html",
            form=form,
            resident_dates=as_of_dates() if form.kind.data == "residents" else (),
            result=result,
            confirm=confirm,
            file_error=file_error,
        ),
        status,
    )


@bp.errorhandler(413)
def too_large(error):
    """An upload over ``MAX_CONTENT_LENGTH`` is refused before it is read, with the limit."""
    return _page(status=413, file_error=reading.too_large_message())


@bp.get("/")
@import_required
def index():
    """The kinds that can be imported, their columns, and the upload form."""
    return _page()


def _options(kind: str, as_of: date | None, source: str) -> dict:
    return {"as_of": as_of, "source": source or ""} if kind == "residents" else {}


@bp.post("/preview")
@import_required
def preview():
    """Check an uploaded file and show what it would import (a dry run: nothing is saved)."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    kind = form.kind.data
    try:
        data = reading.read_limited(form.file.data)
        options = _options(kind, form.as_of.data, form.source.data)
        sheet = (form.sheet.data or "").strip() or None
        result = import_file(kind, data, current_user, dry_run=True, sheet=sheet, **options)
    except reading.ImportFileError as error:
        return _page(
            form, 413 if isinstance(error, reading.FileTooLarge) else 422, None, None, str(error)
        )
    except Refused as refusal:  # the import's options (e.g. resident figures without a date)
        show_on_form(form, refusal)
        return _page(form, form_status(form))
    confirm = None
    if result.ok:
        confirm = ConfirmForm(formdata=None)
        confirm.kind.data = kind
        confirm.content.data = reading.pack(data)
        confirm.as_of.data = form.as_of.data.isoformat() if form.as_of.data else ""
        confirm.source.data = form.source.data or ""
        confirm.sheet.data = sheet or ""
    return _page(form, 200 if result.ok else 422, result=result, confirm=confirm)


@bp.post("/confirm")
@import_required
def confirm():
    """Import the previewed file: every row in one transaction, or none."""
    form = ConfirmForm()
    if not form.validate_on_submit() or form.kind.data not in IMPORTERS:
        return _page(status=422, file_error=_("Upload the file again."))
    kind = form.kind.data
    try:
        data = reading.unpack(form.content.data)
        as_of = date.fromisoformat(form.as_of.data) if form.as_of.data else None
        result = import_file(
            kind,
            data,
            current_user,
            sheet=(form.sheet.data or "").strip() or None,
            **_options(kind, as_of, form.source.data or ""),
        )
    except (ValueError, Refused) as error:  # ImportFileError, a bad date, residents without one
        message = str(error) if isinstance(error, reading.ImportFileError) else None
        return _page(status=422, file_error=message or _("Upload the file again."))
    if not result.saved:  # the import wrote nothing; the 422 rolls back anything else
        return _page(status=422, result=result)
    flash(_("%(kind)s imported. %(summary)s", kind=LABELS[kind], summary=result.summary), "ok")
    return redirect(url_for("imports.index", kind=kind))


@bp.get("/template")
@import_required
def template():
    """A blank file for a kind: ``?kind=supporters&format=xlsx|csv&lang=ja|en`` (the header in
    that language and one example row naming the programme's own municipality and language)."""
    kind = request.args.get("kind", "supporters")
    file_format = request.args.get("format", "xlsx")
    lang = request.args.get("lang") or ("ja" if current_locale().startswith("ja") else "en")
    if kind not in template_files.TEMPLATES or file_format not in ("csv", "xlsx"):
        abort(404)
    if lang not in template_files.LANGUAGES:
        abort(404)
    data = template_files.template_file(kind, lang, file_format)
    mimetype = "text/csv" if file_format == "csv" else XLSX_TYPE
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{template_files.file_name(kind, lang, file_format)}"'
    )
    return response
