"""Who is calling the API: a bearer token, never the session cookie.

Cookies are sent by browsers on their own, so a session that authenticated the API would make
it open to cross-site request forgery; a bearer token has to be added by the caller's code.
That is why the API blueprints are exempt from CSRF checks and answer 401 without a token.
"""

import hashlib
from typing import NoReturn

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from supporters.accounts.standing import REFUSALS, refusal_message
from supporters.api.errors import fail
from supporters.api.openapi import ApiBlueprint
from supporters.api.tokens import check_token, token_hash
from supporters.extensions import db, login_manager

API_PREFIX = "/api/v1"
# The console's languages: their catalogues hold every message the API can answer with.
API_LOCALES = ("ja", "en")


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if there is one."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate() -> None:
    """before_request of every API blueprint: the token's user becomes ``current_user``.

    Refused with 401 and a code the caller can act on: ``unauthorized`` (no token, or one that
    is unknown or revoked), ``token_expired``, or why the account may not be used now
    (``deactivated``, ``supporter_suspended``, ``supporter_retired``, with the same words the
    sign-in page shows).
    """
    token = bearer_token()
    if not token:
        abort(401)
    checked = check_token(token)
    if checked.user is None:
        _refuse(checked.refusal)
    user = checked.user
    # Set the user for this request only: login_user() would write it into the session cookie,
    # which would then sign the caller in to the web pages as well.
    login_manager._update_request_context_with_user(user)
    g.api_user = user


def _refuse(code: str | None) -> NoReturn:
    if code == "expired":
        fail(401, _("This API token has expired. Make a new one."), "token_expired")
    if code in REFUSALS:
        fail(401, refusal_message(code), code)
    abort(401)


def api_locale() -> str:
    """The language of every message of an API answer — the error's message and its field
    errors alike: the caller's ``Accept-Language`` (ja or en), else the token owner's saved
    language (ja or en), else Japanese. Never the session cookie, which the API ignores.

    The owner is read from the token without checking it, so an answer refused before the
    token is checked (a body too large, a bad token) speaks the same language as the others.
    """
    if request.headers.get("Accept-Language"):
        asked = request.accept_languages.best_match(API_LOCALES)
        if asked:
            return asked
    user = g.get("api_user")
    if user is not None:
        saved = user.locale
    else:
        token = bearer_token()
        saved = _token_owner_locale(token) if token else None
    return saved if saved in API_LOCALES else API_LOCALES[0]


def _token_owner_locale(token: str) -> str | None:
    from supporters.models import ApiToken, User

    return db.session.scalar(
        select(User.locale)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token))
    )


def rate_limit_key() -> str:
    """Rate-limit API calls per token (hashed), or per client address without one."""
    token = bearer_token()
    if token:
        return "api:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-anonymous:" + (request.remote_addr or "")


def rate_limit() -> str:
    """The configured API rate limit (``API_RATE_LIMIT``)."""
    return current_app.config["API_RATE_LIMIT"]


def protected_blueprint(name: str, description: str) -> ApiBlueprint:
    """A resource blueprint under /api/v1: bearer token required, no CSRF, rate-limited.

    Done once, when the module defining the blueprint is imported (blueprints are shared by
    every app the process builds, e.g. in tests).
    """
    from supporters.extensions import csrf, limiter

    blueprint = ApiBlueprint(name, __name__, url_prefix=API_PREFIX, description=description)
    blueprint.before_request(authenticate)
    csrf.exempt(blueprint)
    limiter.limit(rate_limit, key_func=rate_limit_key)(blueprint)
    return blueprint
