"""Sign-in (password, then the second factor when enrolled or required), sign-out, and the
two-factor settings of one's own account (a supporter's in the portal's layout)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from supporters.access import must_use_two_factor, two_factor_settings_required
from supporters.accounts.standing import refusal_message
from supporters.auth import pending, throttle, twofactor
from supporters.auth.forms import (
    ConfirmCodeForm,
    LoginForm,
    PasswordAgainForm,
    PostForm,
    SecondFactorForm,
)
from supporters.auth.pages import settings_layout, sign_in_step
from supporters.auth.service import (
    SECOND_FACTOR_DONE,
    check_password,
    complete_sign_in,
    record_failure,
)
from supporters.auth.sessions import end_current_session
from supporters.extensions import limiter
from supporters.i18n import supporter_locale_by_babel
from supporters.models import User
from supporters.refusals import Refused, form_status, show_on_form
from supporters.safety import safe_next

bp = Blueprint("auth", __name__)


def _two_factor_limit() -> str:
    return current_app.config.get("TWO_FACTOR_RATE_LIMIT", "5 per minute;20 per hour")


def _pending_account() -> str:
    """Code attempts are counted per account: whoever holds the password gets a few tries."""
    return "2fa-code:" + pending.pending_user_id()


def _signed_in_account() -> str:
    return "2fa-settings:" + str(current_user.get_id() or "")


def _me() -> User:
    """The signed-in account itself (not the proxy: audit events name the object's type)."""
    return current_user._get_current_object()


def _source() -> str:
    return (request.remote_addr or "")[:45]


# What a signed-in account whose role requires a second factor, but whose session did not pass
# one (signed in before the rule applied), may still open: set up the authenticator, sign out.
_OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "static",
        "auth.two_factor",
        "auth.two_factor_start",
        "auth.two_factor_confirm",
        "auth.logout",
        "main.set_language",
    }
)


@bp.before_app_request
def _require_two_factor():
    """Send such a session to the two-factor settings until an authenticator is confirmed."""
    if request.endpoint in _OPEN_BEFORE_SECOND_FACTOR or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated or session.get(SECOND_FACTOR_DONE):
        return None
    if not must_use_two_factor(current_user):
        return None
    flash(_("Your role requires two-factor sign-in. Please set it up to continue."), "info")
    return redirect(url_for("auth.two_factor"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.source_limit, methods=["POST"])
@limiter.limit(throttle.pair_limit, methods=["POST"], key_func=throttle.account_and_source)
def login():
    """Show the sign-in form and check the password (the first step of signing in)."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data) or url_for("main.home"))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    email = throttle.submitted_email()
    if not throttle.may_try_now(email):
        abort(429)
    check = check_password(form.email.data, form.password.data, _source())
    if check.user is None:
        throttle.note_failure(email)
        # Same words (and page) whether the account is unknown or the password wrong.
        error = _("E-mail or password is incorrect.")
        return render_template("auth/login.html", form=form, error=error), 401
    if check.refused:
        message, lang = _in_their_language(check.user, check.refused)
        page = render_template("auth/login.html", form=form, error=message, error_lang=lang)
        return page, 403
    return _after_password(check.user, safe_next(form.next.data))


def _in_their_language(user: User, code: str) -> tuple[str, str | None]:
    """The refusal in the account's saved language (else the page's), and its ``lang``."""
    saved = supporter_locale_by_babel(user.locale)
    if saved is None:
        return refusal_message(code), None
    with force_locale(saved.babel):
        return refusal_message(code), saved.html_lang


def _after_password(user: User, next_url: str | None):
    """Ask for the code, require enrolment, or sign in — by the account's two-factor state."""
    if twofactor.is_enrolled(user):
        pending.begin(user, pending.VERIFY, next_url)
        return redirect(url_for("auth.second_factor"))
    if must_use_two_factor(user):
        row = twofactor.authenticator(user)
        if row is None or row.pending_secret is None:  # keep a QR code already scanned
            twofactor.begin_enrolment(user)
        pending.begin(user, pending.ENROL, next_url)
        return redirect(url_for("auth.second_factor_setup"))
    complete_sign_in(user)
    return redirect(next_url or url_for("main.home"))


