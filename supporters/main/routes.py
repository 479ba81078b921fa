"""Home, language switch and health check."""

from flask import Blueprint, current_app, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from supporters.extensions import db
from supporters.i18n import LOCALE_COOKIE
from supporters.main.forms import LanguageForm
from supporters.models import Role
from supporters.safety import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Send each person to where their work starts."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.SUPPORTER:
        return redirect(url_for("portal.me"))
    return redirect(url_for("dashboard.index"))


@bp.post("/language")
def set_language():
    """Remember the chosen UI language on the account (if signed in) and in a cookie."""
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("main.home")
    response = redirect(target)
    if form.validate_on_submit():
        language = form.language.data
        if current_user.is_authenticated:
            current_user.locale = language
        response.set_cookie(
            LOCALE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.get("/healthz")
def health():
    """Liveness and database check for load balancers and the test server."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
