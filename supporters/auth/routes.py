"""Sign-in and sign-out views."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from supporters.audit import record
from supporters.auth.forms import LoginForm, PostForm
from supporters.auth.service import authenticate
from supporters.auth.sessions import end_current_session, start_session
from supporters.extensions import limiter
from supporters.safety import safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    """Rate-limit key per account tried, so spreading guesses across addresses does not help."""
    return "login-email:" + request.form.get("email", "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_submitted_email)
def login():
    """Show the sign-in form and sign a user in."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("main.home"))
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)  # a fresh server-side session on sign-in: no fixation
            record("login", user, user=user)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        # Same words whether the account is unknown, disabled or the password wrong.
        error = _("E-mail or password is incorrect.")
    return render_template("auth/login.html", form=form, error=error), (200 if not error else 401)


@bp.post("/logout")
def logout():
    """Sign out (POST only, with CSRF, so a link on another site cannot sign you out)."""
    PostForm().validate_on_submit()  # CSRFProtect already rejected a bad token
    end_current_session("logout")
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
