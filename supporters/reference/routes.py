"""Reference pages: municipalities (read-only) and languages (admins add, rename, retire)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supporters.access import can_manage_languages, console_required, languages_admin_required
from supporters.extensions import db
from supporters.models import Language, Municipality
from supporters.reference import languages as service
from supporters.reference.forms import LanguageAddForm, LanguageButtonForm, LanguageRenameForm
from supporters.refusals import Refused, form_status, show_on_form

bp = Blueprint("reference", __name__, url_prefix="/reference")


@bp.get("/municipalities")
@console_required
def municipalities():
    """Every municipality with its JIS code, names and centroid (merged ones with successor)."""
    rows = db.session.scalars(select(Municipality).order_by(Municipality.code)).all()
    return render_template("reference/municipalities.html", municipalities=rows)


def _languages_page(add_form: LanguageAddForm | None = None, status: int = 200):
    rows = db.session.scalars(select(Language).order_by(Language.name_en)).all()
    return (
        render_template(
            "reference/languages.html",
            languages=rows,
            can_manage=can_manage_languages(current_user),
            add_form=add_form or LanguageAddForm(),
            button_form=LanguageButtonForm(),
        ),
        status,
    )


@bp.get("/languages")
@console_required
def languages():
    """Every language with its code and names; admins also get the add form and buttons."""
    return _languages_page()


@bp.post("/languages/add")
@languages_admin_required
def add_language():
    """Add a language by its ISO 639 code (names from CLDR unless typed)."""
    form = LanguageAddForm()
    if form.validate_on_submit():
        try:
            language = service.add_language(form.draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Language added: %(name)s.", name=language.name_en), "ok")
            return redirect(url_for("reference.languages"))
    return _languages_page(form, form_status(form))


def _language_or_404(code: str) -> Language:
    language = db.session.get(Language, code)
    if language is None:
        abort(404)
    return language


@bp.route("/languages/<language_code>/edit", methods=["GET", "POST"])
@languages_admin_required
def edit_language(language_code: str):
    """Rename a language (its code, which records point at, never changes)."""
    language = _language_or_404(language_code)
    form = LanguageRenameForm(obj=language)
    if form.validate_on_submit():
        try:
            service.rename_language(form.draft(language.code), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Language saved."), "ok")
            return redirect(url_for("reference.languages"))
    return (
        render_template("reference/language_edit.html", language=language, form=form),
        form_status(form),
    )


@bp.post("/languages/<language_code>/retire")
@languages_admin_required
def retire_language(language_code: str):
    """Retire a language: no new supporter language, existing records keep it."""
    return _button(language_code, service.retire_language, _("Language retired."))


@bp.post("/languages/<language_code>/reinstate")
@languages_admin_required
def reinstate_language(language_code: str):
    """Offer a retired language again."""
    return _button(language_code, service.reinstate_language, _("Language offered again."))


def _button(code: str, action, done: str):
    _language_or_404(code)
    form = LanguageButtonForm()
    if not form.validate_on_submit():
        return _languages_page(status=422)
    try:
        action(code, current_user)
    except Refused as refusal:
        flash(str(refusal.message), "error")
        return _languages_page(status=409)
    flash(done, "ok")
    return redirect(url_for("reference.languages"))
