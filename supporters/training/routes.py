"""The training console: cohorts, their sessions, attendance sheets, and printed certificates."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supporters.access import coordinator_required, supporter_or_404
from supporters.audit import record
from supporters.extensions import db
from supporters.models import TrainingCohort, TrainingSession
from supporters.refusals import Refused, form_status, show_on_form
from supporters.registry.labels import STATUS_LABELS
from supporters.training import service
from supporters.training.certificate import can_print, certificate_pdf
from supporters.training.forms import AttendanceForm, CohortForm, SessionForm
from supporters.training.service import CohortDraft, SessionDraft

bp = Blueprint("training", __name__, url_prefix="/training")


def _cohort_or_404(cohort_id: int) -> TrainingCohort:
    return db.get_or_404(TrainingCohort, cohort_id)


@bp.get("/")
@coordinator_required
def index():
    """The cohorts, newest first, with how many trainees each has."""
    cohorts = db.session.scalars(
        select(TrainingCohort).order_by(TrainingCohort.starts_on.desc(), TrainingCohort.name)
    )
    return render_template(
        "training/index.html", cohorts=list(cohorts), sizes=service.roster_sizes()
    )


@bp.route("/new", methods=["GET", "POST"])
@coordinator_required
def create():
    """Create a cohort."""
    form = CohortForm()
    if form.validate_on_submit():
        draft = CohortDraft(
            name=form.name.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            required_hours=form.required_hours.parsed,
            notes=form.notes.data or "",
        )
        try:
            cohort = service.create_cohort(draft, current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("The cohort %(name)s was created.", name=cohort.name), "ok")
            return redirect(url_for("training.cohort", cohort_id=cohort.id))
    return render_template("training/new.html", form=form), form_status(form)


def _cohort_page(cohort: TrainingCohort, session_form: SessionForm, status: int = 200):
    trainees = service.roster(cohort)
    return render_template(
        "training/cohort.html",
        cohort=cohort,
        trainees=trainees,
        attended=service.hours_attended(cohort),
        form=session_form,
        STATUS_LABELS=STATUS_LABELS,
    ), status


@bp.get("/<int:cohort_id>")
@coordinator_required
def cohort(cohort_id: int):
    """A cohort: its sessions, and each trainee's hours attended against the hours required."""
    item = _cohort_or_404(cohort_id)
    return _cohort_page(item, SessionForm(formdata=None))


@bp.post("/<int:cohort_id>/sessions")
@coordinator_required
def add_session(cohort_id: int):
    """Add a session to a cohort."""
    item = _cohort_or_404(cohort_id)
    form = SessionForm()
    if form.validate_on_submit():
        draft = SessionDraft(form.held_on.data, form.title.data, form.hours.parsed)
        try:
            session = service.add_session(item, draft, current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("The session was added."), "ok")
            return redirect(url_for("training.attendance", session_id=session.id))
    return _cohort_page(item, form, form_status(form))


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@coordinator_required
def attendance(session_id: int):
    """A session's attendance sheet: hours per trainee (partial allowed, blank = absent)."""
    session = db.get_or_404(TrainingSession, session_id)
    trainees = service.roster(session.cohort)
    form = AttendanceForm()
    errors: dict[int, object] = {}
    values = {k: str(v) for k, v in service.session_attendance(session).items()}
    if form.validate_on_submit():
        hours, errors = form.read_hours(request.form, [t.id for t in trainees])
        if not errors:
            try:
                service.record_attendance(session, hours, current_user)
            except Refused as refusal:
                # The sheet's boxes are not form fields: a box's message goes next to its row.
                boxes = {f"hours-{t.id}": t.id for t in trainees}
                errors = {boxes[k]: v for k, v in refusal.fields.items() if k in boxes}
                if not errors:
                    show_on_form(form, refusal)
            else:
                flash(_("The attendance was saved."), "ok")
                return redirect(url_for("training.cohort", cohort_id=session.cohort_id))
        values = {t.id: request.form.get(f"hours-{t.id}", "") for t in trainees}
    return render_template(
        "training/attendance.html",
        session=session,
        trainees=trainees,
        values=values,
        errors=errors,
        form=form,
    ), 422 if request.method == "POST" else 200


@bp.get("/certificate/<int:supporter_id>.pdf")
@coordinator_required
def certificate(supporter_id: int):
    """The supporter's certificate as a PDF to print (certified or retired supporters only)."""
    supporter = supporter_or_404(supporter_id)
    if not can_print(supporter):
        abort(404)
    pdf = certificate_pdf(supporter)
    record("print_certificate", supporter, detail=supporter.certificate_number)
    filename = f"certificate-{supporter.id}.pdf"  # ASCII: a header cannot carry any number
    return (
        pdf,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )
