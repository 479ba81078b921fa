"""``/a/<token>``: the page a one-tap link from a message opens (no sign-in), in the token
user's language; its one button performs the action once (``notify/actions.py``)."""

from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from supporters.credentials.routes import page_locale
from supporters.extensions import db, limiter
from supporters.i18n import SUPPORTER_LOCALES
from supporters.models import User
from supporters.notify import actions
from supporters.refusals import Refused

bp = Blueprint("actions", __name__, url_prefix="/a")


@bp.after_request
def _private(response):
    """A page reached by a secret link: never cached, the link never sent on as a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _token_or_404(token: str):
    try:
        return actions.load(token)
    except Refused:
        abort(404)


@bp.get("/<token>")
@limiter.limit("60 per minute")
def show(token: str):
    """What the link does — date, area, language — and one button; nothing happens yet."""
    found = _token_or_404(token)
    return _page(found, token, state=actions.state(found))


@bp.post("/<token>")
@limiter.limit("20 per minute")
def perform(token: str):
    """Press the button: the action happens once, as the link's owner."""
    found = _token_or_404(token)
    try:
        done = actions.perform(found)
    except Refused as refusal:  # the answer is 409: the hook rolls everything back
        state = refusal.code if refusal.code in ("used", "expired") else "open"
        return _page(found, token, state=state, refusal=refusal), 409
    return _page(found, token, state="done", done=done)


def _page(found, token: str, state: str, refusal: Refused | None = None, done: str = ""):
    user = db.session.get(User, found.user_id)
    locale = page_locale(user)
    with force_locale(locale.babel):
        return render_template(
            "actions/page.html",
            token=token,
            found=found,
            state=state,
            done=done,
            refusal=refusal,
            help_request=actions.request_of(found),
            page_locale=locale,
            supporter_locales=SUPPORTER_LOCALES,
            title=TITLES[found.action](),
            action_url=request.path,
        )


TITLES = {
    actions.ACCEPT: lambda: _("Accept this request"),
    actions.DECLINE: lambda: _("Decline this request"),
    actions.CONFIRM: lambda: _("Confirm I will come"),
}
