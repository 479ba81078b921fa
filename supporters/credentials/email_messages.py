"""The e-mails of an e-mail address change, written in the account holder's language.

Three messages, all through the outbox like the other account links
(``credentials/messages.py``): the confirmation link to the NEW address, a notice to the OLD
address that a change was asked for (how to stop it if it was not them), and a notice to the old
address when the programme office changed it. None names the person, a case or a resident; the
new address shows only masked (``l***@example.jp``) in the notices.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.credentials.messages import mail_locale
from supporters.extensions import db
from supporters.links import absolute_url
from supporters.models import OutboxMessage, OutboxStatus, User
from supporters.notify.service import EMAIL
from supporters.programme.settings import current as programme_settings

# Outbox kinds (no in-app line: the notification list never shows them).
CONFIRM_KIND = "email_change_confirm"
REQUESTED_KIND = "email_change_requested"
CHANGED_KIND = "email_changed_by_office"

_CONFIRM_LEAD = _l(
    "Someone asked to use this e-mail address for their Yorisoi account. If it was you, open "
    "the link below to confirm it; you will then sign in with this address. If it was not you, "
    "ignore this message: nothing changes."
)
_NOT_YOU = _l(
    "If it was not you, or if this is wrong, change your password now and tell the coordinators."
)


def masked(address: str) -> str:
    """``lan@example.jp`` → ``l***@example.jp``: enough to recognise, not to read out."""
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _office_facts() -> list[tuple[str, str]]:
    """The programme office's phone and e-mail, where the programme has them."""
    settings = programme_settings()
    facts = []
    if settings.contact_phone:
        facts.append((_("Phone number"), settings.contact_phone))
    if settings.contact_email:
        facts.append((_("E-mail"), settings.contact_email))
    return facts


def _queue(user: User, recipient: str, kind: str, title, lead: str, url: str, facts=()):
    """Render one plain-text message in ``user``'s language and put it in the outbox."""
    env = current_app.jinja_env
    context = {
        "subject_line": _("Yorisoi: %(title)s", title=str(title)),
        "lead": lead,
        "facts": list(facts),
        "open_label": _("Open Yorisoi:"),
        "url": url,
        "footer": _("This message was sent automatically by Yorisoi. Replies are not read."),
    }
    subject = env.get_template("mail/subject.txt").render(context)
    body = env.get_template("mail/body.txt").render(context)
    message = OutboxMessage(
        channel=EMAIL,
        recipient=recipient,
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        kind=kind,
        status=OutboxStatus.PENDING,
        attempts=0,
    )
    db.session.add(message)
    return message


def queue_confirmation(user: User, new_email: str, token: str) -> OutboxMessage:
    """The link that confirms ``new_email``, sent to that address."""
    with force_locale(mail_locale(user)):
        lead = f"{_CONFIRM_LEAD}\n\n{_('The link works once, for 24 hours.')}"
        url = absolute_url("credentials.confirm_email", token=token)
        return _queue(
            user, new_email, CONFIRM_KIND, _("Confirm your new e-mail address"), lead, url
        )


def queue_requested_notice(user: User, old_email: str, new_email: str) -> OutboxMessage:
    """Tell the current address that a change to ``new_email`` was asked for."""
    with force_locale(mail_locale(user)):
        asked = _(
            "Someone signed in to your Yorisoi account asked to change its e-mail address to "
            "%(address)s. Nothing changes until the link sent to that address is opened; until "
            "then you still sign in with this address.",
            address=masked(new_email),
        )
        lead = f"{asked}\n\n{_NOT_YOU}"
        url = absolute_url("credentials.change_password")
        title = _("Your Yorisoi e-mail address is being changed")
        return _queue(user, old_email, REQUESTED_KIND, title, lead, url, _office_facts())


def queue_changed_notice(user: User, old_email: str, new_email: str) -> OutboxMessage:
    """Tell the former address that the coordinators changed it to ``new_email``."""
    with force_locale(mail_locale(user)):
        changed = _(
            "The coordinators changed the e-mail address of your Yorisoi account to "
            "%(address)s. From now on, sign in with the new address.",
            address=masked(new_email),
        )
        lead = f"{changed}\n\n{_NOT_YOU}"
        url = absolute_url("auth.login")
        title = _("The e-mail address of your Yorisoi account was changed")
        return _queue(user, old_email, CHANGED_KIND, title, lead, url, _office_facts())
