"""Pages of an e-mail address change: follow the confirmation link, send it again, cancel.

The link page works signed in or not (as the reset link does), in the account's language
(``?lang=`` first), is never cached and sends no Referer (the credentials blueprint's
``after_request``). Opening the link only shows what it will do; the change is a POST, so a mail
scanner that fetches links cannot use it up. Asking for a change is on the supporter's contact
page (``portal/contact.py``).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SubmitField

from supporters.access import wants_json
from supporters.credentials import email_change
from supporters.credentials.routes import bp, page_locale
from supporters.credentials.service import live_link
from supporters.extensions import limiter
from supporters.i18n import is_supporter
from supporters.models.credentials import AccountLinkPurpose
from supporters.refusals import Refused, show_on_form


class EmailChangeForm(FlaskForm):
    """A button of the e-mail change (confirm, send again, cancel): CSRF only."""

    submit = SubmitField()


def _resend_key() -> str:
    return f"email-resend:{current_user.get_id()}"


def _back():
    """Where the account's own e-mail settings are: the supporter's contact page, else home."""
    return redirect(url_for("portal.contact" if is_supporter(current_user) else "main.home"))


@bp.app_context_processor
def _pending_email():
    """``pending_email_change()``: the signed-in person's change waiting for confirmation."""

    def pending_email_change():
        if not current_user.is_authenticated:
            return None
        return email_change.pending_change(current_user)

    return {"pending_email_change": pending_email_change, "email_change_form": _form}


def _form():
    return EmailChangeForm(formdata=None)


@bp.post("/account/email/resend")
@login_required
@limiter.limit("5 per hour", key_func=_resend_key)
def resend_email_link():
    """Mail the confirmation link of the pending change again (a fresh one)."""
    form = EmailChangeForm()
    form.validate_on_submit()  # CSRFProtect already refused a bad token
    try:
        link = email_change.resend(current_user)
    except Refused as refusal:
        show_on_form(form, refusal)  # nothing pending: flashed on the page we go back to
    else:
        flash(_("We have sent the link again to %(email)s.", email=link.new_email), "ok")
    return _back()


@bp.post("/account/email/cancel")
@login_required
def cancel_email_change():
    """Stop the pending change: the link stops working, the address stays as it is."""
    EmailChangeForm().validate_on_submit()
    if email_change.cancel(current_user):
        flash(_("The change of your e-mail address is cancelled."), "ok")
    return _back()


def _link_message(locale, title: str, message: str, status: int):
    """The page that says what a link did (or why it did nothing); JSON callers get the error."""
    if status >= 400 and wants_json():
        abort(status)
    return render_template(
        "credentials/message.html", page_locale=locale, title=title, message=message
    ), status


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm a new e-mail address: it becomes the sign-in and contact address."""
    link = live_link(token, AccountLinkPurpose.EMAIL)
    locale = page_locale(link.user if link else None)
    with force_locale(locale.babel):
        dead = (
            _("This link does not work any more"),
            _(
                "This link has already been used, has expired, or was replaced by a newer one. "
                "If you still want to change your e-mail address, ask again on your profile page."
            ),
            404,
        )
        if link is None:
            return _link_message(locale, *dead)
        form = EmailChangeForm()
        if form.validate_on_submit():
            signed_in = current_user if current_user.is_authenticated else None
            done = email_change.confirm_change(token, signed_in)
            if done.outcome == "dead":
                return _link_message(locale, *dead)
            if done.outcome == "taken":
                message = _(
                    "Another account now uses this e-mail address, so it cannot become yours. "
                    "Nothing was changed. You can ask for another address on your profile page."
                )
                return _link_message(locale, _("The address was not changed"), message, 409)
            if signed_in is not None and signed_in.id == done.user.id:
                flash(
                    _(
                        "Your e-mail address is now %(email)s. Messages from the programme go "
                        "there from now on; your coordinator can see the change.",
                        email=done.address,
                    ),
                    "ok",
                )
                if done.sessions_ended:
                    flash(_("Other devices signed in to your account were signed out."), "ok")
                return _back()
            message = _(
                "Your e-mail address is now %(email)s. Please sign in with it.",
                email=done.address,
            )
            return _link_message(locale, _("Your e-mail address is changed"), message, 200)
        return render_template(
            "credentials/confirm_email.html",
            page_locale=locale,
            form=form,
            address=link.new_email,
            action=url_for(request.endpoint, token=token, lang=locale.code),
        )
