"""Account pages: accept an invitation, forgot / reset password, change password; invite.

The pages a person opens from an e-mail speak the twelve supporter languages: ``?lang=`` →
the account's saved language → cookie → Accept-Language → Japanese, with a language list on
the page. Links carry a secret, so these pages are never cached and send no Referer.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from supporters.access import coordinator_required, supporter_or_404, wants_json
from supporters.audit import record
from supporters.auth.passwords import has_usable_password
from supporters.auth.sessions import end_current_session, start_session
from supporters.clock import JST, utcnow
from supporters.credentials import service
from supporters.credentials.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    SetPasswordForm,
)
from supporters.extensions import limiter
from supporters.i18n import (
    LOCALE_COOKIE,
    SUPPORTER_LOCALES,
    PublicLocale,
    is_supporter,
    match_supporter_locale,
    supporter_locale,
)
from supporters.models import User
from supporters.models.credentials import AccountLinkPurpose
from supporters.refusals import Refused, form_status, show_on_form

bp = Blueprint("credentials", __name__)

INVITE = AccountLinkPurpose.INVITE
RESET = AccountLinkPurpose.RESET
# Endpoints reached by someone who is not signed in (their own language list and layout).
_OPEN_PAGES = {
    "accept_invite",
    "forgot_password",
    "forgot_sent",
    "reset_password",
    "confirm_email",  # email_routes.py
}


def _reset_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour;20 per day")


def _submitted_email() -> str:
    """Limit per address asked for, so nobody can flood one person's mailbox from many hosts."""
    return "reset-email:" + request.form.get("email", "").strip().lower()[:254]


def _change_key() -> str:
    return f"password-change:{current_user.get_id()}"


def page_locale(account: User | None = None) -> PublicLocale:
    """``?lang=`` → the account's language → cookie → Accept-Language → Japanese."""
    return match_supporter_locale(request.args.get("lang")) or supporter_locale(account)


@bp.context_processor
def _page_context():
    return {"supporter_locales": SUPPORTER_LOCALES}


@bp.after_request
def _private(response):
    """Never cache, never leak the link in a Referer; remember an explicit ``?lang=``."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    chosen = match_supporter_locale(request.args.get("lang"))
    if request.method == "GET" and chosen is not None and request.endpoint in _endpoints():
        response.set_cookie(
            LOCALE_COOKIE,
            chosen.code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _endpoints() -> set[str]:
    return {f"credentials.{name}" for name in _OPEN_PAGES}


@bp.errorhandler(429)
def _too_many(error):
    """A tripped limit says so, in the page's language, and what to do instead."""
    locale = page_locale()
    with force_locale(locale.babel):
        message = _("Too many attempts. Please wait an hour and try again.")
        if wants_json():
            body = {"error": {"code": "too_many_requests", "message": message, "fields": {}}}
            return jsonify(body), 429
        return render_template(
            "credentials/message.html",
            page_locale=locale,
            title=_("Please wait"),
            message=message,
        ), 429


def _dead_link(locale: PublicLocale, purpose: AccountLinkPurpose):
    """The page for an unknown, used or expired link (404: nothing to open here)."""
    if wants_json():
        abort(404)
    if purpose == INVITE:
        message = _(
            "This invitation link has already been used or has expired. "
            "Please ask your coordinator to send you a new invitation."
        )
    else:
        message = _(
            "This link has already been used or has expired. You can ask for a new one below."
        )
    return render_template(
        "credentials/message.html",
        page_locale=locale,
        title=_("This link does not work any more"),
        message=message,
        forgot_link=purpose == RESET,
    ), 404


