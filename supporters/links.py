"""Absolute links for things read outside the browser (e-mails, .ics files), built from BASE_URL.

A link that leaves the app must never be built from the request: the ``Host`` header (and
``X-Forwarded-Host``) is chosen by whoever sends the request, so ``url_for(..., _external=True)``
would let anyone who can trigger a mail or a calendar file point it at their own site. Every
absolute link goes through :func:`absolute_url` or :func:`absolute_link` instead: the path from
the URL map, the scheme and host from the ``BASE_URL`` setting.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class BaseUrlError(RuntimeError):
    """BASE_URL is unusable for a production app: the app refuses to start."""


def base_url() -> str:
    """The configured BASE_URL without a trailing slash (e.g. ``https://yorisoi.example.jp``)."""
    return current_app.config["BASE_URL"].rstrip("/")


def absolute_link(path: str) -> str:
    """``path`` (an app path such as ``/me/offers/12``) as an absolute URL under BASE_URL."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"an app path must start with a single '/': {path!r}")
    return base_url() + path


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under BASE_URL, whatever host the request came to.

    The path is built from the URL map alone (bound to no request), so neither the request's
    host nor its script root can leak in; BASE_URL carries any prefix the app is mounted under.
    """
    adapter = current_app.url_map.bind("", url_scheme="https", script_name="/")
    return absolute_link(adapter.build(endpoint, values))


def base_url_problem(app: Flask) -> str | None:
    """Why BASE_URL is unfit for this app, or None. Only production apps are held to it."""
    if app.testing or app.config.get("YORISOI_ENV") != "production":
        return None
    value = (app.config.get("BASE_URL") or "").rstrip("/")
    parts = urlsplit(value)
    if not value or value == DEVELOPMENT_BASE_URL:
        return "BASE_URL is not set (it is still the development default)"
    if parts.scheme != "https" or not parts.hostname:
        return f"BASE_URL must be an https:// address, not {value!r}"
    if parts.query or parts.fragment or parts.username or parts.password:
        return f"BASE_URL must be scheme, host and optional path only, not {value!r}"
    return None


def init_app(app: Flask) -> None:
    """Refuse to start a production app whose e-mail and calendar links would point nowhere."""
    problem = base_url_problem(app)
    if problem:
        raise BaseUrlError(
            f"{problem}. Links in e-mails and calendar files are built from BASE_URL; set it "
            "to the address residents and supporters use, e.g. BASE_URL=https://yorisoi.example.jp"
            " (or YORISOI_ENV=development on a developer's machine)."
        )
