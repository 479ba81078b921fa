"""The supporter changes their own phone number and e-mail address; the coordinator's phone.

The rules are the registry's (``registry/operations.update_contact``: the same e-mail and phone
checks as the coordinator's form, ``contact_problems``; audited as ``update_supporter`` with the
supporter as the actor). A new phone number counts at once; a new e-mail address only once it is
confirmed from the link mailed to it (``credentials/email_change.py``): until then the page says
where the link went and offers to send it again or cancel.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from supporters.access import supporter_required
from supporters.credentials import email_change
from supporters.extensions import limiter
from supporters.portal.routes import _own_supporter, bp
from supporters.programme.settings import current as programme_settings
from supporters.refusals import Refused, form_status, refuse_if, show_on_form
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


def _contact_key() -> str:
    return f"contact-change:{current_user.get_id()}"


@bp.route("/contact", methods=["GET", "POST"])
@supporter_required
# Each new address mails a stranger's mailbox: a signed-in account may not make it a mail cannon.
@limiter.limit("10 per hour", methods=["POST"], key_func=_contact_key)
def contact():
    """Change my phone number and e-mail address."""
    supporter = _own_supporter()
    form = ContactForm()
    if request.method == "GET":
        form.phone.data, form.email.data = supporter.phone, supporter.email
    if form.validate_on_submit():
        try:
            pending = update_own_contact(current_user, form.email.data or "", form.phone.data or "")
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Saved."), "ok")
            if pending is not None:
                flash(
                    _(
                        "We have sent a link to %(email)s. Open it within 24 hours to confirm "
                        "your new e-mail address. Until then, you sign in with %(current)s.",
                        email=pending.new_email,
                        current=current_user.email,
                    ),
                    "ok",
                )
            return redirect(url_for("portal.profile"))
    return render_template("portal/contact.html", form=form), form_status(form)


def update_own_contact(user, email: str, phone: str):
    """Save the supporter's phone at once; ask to confirm a new e-mail address (its link, or
    None when the address stays). Both fields are checked first, by the registry's rules."""
    supporter = user.supporter
    refuse_if(operations.contact_problems(email, phone, supporter))
    if phone != supporter.phone:
        operations.update_contact(supporter, supporter.email, phone, user)
    if email.strip().lower() == supporter.email.lower():  # the address the page showed
        return None
    return email_change.request_change(user, email)
