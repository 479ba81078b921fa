"""The continuation console: start this fiscal year's check, read the lapse list, retire."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from supporters.access import coordinator_required
from supporters.clock import fiscal_year, today_jst
from supporters.continuation import service
from supporters.continuation.forms import RetireLapsedForm, StartCheckForm
from supporters.continuation.service import Retirement
from supporters.models import ContinuationAnswer
from supporters.refusals import Refused, form_status, show_on_form

bp = Blueprint("continuation", __name__, url_prefix="/continuation")

ANSWER_LABELS = {
    ContinuationAnswer.CONTINUE: _l("Continues"),
    ContinuationAnswer.STOP: _l("Stops"),
    None: _l("No answer"),
}


@bp.get("/")
@coordinator_required
def index():
    """This fiscal year's check: how many were asked and answered, and the start button."""
    year = fiscal_year(today_jst())
    return render_template(
        "continuation/index.html",
        fiscal_year=year,
        summary=service.year_summary(year),
        latest_year=service.latest_check_year(),
        form=StartCheckForm(formdata=None),
    )


@bp.post("/start")
@coordinator_required
def start():
    """Ask every certified supporter; starting again only asks those not asked yet."""
    form = StartCheckForm()
    if form.validate_on_submit():
        started = service.start_check(fiscal_year(today_jst()), current_user)
        flash(
            _(
                "%(asked)s supporters were asked; %(already)s had been asked already.",
                asked=started.asked,
                already=started.already_asked,
            ),
            "ok",
        )
    return redirect(url_for("continuation.index"))


def _lapse_months() -> int:
    return int(current_app.config["CONTINUATION_LAPSE_MONTHS"])


@bp.route("/lapses", methods=["GET", "POST"])
@coordinator_required
def lapses():
    """Supporters who said "stop", or stayed silent and inactive; retire the chosen ones at once."""
    today, months = today_jst(), _lapse_months()
    year, rows = service.lapse_list(today, months)
    form = RetireLapsedForm()
    form.set_choices([lapse.supporter.id for lapse in rows])
    if form.validate_on_submit():
        draft = Retirement(list(form.supporters.data or []), form.reason.data or "")
        try:
            retired = service.retire_lapsed(draft, today, today, months, current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("%(num)s supporters were retired.", num=len(retired)), "ok")
            return redirect(url_for("continuation.lapses"))
    return render_template(
        "continuation/lapses.html",
        form=form,
        fiscal_year=year,
        lapses=rows,
        months=months,
        chosen=set(form.supporters.data or []),
        ANSWER_LABELS=ANSWER_LABELS,
    ), form_status(form)
