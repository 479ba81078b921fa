"""The e-mails that carry an account link, written in the recipient's language.

They go through the notification outbox (``OutboxMessage`` on the person's channel, e-mail
today) and use the same plain-text layout as every notification. They say what the link does,
how long it works, and nothing else: no name, no role, no programme details. The link's address
comes from ``BASE_URL``, never from the request's Host header.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.extensions import db
from supporters.i18n import match_supporter_locale, supporter_locale_by_babel
from supporters.links import absolute_url
from supporters.models import LanguageLevel, OutboxMessage, OutboxStatus, User
from supporters.models.credentials import AccountLinkPurpose
from supporters.notify.messages import recipient_locale
from supporters.notify.service import EMAIL

# Outbox kinds (the notification list never shows these: there is no in-app line for them).
KINDS = {AccountLinkPurpose.INVITE: "account_invite", AccountLinkPurpose.RESET: "password_reset"}

_TITLES = {
    AccountLinkPurpose.INVITE: _l("Set up your Yorisoi account"),
    AccountLinkPurpose.RESET: _l("Reset your Yorisoi password"),
}
_LEADS = {
    AccountLinkPurpose.INVITE: _l(
        "You have been invited to sign in to Yorisoi as a supporter. "
        "Open the link below and choose your password."
    ),
    AccountLinkPurpose.RESET: _l(
        "Someone asked to reset the password of the Yorisoi account for this e-mail address. "
        "If it was you, open the link below and choose a new password. "
        "If it was not you, you can ignore this message: your password stays the same."
    ),
}
_VALIDITY = {
    AccountLinkPurpose.INVITE: _l("The link works once, for 7 days."),
    AccountLinkPurpose.RESET: _l("The link works once, for 1 hour."),
}
_ENDPOINTS = {
    AccountLinkPurpose.INVITE: "credentials.accept_invite",
    AccountLinkPurpose.RESET: "credentials.reset_password",
}


def link_url(purpose: AccountLinkPurpose, token: str) -> str:
    """The absolute address of a link, on ``BASE_URL`` (the Host header is never trusted)."""
    return absolute_url(_ENDPOINTS[purpose], token=token)


def mail_locale(user: User) -> str:
    """The language to write to ``user`` in: their saved choice, else (for a supporter who has
    never signed in) the first of their languages the supporters' pages speak, else Japanese."""
    if supporter_locale_by_babel(user.locale) or user.supporter is None:
        return recipient_locale(user)
    order = {LanguageLevel.NATIVE: 0, LanguageLevel.FLUENT: 1, LanguageLevel.CONVERSATIONAL: 2}
    spoken = sorted(user.supporter.languages, key=lambda e: (order.get(e.level, 3), e.rank))
    for entry in spoken:
        if found := match_supporter_locale(entry.language_code):
            return found.babel
    return recipient_locale(user)


def queue_link_message(user: User, purpose: AccountLinkPurpose, token: str) -> OutboxMessage:
    """Put the e-mail carrying ``token`` in the outbox (sent by ``flask outbox deliver``)."""
    url = link_url(purpose, token)
    env = current_app.jinja_env
    with force_locale(mail_locale(user)):
        title = str(_TITLES[purpose])
        context = {
            "subject_line": _("Yorisoi: %(title)s", title=title),
            "lead": f"{_LEADS[purpose]}\n\n{_VALIDITY[purpose]}",
            "open_label": _("Open Yorisoi:"),
            "url": url,
            "footer": _("This message was sent automatically by Yorisoi. Replies are not read."),
        }
        subject = env.get_template("mail/subject.txt").render(context)
        body = env.get_template("mail/body.txt").render(context)
    message = OutboxMessage(
        channel=EMAIL,
        recipient=user.email,
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        kind=KINDS[purpose],
        status=OutboxStatus.PENDING,
        attempts=0,
    )
    db.session.add(message)
    return message
