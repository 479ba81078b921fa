"""National pages: the programmes of the installation, adding a programme, and the national
aggregates (counts per programme and a total, small counts hidden as for officials).

Only the national administrator opens them (``access.national_required``). That account belongs
to no programme, and every other console page refuses it: it never sees a person, a request or a
case. The aggregates come from each programme's own report, built in that programme's context
(``programme/national.py``).
"""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supporters import tenancy
from supporters.access import national_required
from supporters.extensions import db
from supporters.models.programme import Programme
from supporters.national.forms import PeriodForm
from supporters.programme import service
from supporters.programme.forms import ProgrammeForm
from supporters.programme.national import HEADER_LABELS, national_rows
from supporters.refusals import Refused, form_status, show_on_form
from supporters.spreadsheets import csv_bytes

bp = Blueprint("national", __name__, url_prefix="/national")


def _programmes() -> list[Programme]:
    return db.session.scalars(
        tenancy.across_programmes(select(Programme).order_by(Programme.prefecture_code))
    ).all()


def _aggregates(form: PeriodForm) -> list[tuple] | None:
    """The national rows for the form's period (None until a valid period is asked for)."""
    if not form.first.data or not form.validate():
        return None
    threshold = current_app.config.get("REPORT_SUPPRESS_BELOW", 3)
    return national_rows(form.first_month(), form.last_month(), threshold)


@bp.get("/")
@national_required
def index():
    """The programmes, and the national aggregates of a period (``?first=2026-04&last=…``)."""
    form = PeriodForm(request.args, meta={"csrf": False})
    rows = _aggregates(form)
    status = 422 if form.errors else 200
    page = render_template(
        "national/index.html",
        programmes=_programmes(),
        form=form,
        rows=rows,
        headers=HEADER_LABELS,
    )
    return page, status


@bp.get("/aggregates.csv")
@national_required
def aggregates_csv():
    """The national aggregates of the period as CSV (the same rows as the page)."""
    form = PeriodForm(request.args, meta={"csrf": False})
    rows = _aggregates(form)
    if rows is None:
        flash(_("Choose the months of the national figures."), "error")
        return redirect(url_for("national.index"))
    body = csv_bytes([str(label) for label in HEADER_LABELS], [list(row) for row in rows[1:]])
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = f"national-{form.first.data}-{form.last.data or form.first.data}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/programmes/new", methods=["GET", "POST"])
@national_required
def add_programme():
    """Add a prefecture's programme: its municipalities are loaded; names left blank are made
    from the prefecture's name. Its own administrator completes the settings."""
    form = ProgrammeForm()
    if not form.is_submitted():
        form.fill_new()
    elif form.validate():
        try:
            added = service.add_programme(form.new_programme_draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            from supporters.help_requests.candidates import forget_centroids

            forget_centroids()
            flash(_("The programme %(name)s is added.", name=added.programme.name_ja), "ok")
            return redirect(url_for("national.index"))
    return render_template("national/new.html", form=form), form_status(form)
