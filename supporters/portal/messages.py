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
    order = (user.channel_order or current_app.config["CHANNEL_ORDER"]).split(",")
    available = [name for name in addresses.CHANNELS if name == "email" or _configured(name)]
    line_url = _line_message_url(code) if code else None
    context = {
        "available": available,
        "first": next((name for name in order if name in available), "email"),
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


@bp.post("/messages/first")
@supporter_required
def first_channel():
    """Try this channel first; the others follow in the programme's order, e-mail last."""
    chosen = request.form.get("first", "")
    rest = [name for name in current_app.config["CHANNEL_ORDER"].split(",") if name != chosen]
    try:
        addresses.set_order(current_user, [chosen, *rest])
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


@bp.get("/sw.js")
def service_worker():
    """The service worker that shows push notifications (scope: the supporter's pages)."""
    from pathlib import Path

    script = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})
