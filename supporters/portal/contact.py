"""The supporter changes their own phone number and e-mail address; the coordinator's phone.

The rules are the registry's (``registry/operations.update_contact``: the same e-mail and phone
checks as the coordinator's form, ``contact_problems``; audited as ``update_supporter`` with the
supporter as the actor). An e-mail change takes effect at once and the page says so (no
confirmation link yet: see the report of issue #16).
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from supporters.access import supporter_required
from supporters.portal.routes import _own_supporter, bp
from supporters.programme.settings import current as programme_settings
from supporters.refusals import Refused, form_status, show_on_form
from supporters.registry import operations


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ContactForm(FlaskForm):
    """My phone number and e-mail address (parsed only; the registry checks them)."""

    phone = StringField(_l("Phone number"), filters=[_strip])
    email = StringField(_l("E-mail"), filters=[_strip])
    submit = SubmitField(_l("Save"))


@bp.app_context_processor
def coordinator_contact():
    """``coordinator_phone()``: the programme's contact phone, for every assignment page."""
    return {"coordinator_phone": lambda: programme_settings().contact_phone}


@bp.route("/contact", methods=["GET", "POST"])
@supporter_required
def contact():
    """Change my phone number and e-mail address."""
    supporter = _own_supporter()
    form = ContactForm()
    if request.method == "GET":
        form.phone.data, form.email.data = supporter.phone, supporter.email
    if form.validate_on_submit():
        old_email = supporter.email
        try:
            operations.update_contact(
                supporter, form.email.data or "", form.phone.data or "", current_user
            )
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Saved."), "ok")
            if supporter.email != old_email:
                flash(
                    _(
                        "Your e-mail address is now %(email)s. Messages from the programme go "
                        "there from now on; your coordinator can see the change.",
                        email=supporter.email,
                    ),
                    "ok",
                )
            return redirect(url_for("portal.profile"))
    return render_template("portal/contact.html", form=form), form_status(form)
