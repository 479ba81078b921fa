"""``POST /line/webhook``: what LINE tells us — a linking code typed by a supporter, a tap on a
one-tap button, a follow or an unfollow. The signature (``X-Line-Signature``, HMAC-SHA256 of the
body with the channel secret) is verified by the official SDK before anything is read. Each
tap runs in its own savepoint; the request's unit of work commits them all (transactions.py)."""

from flask import Blueprint, abort, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from supporters.extensions import csrf, db, limiter
from supporters.notify import actions, addresses
from supporters.notify.line import api
from supporters.notify.messages import recipient_locale
from supporters.refusals import Refused

bp = Blueprint("line", __name__, url_prefix="/line")


@bp.post("/webhook")
@csrf.exempt
@limiter.limit("600 per minute")
def webhook():
    """Verify the signature, then act on each event; LINE only needs a 200."""
    secret = current_app.config.get("LINE_CHANNEL_SECRET")
    if not secret:
        abort(404)
    body = request.get_data(as_text=True)
    try:
        events = WebhookParser(secret).parse(body, request.headers.get("X-Line-Signature", ""))
    except (InvalidSignatureError, ValueError):
        abort(400)
    for event in events:
        reply = _handle(event)
        if reply and getattr(event, "reply_token", None):
            _reply(event.reply_token, reply)
    return {"ok": True}


def _handle(event) -> str | None:
    user_id = getattr(event.source, "user_id", None)
    if user_id is None:
        return None
    if isinstance(event, UnfollowEvent):
        addresses.forget_line_user(user_id)
        return None
    if isinstance(event, FollowEvent):
        account = addresses.follow_line_user(user_id)  # a linked person who unblocked us
        if account is None:
            return _("Welcome to Yorisoi. Send the code shown on your Messages page to link.")
        with force_locale(recipient_locale(account)):
            return _("Your LINE account is linked. Yorisoi messages will come here.")
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        account = addresses.link_line(event.message.text, user_id)
        if account is None:
            with force_locale(recipient_locale(addresses.line_user_of(user_id))):
                return _("This code is not valid. Please make a new one on your Messages page.")
        with force_locale(recipient_locale(account)):
            return _("Your LINE account is linked. Yorisoi messages will come here.")
    if isinstance(event, PostbackEvent):
        return _tap(event.postback.data or "", user_id)
    return None


def _tap(data: str, line_user_id: str) -> str:
    """A one-tap button: act once, if the LINE user who tapped owns the token."""
    account = addresses.line_user_of(line_user_id)
    if not data.startswith("a=") or account is None:
        return _("This button is not for this account.")
    with force_locale(recipient_locale(account)):
        try:
            token = actions.load(data[2:])
            if token.user_id != account.id:
                return _("This button is not for this account.")
            with db.session.begin_nested():  # a refused tap undoes only itself
                done = actions.perform(token)
        except Refused as refusal:
            if refusal.code == "used":
                return _("This link has already been used.")
            return refusal.message or _("This can no longer be done.")
        return {
            actions.ACCEPT: _(
                "Thank you. The request is yours; the details are on your assignment page."
            ),
            actions.DECLINE: _("You declined. Thank you for answering."),
        }.get(done, _("Thank you. The coordinator knows you will come."))


def _reply(reply_token: str, text: str) -> None:
    try:
        api().reply_message(
            ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text)])
        )
    except Exception:  # a lost reply is not worth a retry from LINE (the action is done)
        current_app.logger.warning("LINE reply failed")
