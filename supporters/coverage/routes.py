"""The coverage console at /coverage/: priority list, matrix, map, targets (everyone in the
console, officers for their municipalities), the nationality mapping and a link to the resident
figures' import (coordinators), target editing (admins)."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from supporters.access import (
    can_change_targets,
    can_edit_coverage_data,
    change_targets_required,
    console_required,
    coverage_data_required,
    coverage_scope,
)
from supporters.clock import fiscal_year, today_jst
from supporters.coverage import analysis, mapping, protected, svgmap, targets
from supporters.coverage.forms import MappingAddForm, MappingRemoveForm, TargetForm
from supporters.coverage.labels import (
    SEVERITY_HINTS,
    SEVERITY_LABELS,
    SEVERITY_MARKS,
    count_text,
)
from supporters.extensions import db
from supporters.formkit import options
from supporters.i18n import country_name, localized_name
from supporters.models import Language
from supporters.refusals import Refused, form_status, show_on_form
from supporters.stipends.months import month_text, months_before, parse_month
from supporters.wareki import fiscal_year_text

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

DEFAULT_PERIOD_MONTHS = 3


@bp.context_processor
def coverage_helpers():
    return {
        "SEVERITY_LABELS": SEVERITY_LABELS,
        "SEVERITY_HINTS": SEVERITY_HINTS,
        "SEVERITY_MARKS": SEVERITY_MARKS,
        "month_text": month_text,
        "country_name": country_name,
        "count_text": count_text,
        "fiscal_year_text": fiscal_year_text,
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
        "staff": can_edit_coverage_data(current_user),
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


MATRIX_FIGURES = ("residents", "reach", "requests")


@bp.get("/matrix")
@console_required
def matrix():
    """Municipality × language: one figure per cell (``?show=residents|reach|requests``), the
    others in the cell's disclosure; ``?lang=`` keeps one language, ``?gaps=1`` only the
    municipalities with a gap."""
    matrix = _matrix()
    show = request.args.get("show", "residents")
    if show not in MATRIX_FIGURES:
        show = "residents"
    language = request.args.get("lang") or None
    if language is not None and language not in {lang.code for lang in matrix.languages}:
        language = None
    columns = [lang for lang in matrix.languages if language in (None, lang.code)]
    rows = [
        (place, [matrix.cell(place.code, lang.code) for lang in columns]) for place in matrix.places
    ]
    gaps_only = request.args.get("gaps") == "1"
    if gaps_only:
        rows = [(place, cells) for place, cells in rows if any(c.is_gap for c in cells)]
    return render_template(
        "coverage/matrix.html",
        severity_counts=matrix.counts(),
        show=show,
        language=language,
        columns=columns,
        rows=rows,
        gaps_only=gaps_only,
        **_common(matrix),
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
    points = sorted(svgmap.map_points(matrix, language), key=lambda p: p[0].code)
    return render_template(
        "coverage/map.html", svg=svg, language=language, points=points, **_common(matrix)
    )


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
@change_targets_required
def save_target():
    """Create or change a fiscal year's targets (admins)."""
    form = TargetForm()
    form.languages.choices = _language_choices()
    if form.validate_on_submit():
        try:
            targets.save_target(form.draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            year = fiscal_year_text(form.fiscal_year.data)
            flash(_("Targets for %(fiscal_year)s saved.", fiscal_year=year), "ok")
            return redirect(url_for("coverage.targets_page", fy=form.fiscal_year.data))
    return _targets_page(form, form_status(form))


# --- Resident figures ---------------------------------------------------------------------------


@bp.get("/residents")
@coverage_data_required
def residents_page():
    """Resident figures are imported on the one import page (kept for bookmarks and links)."""
    return redirect(url_for("imports.index", kind="residents"))


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
@coverage_data_required
def mapping_page():
    """Which languages residents of each nationality are served in."""
    return _mapping_page()


@bp.post("/mapping/add")
@coverage_data_required
def add_mapping():
    """Add a nationality → language pair."""
    form = MappingAddForm()
    if form.validate_on_submit():
        try:
            mapping.add_pair(form.draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Pair added."), "ok")
            return redirect(url_for("coverage.mapping_page"))
    return _mapping_page(form, form_status(form))


@bp.post("/mapping/remove")
@coverage_data_required
def remove_mapping():
    """Remove a nationality → language pair."""
    form = MappingRemoveForm()
    if form.validate_on_submit():
        try:
            mapping.remove_pair(form.draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)  # not on the page's add form: flashed
        else:
            flash(_("Pair removed."), "ok")
            return redirect(url_for("coverage.mapping_page"))
    return _mapping_page(status=form_status(form))
