"""Bulk actions of the coordinators' console: close selected requests, message supporters.

Each request goes through its lifecycle service and each message through the notify service, so
the rules and history lines are the ones a single action writes. All or nothing: the first
refusal raises :class:`Refused` naming the request, and the view's error status rolls back
whatever was written for the others.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supporters import audit
from supporters.access import scope_requests, scope_supporters
from supporters.extensions import db
from supporters.help_requests import lifecycle
from supporters.models import HelpRequest, RequestStatus, Supporter, SupporterStatus, User
from supporters.notify.service import notify_supporter
from supporters.refusals import Refused

MAX_SELECTED = 200
# What a coordinator may send to many supporters at once: fixed messages with no data about
# any request or resident (notify/messages.py holds the words, in the supporters' languages).
MESSAGES = {
    "check_availability": ("supporters_check_availability", "/me/availability"),
    "contact_office": ("supporters_contact_office", "/me/"),
}
MESSAGE_LABELS = {
    "check_availability": _l("Please check and update your availability"),
    "contact_office": _l("Please contact the coordinators' office"),
}
_CLOSES = {RequestStatus.COMPLETED, RequestStatus.REFERRED}


def _selected(ids, limit=MAX_SELECTED) -> list[int]:
    chosen = sorted({int(i) for i in ids or ()})
    if not chosen:
        raise Refused(_("Select at least one."), "ids")
    if len(chosen) > limit:
        raise Refused(_("Select at most %(max)d at a time.", max=limit), "ids")
    return chosen


def requests_for(ids, user: User) -> list[HelpRequest]:
    """The selected requests ``user`` may see (unknown or hidden ids are left out)."""
    stmt = select(HelpRequest).where(HelpRequest.id.in_(_selected(ids)))
    return list(db.session.scalars(scope_requests(stmt, user).order_by(HelpRequest.id)))


def close_requests(ids, reason: str, by: User) -> list[HelpRequest]:
    """Close each selected request with ``reason``: completed and referred ones are closed,
    waiting or assigned ones cancelled. All or nothing (see the module docstring)."""
    chosen = _selected(ids)
    if not (reason or "").strip():
        raise Refused(_("Say why the requests are closed."), "reason")
    found = requests_for(chosen, by)
    if len(found) != len(chosen):
        raise Refused(_("Some of the selected requests no longer exist."), "ids")
    for item in found:
        try:
            if item.status in _CLOSES:
                lifecycle.close(item, by, reason)
            else:
                lifecycle.cancel(item, by, reason)
        except Refused as refusal:
            raise Refused(
                _(
                    "%(ref)s: %(problem)s Nothing was closed.",
                    ref=item.reference,
                    problem=refusal.message,
                ),
                "ids",
                code=refusal.code,
            ) from refusal
    return found


def supporters_for(ids, user: User) -> list[Supporter]:
    """The selected supporters ``user`` may see, by name."""
    stmt = scope_supporters(select(Supporter).where(Supporter.id.in_(_selected(ids))), user)
    return list(db.session.scalars(stmt.order_by(Supporter.display_name)))


def message_supporters(ids, message: str, by: User) -> list[Supporter]:
    """Send ``message`` (a key of :data:`MESSAGES`) to each selected supporter still active."""
    if message not in MESSAGES:
        raise Refused(_("Choose a message."), "message")
    found = [s for s in supporters_for(ids, by) if s.status != SupporterStatus.RETIRED]
    if not found:
        raise Refused(_("None of the selected supporters can be messaged."), "ids")
    kind, link = MESSAGES[message]
    for supporter in found:
        notify_supporter(supporter, kind, link)
        audit.record("supporter_messaged", supporter, message, user=by)
    return found