def _link_page(token: str, purpose: AccountLinkPurpose):
    """GET: the set-password form; POST: set it, sign in, and go to the home page."""
    link = service.live_link(token, purpose)
    locale = page_locale(link.user if link else None)
    with force_locale(locale.babel):
        if link is None:
            return _dead_link(locale, purpose)
        form = SetPasswordForm()
        if form.validate_on_submit():
            try:
                user = service.set_password_with_link(token, purpose, form.draft())
            except Refused as error:
                show_on_form(form, error)
            else:
                if user is None:  # used by another tab a moment ago
                    return _dead_link(locale, purpose)
                if current_user.is_authenticated:
                    end_current_session("logout")  # someone else was signed in on this browser
                if purpose == RESET:
                    # Sign in anew (with the second factor where the account has one).
                    flash(_("Your new password is saved. Please sign in with it."), "ok")
                    return redirect(url_for("auth.login"))
                user.locale = locale.babel  # the language they chose to read Yorisoi in
                user.last_login_at = utcnow()
                start_session(user)
                record("login", user, detail="invite", user=user)
                flash(_("Your password is saved. You are signed in."), "ok")
                return redirect(url_for("main.home"))
        return render_template(
            "credentials/set_password.html",
            page_locale=locale,
            form=form,
            purpose=purpose.value,
            email=link.user.email,
            action=url_for(request.endpoint, token=token, lang=locale.code),
        ), form_status(form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """An invited supporter chooses their password, in their language, and is signed in."""
    return _link_page(token, INVITE)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a reset link; every session of the account ends."""
    return _link_page(token, RESET)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_submitted_email)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    locale = page_locale()
    with force_locale(locale.babel):
        form = ForgotPasswordForm()
        if form.validate_on_submit():
            try:
                service.request_reset(form.email.data)
            except Refused as error:
                show_on_form(form, error)
            else:
                return redirect(url_for("credentials.forgot_sent", lang=locale.code))
        return render_template(
            "credentials/forgot.html",
            page_locale=locale,
            form=form,
            action=url_for("credentials.forgot_password", lang=locale.code),
        ), form_status(form)


@bp.get("/password/forgot/sent")
def forgot_sent():
    """What happens next (the same page whatever address was given)."""
    locale = page_locale()
    with force_locale(locale.babel):
        return render_template(
            "credentials/message.html",
            page_locale=locale,
            title=_("Check your e-mail"),
            message=_(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link works for 1 hour. If nothing arrives, check the spam folder "
                "or ask your coordinator."
            ),
        )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"], key_func=_change_key)
def change_password():
    """Change one's own password; other browsers signed in to the account are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = service.change_password(current_user, form.draft())
        except Refused as error:
            show_on_form(form, error)
        else:
            message = _("Your password has been changed.")
            if ended:
                message += " " + _("Other devices signed in to your account were signed out.")
            flash(message, "ok")
            target = "portal.profile" if is_supporter(current_user) else "main.home"
            return redirect(url_for(target))
    layout = "portal/base.html" if is_supporter(current_user) else "base.html"
    return render_template(
        "credentials/change_password.html", form=form, layout=layout
    ), form_status(form)


@bp.post("/supporters/<int:supporter_id>/invite")
@coordinator_required
def invite(supporter_id: int):
    """Send (or send again) the supporter an invitation to set a password and sign in."""
    supporter = supporter_or_404(supporter_id)
    form = InviteForm()
    form.validate_on_submit()  # CSRFProtect already refused a bad token
    try:
        service.invite_supporter(supporter, current_user)
    except Refused as error:
        show_on_form(form, error)  # a refusal of the whole thing: flashed on the registry page
    else:
        flash(_("The invitation has been sent. The link works for 7 days."), "ok")
    return redirect(url_for("registry.detail", supporter_id=supporter.id))


@bp.app_context_processor
def _registry_account():
    """For the registry page: the supporter's account and pending invitation, and the button."""

    def account_access(supporter):
        user = service.supporter_account(supporter)
        invitation = service.pending_invitation(user)
        return {
            "user": user,
            "invitation": invitation,
            "invitation_until": (
                invitation.expires_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
                if invitation
                else ""
            ),
            "has_password": user is not None and has_usable_password(user.password_hash),
            "invitable": supporter.status in service.INVITABLE,
        }

    return {"account_access": account_access, "invite_form": _invite_form}


def _invite_form():
    return InviteForm(formdata=None)
