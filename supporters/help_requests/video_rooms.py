"""Video-call links for assigned video requests: made for the two parties, revoked when that ends.

When a request whose mode is video is assigned and the installation has a video service
(``VIDEO_BASE_URL``, e.g. a self-hosted Jitsi Meet), :func:`open_room` gives it a room whose
name is random and nothing else — no reference, name, language or municipality — so the link
tells whoever sees it nothing and cannot be guessed. Only the assigned supporter (their offer and
assignment pages) and the resident (the status page, with reference and contact) are shown the
link (:func:`link_for_supporter`, :func:`link_for_resident`); staff see only that a room exists
(:func:`has_room`). It is never put in a message, a log line or the audit trail. Leaving the
assigned state (released, cancelled, done) revokes the room (:func:`revoke`), so a supporter
who was taken off a request loses the link, and the next supporter gets a new room.
"""

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from supporters import audit, config
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, Mode, RequestStatus, User, VideoRoom

# Only video requests get a room: a phone request is a phone call to the number the supporter
# reads once assigned (docs/decisions.md).
VIDEO_MODES = frozenset({Mode.VIDEO})
ROOM_BYTES = 24  # 192 random bits: 32 URL-safe characters


def base_url() -> str:
    """The video service's base URL, or "" when links are off (unset, or not an https address:
    the environment's value is checked at start-up, a value given in code is checked here)."""
    try:
        return config.video_base_url(current_app.config.get("VIDEO_BASE_URL") or "")
    except ValueError:
        return ""


def enabled() -> bool:
    """Whether this installation makes video-call links at all."""
    return bool(base_url())


def new_room_name() -> str:
    """A room name that is random and nothing else."""
    return secrets.token_urlsafe(ROOM_BYTES)


def live_room(request: HelpRequest) -> VideoRoom | None:
    """The request's room that is not revoked, if any."""
    return db.session.scalar(
        select(VideoRoom).where(VideoRoom.request_id == request.id, VideoRoom.revoked_at.is_(None))
    )


def open_room(request: HelpRequest, by: User | None = None) -> VideoRoom | None:
    """Give an assigned video request its room (idempotent); None when no room is due.

    A live room of another supporter (left by a change this module did not see) is revoked
    first, so the room always belongs to the supporter assigned now.
    """
    if not _wants_room(request):
        return None
    room = live_room(request)
    if room is not None and room.supporter_id == request.assigned_supporter_id:
        return room
    if room is not None:
        revoke(request, by)
    room = VideoRoom(
        request_id=request.id, supporter_id=request.assigned_supporter_id, room=new_room_name()
    )
    db.session.add(room)
    db.session.flush()
    audit.record("video_room_opened", room, "", user=by)  # never the room's name
    return room


def revoke(request: HelpRequest, by: User | None = None, now: datetime | None = None) -> int:
    """Revoke the request's live room (the supporter released, the request cancelled or done).

    Returns how many rooms were revoked (0 or 1; the partial unique index allows no more).
    """
    rooms = list(
        db.session.scalars(
            select(VideoRoom).where(
                VideoRoom.request_id == request.id, VideoRoom.revoked_at.is_(None)
            )
        )
    )
    for room in rooms:
        room.revoked_at = now or utcnow()
        audit.record("video_room_revoked", room, "", user=by)
    db.session.flush()
    return len(rooms)


def has_room(request: HelpRequest) -> bool:
    """Whether the request has a live room now (what staff may know; never the link)."""
    return _shown_room(request) is not None


def link_for_supporter(request: HelpRequest, supporter_id: int | None) -> str | None:
    """The link for ``supporter_id`` if the request's live room is theirs, else None."""
    room = _shown_room(request)
    if room is None or supporter_id is None or room.supporter_id != supporter_id:
        return None
    return _link(room)


def link_for_resident(request: HelpRequest) -> str | None:
    """The link for the resident who opened the status page with reference and contact."""
    room = _shown_room(request)
    return _link(room) if room is not None else None


def _wants_room(request: HelpRequest) -> bool:
    return (
        enabled()
        and request.mode in VIDEO_MODES
        and request.status == RequestStatus.ASSIGNED
        and request.assigned_supporter_id is not None
    )


def _shown_room(request: HelpRequest) -> VideoRoom | None:
    """The live room, only while it is still due: the same supporter still assigned, and video."""
    if not _wants_room(request):
        return None
    room = live_room(request)
    if room is None or room.supporter_id != request.assigned_supporter_id:
        return None
    return room


def _link(room: VideoRoom) -> str:
    return f"{base_url()}/{room.room}"
