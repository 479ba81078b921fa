"""Console pages of the programme: its settings with their history, and the first-run page."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from supporters.access import programme_admin_required
from supporters.extensions import db
from supporters.models.programme import ProgrammeChange
from supporters.programme import service
from supporters.programme.forms import ProgrammeForm
from supporters.programme.labels import field_label
from supporters.programme.settings import current, settings_of, the_programme
from supporters.refusals import Refused, form_status, show_on_form

bp = Blueprint("programme", __name__, url_prefix="/programme")
HISTORY_ROWS = 200

# Every template may name the programme (the footer does): ``programme_settings().name(locale)``.
bp.app_template_global("programme_settings")(current)


def _settings_page(programme, form: ProgrammeForm, status: int = 200):
    changes = db.session.scalars(
        select(ProgrammeChange)
        .where(ProgrammeChange.programme_id == programme.id)
        .options(selectinload(ProgrammeChange.changed_by))
        .order_by(ProgrammeChange.id.desc())
        .limit(HISTORY_ROWS)
    ).all()
    return (
        render_template(
            "programme/settings.html",
            form=form,
            settings=settings_of(programme),
            changes=changes,
            field_label=field_label,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@programme_admin_required
def settings():
    """The programme's settings (the prefecture is fixed) and every change made to them."""
    programme = the_programme()
    if programme is None:
        return redirect(url_for("programme.start"))
    form = ProgrammeForm()
    if not form.is_submitted():
        form.fill(settings_of(programme))
    elif form.validate():
        try:
            service.save_programme(form.draft(programme.prefecture_code), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("The programme's settings are saved."), "ok")
            return redirect(url_for("programme.settings"))
    return _settings_page(programme, form, form_status(form))


@bp.route("/start", methods=["GET", "POST"])
@programme_admin_required
def start():
    """First run: choose the prefecture and name the programme; its municipalities, the
    languages and the nationality → language mapping are loaded, then the settings page opens."""
    if the_programme() is not None:
        return redirect(url_for("programme.settings"))
    form = ProgrammeForm()
    if not form.is_submitted():
        form.fill_new()
    elif form.validate():
        try:
            started = service.start_programme(form.new_programme_draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            from supporters.help_requests.candidates import forget_centroids

            forget_centroids()
            flash(
                _(
                    "The programme is started: %(municipalities)s municipalities and "
                    "%(languages)s languages loaded. Check the settings below.",
                    municipalities=started.reference.municipalities.created,
                    languages=started.reference.languages,
                ),
                "ok",
            )
            return redirect(url_for("programme.settings"))
    return render_template("programme/start.html", form=form), form_status(form)
