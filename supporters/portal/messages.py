"""The supporter's "Messages" page: which channels reach them, in which order.

LINE is linked with a one-time code sent to the programme's LINE account (its QR opens LINE with
the code typed in); SMS uses the phone number in the registry; Web Push is turned on from the
installed app (``static/js/push.js`` registers ``/me/sw.js`` and posts the subscription).
Rules live in ``supporters/notify/addresses.py``.
"""

import re
from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import supporter_required
from supporters.notify import addresses
from supporters.notify.channels import get_channel
from supporters.portal.routes import bp
from supporters.refusals import Refused

LINE_ID = re.compile(r"/(@[A-Za-z0-9._\-]+)")


def _configured(name: str) -> bool:
    channel = get_channel(name)
    return channel is not None and channel.configured()


def _line_message_url(code: str) -> str | None:
    """A LINE URL that opens a chat with the programme's account with ``code`` typed in."""
    found = LINE_ID.search(current_app.config.get("LINE_FRIEND_URL", ""))
    return f"https://line.me/R/oaMessage/{found.group(1)}/?{quote(code)}" if found else None


def _page(status: int = 200, code: str | None = None, expires_at=None):
    from supporters.auth.twofactor import qr_code

    user = current_user
    supporter = user.supporter
    if supporter is None:
        abort(404)
    found = addresses.addresses_of(user)
    available = _available()
    order = addresses.effective_order(user, current_app.config["CHANNEL_ORDER"])
    line_url = _line_message_url(code) if code else None
    context = {
        "available": available,
        # Each channel the person can use, in their order, and whether it can reach them now.
        "order": [
            (name, name == "email" or bool(found.get(name))) for name in order if name in available
        ],
        "line_linked": bool(found.get("line")),
        "push_devices": len(found.get("webpush", [])),
        "sms_number": found["sms"][0].address if found.get("sms") else None,
        "phone": supporter.phone,
        "email": supporter.email,
        "code": code,
        "code_expires_at": expires_at,
        "line_url": line_url,
        "line_qr": qr_code(line_url)[0] if line_url else None,
        "vapid_public_key": _vapid_public_key() if "webpush" in available else "",
    }
    return render_template("portal/messages.html", channel_labels=_labels(), **context), status


def _available() -> list[str]:
    """The channels the programme has set up (e-mail always)."""
    return [name for name in addresses.CHANNELS if name == "email" or _configured(name)]


def _labels() -> dict[str, str]:
    return {
        "line": "LINE",
        "webpush": _("Notifications on this phone"),
        "email": _("E-mail"),
        "sms": "SMS",
    }


def _vapid_public_key() -> str:
    from supporters.notify.webpush import public_key

    return public_key()


@bp.get("/messages")
@supporter_required
def messages():
    """How messages reach the supporter: channels, their state, and which comes first."""
    return _page()


@bp.post("/messages/order")
@supporter_required
def move_channel():
    """Move one channel earlier (``move=up``) or later (``move=down``) in the supporter's order."""
    step = {"up": -1, "down": 1}.get(request.form.get("move", ""), 0)
    try:
        addresses.move(
            current_user,
            request.form.get("channel", ""),
            step,
            _available(),
            current_app.config["CHANNEL_ORDER"],
        )
    except Refused as refusal:
        flash(refusal.message or _("Choose each channel once."), "error")
        return _page(422)
    flash(_("Saved."), "ok")
    return redirect(url_for("portal.messages"), 303)


@bp.post("/messages/line-code")
@supporter_required
def line_code():
    """A new one-time code to send to the programme's LINE account (valid 15 minutes)."""
    if not _configured("line"):
        abort(404)
    code, expires_at = addresses.new_link_code(current_user)
    return _page(code=code, expires_at=expires_at)


@bp.post("/messages/<any(line,sms,webpush):action>/off")
@supporter_required
def channel_off(action: str):
    """Stop messages on the channel ``action`` names (unlink LINE, stop SMS, forget push)."""
    addresses.unlink(current_user, action)
    flash(_("Saved."), "ok")
    return redirect(url_for("portal.messages"), 303)


@bp.post("/messages/sms")
@supporter_required
def sms_on():
    """Receive messages by SMS at the phone number in the registry."""
    if not _configured("sms"):
        abort(404)
    try:
        addresses.set_sms(current_user, current_user.supporter.phone)
    except Refused as refusal:
        flash(refusal.message, "error")
        return _page(422)
    flash(_("Saved."), "ok")
    return redirect(url_for("portal.messages"), 303)


@bp.post("/messages/push")
@supporter_required
def push_subscribe():
    """The browser's push subscription (JSON from static/js/push.js)."""
    if not _configured("webpush"):
        abort(404)
    data = request.get_json(silent=True) or {}
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    try:
        addresses.save_push_subscription(
            current_user,
            str(data.get("endpoint") or ""),
            str(keys.get("p256dh") or ""),
            str(keys.get("auth") or ""),
        )
    except Refused as refusal:
        return jsonify({"error": {"code": "invalid", "fields": refusal.fields}}), 422
    return jsonify({"ok": True})


@bp.post("/messages/push/off")
@supporter_required
def push_unsubscribe():
    """This browser turned its notifications off (JSON ``{"endpoint"}`` from static/js/push.js)."""
    data = request.get_json(silent=True) or {}
    addresses.forget_push_subscription(current_user, str(data.get("endpoint") or ""))
    return jsonify({"ok": True})


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: the supporter's pages install as a home-screen app (which iPhones
    require before they allow Web Push), opening on /me/ with the service worker's scope."""
    app_manifest = {
        "name": "Yorisoi",
        "short_name": "Yorisoi",
        "start_url": url_for("portal.me"),
        "scope": url_for("portal.me"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ffffff",
        "icons": [
            {
                "src": url_for("static", filename="favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            }
        ],
    }
    response = jsonify(app_manifest)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker that shows push notifications (scope: the supporter's pages)."""
    from pathlib import Path

    script = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})