def _sign_in_again():
    pending.clear()
    flash(_("Please sign in again."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(throttle.source_limit, methods=["POST"])
@limiter.limit(_two_factor_limit, methods=["POST"], key_func=_pending_account)
def second_factor():
    """The second step: a code from the authenticator app, or a recovery code."""
    user = pending.pending_user(pending.VERIFY)
    if user is None:
        return _sign_in_again()
    with sign_in_step(user) as page:
        return _second_factor_step(user, page)


def _second_factor_step(user: User, page: dict):
    form = SecondFactorForm()
    error = None
    if form.validate_on_submit():
        method = twofactor.verify(user, form.typed) if form.typed else None
        if method is not None:
            next_url = safe_next(pending.next_url())
            complete_sign_in(user, method)
            if method == "recovery":
                left = twofactor.remaining_recovery_codes(user)
                flash(_("You used a recovery code. %(count)s are left.", count=left), "info")
            return redirect(next_url or url_for("main.home"))
        if form.typed:
            record_failure(user, "bad_second_factor", _source())
            error = _("That code is not right, or it was already used. Please try again.")
        else:
            error = _("Enter the code from your authenticator app, or a recovery code.")
    elif request.method == "POST":
        error = _("Enter the code from your authenticator app, or a recovery code.")
    status = 401 if error else 200
    return render_template("auth/second_factor.html", form=form, error=error, **page), status


@bp.route("/login/two-factor/setup", methods=["GET", "POST"])
@limiter.limit(throttle.source_limit, methods=["POST"])
@limiter.limit(_two_factor_limit, methods=["POST"], key_func=_pending_account)
def second_factor_setup():
    """Set up the authenticator the role requires, before the first sign-in completes."""
    user = pending.pending_user(pending.ENROL)
    row = twofactor.authenticator(user) if user is not None else None
    if row is None or row.pending_secret is None:
        return _sign_in_again()
    with sign_in_step(user) as page:
        return _setup_step(user, row, page)


def _setup_step(user: User, row, page: dict):
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data or "")
        except Refused as error:
            show_on_form(form, error)
        else:
            next_url = safe_next(pending.next_url()) or url_for("main.home")
            complete_sign_in(user, "enrolled")
            return render_template(
                "auth/recovery_codes.html",
                codes=codes,
                continue_to=next_url,
                layout=settings_layout(user),
            )
    return render_template(
        "auth/second_factor_setup.html", setup=_setup_of(user, row), form=form, **page
    ), form_status(form)


def _setup_of(user: User, row) -> dict | None:
    """What the page shows to add a new authenticator: the QR code and the key as text."""
    if row is None or row.pending_secret is None:
        return None
    qr, size = twofactor.qr_code(twofactor.provisioning_uri(user, row.pending_secret))
    return {"qr": qr, "size": size, "secret": twofactor.grouped_secret(row.pending_secret)}


@bp.post("/logout")
def logout():
    """Sign out (POST only, with CSRF, so a link on another site cannot sign you out)."""
    PostForm().validate_on_submit()  # CSRFProtect already rejected a bad token
    end_current_session("logout")
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


# --- Two-factor settings (signed in) -------------------------------------------------------------


def _settings_page(status: int = 200, **forms):
    row = twofactor.authenticator(current_user)
    enrolled = row is not None and row.enrolled
    return render_template(
        "auth/two_factor.html",
        layout=settings_layout(current_user),
        row=row,
        enrolled=enrolled,
        required=must_use_two_factor(current_user),
        remaining=twofactor.remaining_recovery_codes(current_user) if enrolled else 0,
        setup=_setup_of(current_user, row),
        start_form=PostForm(),
        confirm_form=forms.get("confirm_form") or ConfirmCodeForm(formdata=None),
        renew_form=forms.get("renew_form") or PasswordAgainForm(prefix="renew", formdata=None),
        disable_form=forms.get("disable_form")
        or PasswordAgainForm(prefix="disable", formdata=None),
    ), status


@bp.get("/account/two-factor")
@two_factor_settings_required
def two_factor():
    """The account's two-factor sign-in: status, set up, recovery codes, turn off."""
    return _settings_page()


@bp.post("/account/two-factor/start")
@two_factor_settings_required
def two_factor_start():
    """Make a new secret to scan (a first authenticator, or a new phone)."""
    PostForm().validate_on_submit()  # CSRFProtect already rejected a bad token
    twofactor.begin_enrolment(_me())
    return redirect(url_for("auth.two_factor") + "#setup")


@bp.post("/account/two-factor/confirm")
@two_factor_settings_required
@limiter.limit(_two_factor_limit, key_func=_signed_in_account)
def two_factor_confirm():
    """Confirm the new authenticator with a code; show the recovery codes once."""
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(_me(), form.code.data or "")
        except Refused as error:
            show_on_form(form, error)
        else:
            session[SECOND_FACTOR_DONE] = True
            return _recovery_codes_page(codes)
    return _settings_page(form_status(form), confirm_form=form)


def _recovery_codes_page(codes: list[str]):
    """The new recovery codes, shown this once; then back to the settings."""
    return render_template(
        "auth/recovery_codes.html",
        codes=codes,
        continue_to=url_for("auth.two_factor"),
        layout=settings_layout(current_user),
    )


@bp.post("/account/two-factor/recovery-codes")
@two_factor_settings_required
@limiter.limit(_two_factor_limit, key_func=_signed_in_account)
def two_factor_recovery_codes():
    """New recovery codes (the old ones stop working), after the password again."""
    form = PasswordAgainForm(prefix="renew")
    if form.validate_on_submit():
        try:
            codes = twofactor.renew_recovery_codes(_me(), form.password.data or "")
        except Refused as error:
            show_on_form(form, error)
        else:
            if codes is None:  # two-factor sign-in is not on: nothing to renew
                return redirect(url_for("auth.two_factor"))
            return _recovery_codes_page(codes)
    return _settings_page(form_status(form), renew_form=form)


@bp.post("/account/two-factor/disable")
@two_factor_settings_required
@limiter.limit(_two_factor_limit, key_func=_signed_in_account)
def two_factor_disable():
    """Turn two-factor sign-in off, after the password again (not for roles that require it)."""
    if must_use_two_factor(current_user):
        abort(403)
    form = PasswordAgainForm(prefix="disable")
    if not twofactor.is_enrolled(current_user):
        return redirect(url_for("auth.two_factor"))
    if form.validate_on_submit():
        try:
            twofactor.disable(_me(), form.password.data or "")
        except Refused as error:
            show_on_form(form, error)
        else:
            flash(_("Two-factor sign-in is off."), "info")
            return redirect(url_for("auth.two_factor"))
    return _settings_page(form_status(form), disable_form=form)
