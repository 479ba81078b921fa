"""The coverage console at /coverage/: priority list, matrix, map, targets (everyone in the
console, officers for their municipalities), resident import and the nationality mapping
(coordinators), target editing (admins)."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from supporters.access import (
    can_change_targets,
    console_required,
    coordinator_required,
    coverage_scope,
    roles_required,
)
from supporters.clock import fiscal_year, today_jst
from supporters.coverage import analysis, mapping, protected, residents, svgmap, targets
from supporters.coverage.forms import (
    MappingAddForm,
    MappingRemoveForm,
    ResidentConfirmForm,
    ResidentUploadForm,
    TargetForm,
)
from supporters.coverage.labels import SEVERITY_HINTS, SEVERITY_LABELS, count_text
from supporters.extensions import db
from supporters.formkit import options
from supporters.i18n import country_name, localized_name
from supporters.imports import reading
from supporters.models import Language, Role
from supporters.stipends.months import month_text, months_before, parse_month

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

DEFAULT_PERIOD_MONTHS = 3


@bp.context_processor
def coverage_helpers():
    return {
        "SEVERITY_LABELS": SEVERITY_LABELS,
        "SEVERITY_HINTS": SEVERITY_HINTS,
        "month_text": month_text,
        "country_name": country_name,
        "count_text": count_text,
    }


def _period() -> tuple[date, date]:
    """The period from ``?from=YYYY-MM&to=YYYY-MM``; by default the last three months."""
    current = today_jst().replace(day=1)
    try:
        last = parse_month(request.args["to"]) if request.args.get("to") else current
        first = (
            parse_month(request.args["from"])
            if request.args.get("from")
            else months_before(last, DEFAULT_PERIOD_MONTHS - 1)
        )
    except ValueError:
        abort(404)
    if first > last:
        first, last = last, first
    return first, last


def _as_of() -> date | None:
    text = request.args.get("as_of")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


def _matrix() -> analysis.CoverageMatrix:
    """The matrix of the asked period, as the signed-in user may see it (officials and
    officers: small request counts hidden, see ``coverage/protected.py``)."""
    first, last = _period()
    matrix = analysis.coverage_matrix(_as_of(), first, last, municipalities=_scope())
    return protected.matrix_for(current_user, matrix)


def _scope() -> frozenset[str] | None:
    return coverage_scope(current_user)


def _common(matrix: analysis.CoverageMatrix) -> dict:
    return {
        "matrix": matrix,
        "dates": analysis.as_of_dates(),
        "scoped": _scope() is not None,
        "staff": current_user.role in (Role.ADMIN, Role.COORDINATOR),
        "endpoint": request.endpoint,
    }


@bp.get("/")
@console_required
def priorities():
    """The recruitment priority list: gaps ranked by score, with their reasons."""
    matrix = _matrix()
    return render_template(
        "coverage/priorities.html", gaps=analysis.gaps_of(matrix, limit=50), **_common(matrix)
    )


@bp.get("/matrix")
@console_required
def matrix():
    """Municipality × language: residents, supporters in reach, requests of the period."""
    matrix = _matrix()
    return render_template(
        "coverage/matrix.html", severity_counts=matrix.counts(), **_common(matrix)
    )


@bp.get("/map")
@console_required
def map_view():
    """The gap map (server-side SVG), for all languages or the one chosen."""
    matrix = _matrix()
    language = request.args.get("lang") or None
    if language is not None and language not in {lang.code for lang in matrix.languages}:
        language = None
    svg = Markup(svgmap.gap_map_svg(matrix, language=language, width=760))
    return render_template("coverage/map.html", svg=svg, language=language, **_common(matrix))


# --- Targets -----------------------------------------------------------------------------------


def _language_choices() -> list:
    languages = db.session.scalars(select(Language).order_by(Language.code))
    return options((lang.code, f"{localized_name(lang)} ({lang.code})") for lang in languages)


def _targets_page(form: TargetForm | None = None, status: int = 200):
    year = request.args.get("fy", type=int) or fiscal_year(today_jst())
    if not 2000 <= year <= 2100:
        abort(404)
    if form is None:
        form = TargetForm(formdata=None)
        current = targets.target_for(year)
        form.fiscal_year.data = year
        if current is not None:
            form.certified_supporters.data = current.certified_supporters
            form.cases_per_year.data = current.cases_per_year
            form.coverage_min_residents.data = current.coverage_min_residents
            form.languages.data = [lang.language_code for lang in current.languages]
            form.note.data = current.note
    form.languages.choices = _language_choices()
    names = {lang.code: localized_name(lang) for lang in db.session.scalars(select(Language))}
    return (
        render_template(
            "coverage/targets.html",
            progress=protected.progress_for(
                current_user, targets.target_progress(year, today_jst())
            ),
            all_targets=targets.all_targets(),
            form=form,
            can_change=can_change_targets(current_user),
            language_names=names,
            year=year,
        ),
        status,
    )


@bp.get("/targets")
@console_required
def targets_page():
    """Targets per fiscal year and progress: trend over the year, projection to FY2029."""
    return _targets_page()


@bp.post("/targets")
@roles_required(Role.ADMIN)
def save_target():
    """Create or change a fiscal year's targets (admins)."""
    form = TargetForm()
    form.languages.choices = _language_choices()
    if not form.validate_on_submit():
        return _targets_page(form, 422)
    try:
        targets.save_target(
            form.fiscal_year.data,
            form.certified_supporters.data,
            form.cases_per_year.data,
            form.coverage_min_residents.data,
            form.languages.data or [],
            form.note.data,
            current_user,
        )
    except targets.TargetError as error:
        db.session.rollback()
        field = getattr(form, error.field or "fiscal_year")
        field.errors = [*field.errors, error.message]
        return _targets_page(form, 422)
    flash(_("Targets for FY%(year)d saved.", year=form.fiscal_year.data), "ok")
    return redirect(url_for("coverage.targets_page", fy=form.fiscal_year.data))


