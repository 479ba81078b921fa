"""Words for request history lines stored as a code and parameters (``RequestEvent.code``).

The row keeps ``("offer_withdrawn", {"supporter_id": 7, "reason": "supporter_suspended"})``;
the page renders it in the viewer's language, with the supporter's name as it is today.
"""

from flask_babel import gettext as _

from supporters.extensions import db
from supporters.models import RequestEvent, Supporter


def event_text(event: RequestEvent, detailed: bool = True) -> str:
    """The history line of a coded event; ``detailed`` (coordinators) adds who and why."""
    if event.code == "offer_withdrawn":
        if not detailed:
            return _("An offer was withdrawn.")
        return _withdrawal(event.params or {})
    if event.code == "escalated":
        params = event.params or {}
        return _(
            "No answer in time: offered to %(count)s more supporter(s) (round %(round)s).",
            count=params.get("offered", 0),
            round=params.get("round", 1),
        )
    return event.code


def _withdrawal(params: dict) -> str:
    supporter = db.session.get(Supporter, params.get("supporter_id") or 0)
    name = supporter.display_name if supporter is not None else "—"
    reason = params.get("reason")
    if reason == "supporter_suspended":
        return _("The offer to %(name)s was withdrawn because they were suspended.", name=name)
    if reason == "supporter_retired":
        return _("The offer to %(name)s was withdrawn because they retired.", name=name)
    if reason == "deactivated":
        return _(
            "The offer to %(name)s was withdrawn because their account was deactivated.",
            name=name,
        )
    return _("The offer to %(name)s was withdrawn.", name=name)
