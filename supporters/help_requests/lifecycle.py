"""The request lifecycle: which transitions exist, and one service function per transition.

``new → offered → assigned → completed → closed``, with the side exits ``cancelled``,
``unfilled`` (nobody accepted in time; escalated to the coordinators) and ``referred`` (sent to
an outside service). Every transition is checked here and recorded as a :class:`RequestEvent`.
"""

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from supporters import audit
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, RequestEvent, RequestStatus, User
from supporters.refusals import CONFLICT, Refused
from supporters.reports import first_moves  # noqa: F401  (keeps help_request.first_*_at)

S = RequestStatus

ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.NEW: frozenset({S.OFFERED, S.CANCELLED, S.REFERRED, S.UNFILLED}),
    S.OFFERED: frozenset({S.ASSIGNED, S.UNFILLED, S.CANCELLED, S.REFERRED}),
    # A supporter who drops out puts the request back to new, to be matched again.
    S.ASSIGNED: frozenset({S.COMPLETED, S.CANCELLED, S.NEW}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.UNFILLED: frozenset({S.OFFERED, S.REFERRED, S.CANCELLED}),
    S.REFERRED: frozenset({S.CLOSED}),
    S.CANCELLED: frozenset(),
    S.CLOSED: frozenset(),
}


def can_transition(request: HelpRequest, to: RequestStatus) -> bool:
    """Whether ``request`` may move to ``to`` from where it is now."""
    return to in ALLOWED[request.status]


def record(
    request: HelpRequest,
    from_status: RequestStatus | None,
    to: RequestStatus,
    by,
    note: str = "",
    *,
    code: str = "",
    params: dict | None = None,
) -> RequestEvent:
    """Add the history line for a transition that has already been applied.

    ``note`` is only what a person typed (a reason); what the system says is a ``code`` with
    ``params``, rendered in the viewer's language by ``help_requests/event_labels.py``.
    """
    event = RequestEvent(
        request=request,
        from_status=from_status,
        to_status=to,
        by_id=by.id if by is not None else None,
        at=utcnow(),
        note=note,
        code=code,
        params=params or {},
    )
    db.session.add(event)
    return event


NOTE_LENGTH = 1000


def transition(
    request: HelpRequest,
    to: RequestStatus,
    by: User | None,
    note: str = "",
    *,
    code: str = "",
    params: dict | None = None,
):
    """Move ``request`` to ``to`` if the lifecycle allows it, and record who did it and when.

    The note (a reason a person typed, for cancel and release) is at most ``NOTE_LENGTH``
    characters; a line the system writes carries a ``code`` and ``params`` instead of words.
    """
    if len(note) > NOTE_LENGTH:
        raise Refused(_("At most %(max)d characters.", max=NOTE_LENGTH), "reason")
    if not can_transition(request, to):
        raise Refused(
            _("This request is %(status)s and cannot change to that state.", status=request.status),
            code="invalid_transition",
        )
    before = request.status
    # Conditional on the status we checked: if another transaction (an acceptance, the sweep)
    # moved the request meanwhile, this one changes nothing and says so; the caller's request
    # then answers 409 and its rollback undoes whatever was written before (no rollback here).
    db.session.flush()
    changed = db.session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request.id, HelpRequest.status == before)
        .values(status=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Refused(_("This request was changed meanwhile. Please reload."), code=CONFLICT)
    set_committed_value(request, "status", to)
    if before == S.ASSIGNED:  # released, cancelled or done: the video-call link ends with it
        from supporters.help_requests import video_rooms

        video_rooms.revoke(request, by)
    record(request, before, to, by, note, code=code, params=params)
    audit.record(f"request_{to.value}", request, note or code, user=by)
    return request


def cancel(request: HelpRequest, by: User, reason: str) -> HelpRequest:
    """The resident no longer needs help (or the request was a mistake). A reason is required."""
    _require(reason, "reason", _("Say why the request is cancelled."))
    _withdraw_open_offers(request)
    return transition(request, S.CANCELLED, by, reason.strip())


def refer(request: HelpRequest, by: User, service: str, note: str = "") -> HelpRequest:
    """Send the request to an outside service (e.g. a remote interpretation line)."""
    _require(service, "referred_to", _("Name the service the request is referred to."))
    _withdraw_open_offers(request)
    request.referred_to = service.strip()[:200]
    return transition(request, S.REFERRED, by, note.strip() or service.strip())


def complete(request: HelpRequest, by: User, note: str = "", *, code: str = "") -> HelpRequest:
    """The supporter has helped; only an assigned request can be completed."""
    return transition(request, S.COMPLETED, by, note.strip(), code=code)


def close(request: HelpRequest, by: User, note: str = "") -> HelpRequest:
    """Nothing more to do: completed and logged, or referred and confirmed."""
    return transition(request, S.CLOSED, by, note.strip())


def release(request: HelpRequest, by: User, reason: str) -> HelpRequest:
    """The assigned supporter cannot go after all: back to ``new`` to be matched again."""
    _require(reason, "reason", _("Say why the supporter is released."))
    if request.status != S.ASSIGNED:
        raise Refused(_("Only an assigned request can be released."), code="invalid_transition")
    request.assigned_supporter_id = None
    request.confirmed_at = None  # the next supporter confirms for themself
    return transition(request, S.NEW, by, reason.strip())


def mark_unfilled(
    request: HelpRequest, by: User | None, note: str = "", *, code: str = ""
) -> HelpRequest:
    """Nobody accepted in time: escalate to the coordinators' queue."""
    _withdraw_open_offers(request)
    return transition(request, S.UNFILLED, by, note, code=code)


def _withdraw_open_offers(request: HelpRequest) -> None:
    from supporters.help_requests import offers

    offers.withdraw_open(request, reason="request_closed")


def _require(value: str, field: str, message: str) -> None:
    if not (value or "").strip():
        raise Refused(message, field)
