"""Web security baseline: safe redirects, response headers, and the idle session timeout."""

import time
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from supporters import input_guard
from supporters.extensions import db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a same-site path, else None (stops open redirects).

    Only a path on this site is accepted: ``//evil``, ``/\\evil``, ``https://evil`` and
    ``javascript:`` are all refused, as is anything with control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _hsts_max_age() -> int:
    """HSTS lifetime in seconds: HSTS_MAX_AGE when configured, else a year in production only."""
    from flask import current_app

    configured = current_app.config.get("HSTS_MAX_AGE")
    if configured is not None:
        return int(configured)
    development = current_app.config.get("YORISOI_ENV") == "development"
    return 0 if development or current_app.testing else 31_536_000


def _security_headers(response):
    """Add the headers every response carries; personal pages are never cached."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    hsts = _hsts_max_age()
    if hsts:  # production: browsers keep to HTTPS for a year, subdomains included
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"
        )
    if not request.path.startswith("/static/"):
        # Every signed-in page may show personal data: keep it out of shared and back-button caches.
        # is_anonymous, not is_authenticated: the latter reads ``User.active``, which the
        # request's commit has just expired, and would cost a SELECT on every page.
        if not current_user.is_anonymous:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
    return response


def _enforce_idle_timeout():
    """Sign out a user who has been idle longer than IDLE_TIMEOUT."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = time.time()
    last_seen = session.get("seen_at")
    limit = current_app.config["IDLE_TIMEOUT"].total_seconds()
    if last_seen is not None and now - last_seen > limit:
        from supporters.auth.sessions import end_current_session

        end_current_session("expired")
        db.session.commit()  # the redirect below is a 302, but make the ending explicit
        logout_user()
        session.clear()
        flash(_("You were signed out after a period of inactivity. Please sign in again."), "info")
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))
    session["seen_at"] = now
    session.permanent = True
    return None


def init_app(app: Flask) -> None:
    """Install the security hooks on the app."""
    input_guard.init_app(app)  # first: hostile bodies and NUL characters stop before any view
    app.before_request(_enforce_idle_timeout)
    app.after_request(_security_headers)
