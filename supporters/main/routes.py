"""Home and language switch (health checks: supporters/ops/health.py)."""

from flask import Blueprint, current_app, redirect, url_for
from flask_login import current_user

from supporters.access import is_national_admin, is_supporter_account
from supporters.i18n import LOCALE_COOKIE, supporter_locale_by_babel
from supporters.main.forms import LanguageForm
from supporters.safety import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Send each person to where their work starts."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if is_supporter_account(current_user):
        return redirect(url_for("portal.me"))
    if is_national_admin(current_user):
        return redirect(url_for("national.index"))
    return redirect(url_for("dashboard.index"))


@bp.post("/language")
def set_language():
    """Remember the chosen UI language on the account (if signed in) and in a cookie."""
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("main.home")
    response = redirect(target)
    if form.validate_on_submit():
        remember_language(response, form.language.data)
    return response


def remember_language(response, language: str) -> None:
    """Save ``language`` (a Babel locale already validated) on the account and in the cookie.

    The cookie holds the outside (BCP 47) code, e.g. ``ja-x-easy`` or ``pt-BR``, so the
    residents' pages on the same phone open in the same language.
    """
    if current_user.is_authenticated:
        current_user.locale = language
    known = supporter_locale_by_babel(language)
    response.set_cookie(
        LOCALE_COOKIE,
        known.code if known else language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