# --- Resident import ---------------------------------------------------------------------------


def _residents_page(form=None, status=200, result=None, confirm=None, file_error=None):
    return (
        render_template(
            "coverage/residents.html",
            form=form or ResidentUploadForm(formdata=None),
            dates=analysis.as_of_dates(),
            result=result,
            confirm=confirm,
            file_error=file_error,
        ),
        status,
    )


@bp.get("/residents")
@coordinator_required
def residents_page():
    """Foreign-resident figures: dates imported so far, and the upload form."""
    return _residents_page()


@bp.post("/residents/preview")
@coordinator_required
def preview_residents():
    """Check an uploaded file and show what it would import (nothing is saved)."""
    form = ResidentUploadForm()
    if not form.validate_on_submit():
        return _residents_page(form, 422)
    try:
        data = reading.read_limited(form.file.data)
        result = residents.parse_residents(data, form.as_of.data)
    except residents.ImportFileError as error:
        return _residents_page(form, 422, file_error=str(error))
    confirm = None
    if result.ok:
        confirm = ResidentConfirmForm(formdata=None)
        confirm.content.data = reading.pack(data)
        confirm.as_of.data = form.as_of.data.isoformat()
        confirm.source.data = form.source.data or ""
    return _residents_page(form, 200 if result.ok else 422, result=result, confirm=confirm)


@bp.post("/residents/import")
@coordinator_required
def import_residents():
    """Import the previewed file: all rows or none; the date's earlier figures are replaced."""
    form = ResidentConfirmForm()
    if not form.validate_on_submit():
        return _residents_page(status=422, file_error=_("Upload the file again."))
    try:
        data = reading.unpack(form.content.data)
        as_of = date.fromisoformat(form.as_of.data)
        result = residents.import_residents(data, as_of, form.source.data or "", current_user)
    except ValueError as error:
        db.session.rollback()
        message = str(error) if isinstance(error, residents.ImportFileError) else None
        return _residents_page(status=422, file_error=message or _("Upload the file again."))
    if not result.saved:
        db.session.rollback()
        return _residents_page(status=422, result=result)
    flash(
        _(
            "%(rows)d rows imported for %(date)s (%(replaced)d earlier rows replaced).",
            rows=len(result.rows),
            date=as_of.isoformat(),
            replaced=result.replaced,
        ),
        "ok",
    )
    return redirect(url_for("coverage.residents_page"))


# --- Nationality → language mapping -------------------------------------------------------------


def _mapping_page(add_form=None, status=200):
    add_form = add_form or MappingAddForm(formdata=None)
    add_form.language.choices = _language_choices()
    return (
        render_template(
            "coverage/mapping.html",
            pairs=mapping.pairs(),
            add_form=add_form,
            remove_form=MappingRemoveForm(formdata=None),
        ),
        status,
    )


@bp.get("/mapping")
@coordinator_required
def mapping_page():
    """Which languages residents of each nationality are served in."""
    return _mapping_page()


@bp.post("/mapping/add")
@coordinator_required
def add_mapping():
    """Add a nationality → language pair."""
    form = MappingAddForm()
    form.language.choices = _language_choices()
    if not form.validate_on_submit():
        return _mapping_page(form, 422)
    try:
        mapping.add_pair(form.nationality.data, form.language.data, current_user)
    except mapping.MappingError as error:
        db.session.rollback()
        form.nationality.errors = [*form.nationality.errors, str(error)]
        return _mapping_page(form, 422)
    flash(_("Pair added."), "ok")
    return redirect(url_for("coverage.mapping_page"))


@bp.post("/mapping/remove")
@coordinator_required
def remove_mapping():
    """Remove a nationality → language pair."""
    form = MappingRemoveForm()
    if not form.validate_on_submit():
        return _mapping_page(status=422)
    try:
        mapping.remove_pair(form.nationality.data, form.language.data, current_user)
    except mapping.MappingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _mapping_page(status=422)
    flash(_("Pair removed."), "ok")
    return redirect(url_for("coverage.mapping_page"))
