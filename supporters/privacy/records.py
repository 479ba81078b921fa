"""Finding a resident (reference, name or contact) and gathering everything held about them.

A resident has no account: they are the requests that share one ``resident_key`` (the keyed
hash of their contact), or a single request once its key has been dropped by anonymisation.
A merge (``help_requests/duplicates.py``) joins two requests into one resident: the later
request takes the earlier one's key, and the contact it was sent with still finds it
(:func:`linked_keys`) — by either contact, the resident's one history.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from supporters.extensions import db
from supporters.help_requests.intake import resident_key
from supporters.models import (
    Activity,
    DuplicateCandidate,
    DuplicateStatus,
    HelpRequest,
    Notification,
    OutboxMessage,
)

MAX_RESULTS = 50
MIN_NAME_CHARS = 2
_REFERENCE_RE = re.compile(r"^R?([A-Z0-9]{8})$")
_COMBINING = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """A name as compared by the search: NFKC, case-folded, no spaces, no Latin accents.

    ``Phạm Thị Mai``, ``pham thi mai`` and ``ＰＨＡＭ　ＴＨＩ`` fold alike; Japanese kana keep
    their voicing marks (only the Latin combining accents U+0300–U+036F are dropped).
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("đ", "d")
    text = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if not ch.isspace())


def reference_of(query: str) -> str | None:
    """``r-7kq2-m4xd``, ``７KQ2 M4XD`` → ``R-7KQ2-M4XD``; None if it cannot be a reference."""
    compact = re.sub(r"[\s\-‐‑–—ー]", "", unicodedata.normalize("NFKC", query)).upper()
    match = _REFERENCE_RE.match(compact)
    if not match:
        return None
    chars = match.group(1)
    return f"R-{chars[:4]}-{chars[4:]}"


def looks_like_contact(query: str) -> bool:
    """An e-mail address or a phone number (six digits or more)."""
    text = unicodedata.normalize("NFKC", query)
    return "@" in text or sum(ch.isdigit() for ch in text) >= 6


def linked_keys(keys) -> dict[str, str]:
    """``keys`` and every resident key a merge joined to them, each → its resident's one key.

    A merged request carries the earlier request's key; its own contact's key is worked out
    again from the contact it still holds (merges are few: coordinators decide each one), and
    the two requests of a merge are the same resident however their contacts changed since.
    """
    wanted = {key for key in keys if key}
    pairs = db.session.execute(
        select(DuplicateCandidate.request_id, DuplicateCandidate.other_id).where(
            DuplicateCandidate.status == DuplicateStatus.MERGED
        )
    ).all()
    if not pairs or not wanted:
        return {key: key for key in wanted}
    ids = {i for pair in pairs for i in pair}
    held = {
        row.id: row
        for row in db.session.execute(
            select(HelpRequest.id, HelpRequest.resident_key, HelpRequest.requester_contact).where(
                HelpRequest.id.in_(ids), HelpRequest.anonymised_at.is_(None)
            )
        )
    }
    edges: dict[str, set[str]] = {}

    def join(a: str, b: str) -> None:
        if a and b and a != b:
            edges.setdefault(a, set()).add(b)
            edges.setdefault(b, set()).add(a)

    for row in held.values():
        if row.requester_contact.strip():
            join(row.resident_key, resident_key(row.requester_contact))
    for later, earlier in pairs:
        if later in held and earlier in held:
            join(held[later].resident_key, held[earlier].resident_key)
    found: dict[str, str] = {}
    for start in sorted(wanted):
        if start in found:
            continue
        component, todo = {start}, [start]
        while todo:
            for other in edges.get(todo.pop(), ()):
                if other not in component:
                    component.add(other)
                    todo.append(other)
        first = min(component)
        found.update(dict.fromkeys(component, first))
    return found


@dataclass(frozen=True)
class SearchResult:
    """What a search found: how it searched (``reference``/``contact``/``name``) and the hits."""

    kind: str
    requests: list[HelpRequest]
    # resident key → the key of the resident it belongs to (contacts joined by a merge).
    same_resident: dict[str, str] = field(default_factory=dict)

    def groups(self) -> list[list[HelpRequest]]:
        """The hits grouped by resident (same ``resident_key``, or keys a merge joined),
        first-found order."""
        keys = self.same_resident or linked_keys(item.resident_key for item in self.requests)
        grouped: dict[str, list[HelpRequest]] = {}
        for item in self.requests:
            key = keys.get(item.resident_key, item.resident_key) or f"request:{item.id}"
            grouped.setdefault(key, []).append(item)
        return list(grouped.values())


def find(query: str) -> SearchResult:
    """Requests of the resident ``query`` names: a reference, a contact, or part of a name."""
    query = query.strip()
    reference = reference_of(query)
    if reference is not None:
        hits = db.session.scalars(select(HelpRequest).where(HelpRequest.reference == reference))
        found = list(hits)
        if found:
            return SearchResult("reference", found)
    if looks_like_contact(query):
        keys = linked_keys([resident_key(query)])
        stmt = select(HelpRequest).where(HelpRequest.resident_key.in_(sorted(keys)))
        found = list(db.session.scalars(stmt.order_by(HelpRequest.id).limit(MAX_RESULTS)))
        return SearchResult("contact", found, keys)
    return SearchResult("name", _by_name(query))


def _by_name(query: str) -> list[HelpRequest]:
    """Partial, normalised name match. Names are compared in Python (NFKC is not SQL); only the
    id and name columns of requests still holding a name are read."""
    wanted = fold(query)
    if len(wanted) < MIN_NAME_CHARS:
        return []
    rows = db.session.execute(
        select(HelpRequest.id, HelpRequest.requester_name)
        .where(HelpRequest.anonymised_at.is_(None))
        .order_by(HelpRequest.id)
    )
    ids = [row.id for row in rows if wanted in fold(row.requester_name)][:MAX_RESULTS]
    if not ids:
        return []
    return list(
        db.session.scalars(select(HelpRequest).where(HelpRequest.id.in_(ids)).order_by("id"))
    )


@dataclass
class ResidentFile:
    """Everything held about one resident: their requests (with consent, history and offers),
    the case logs of those requests, and the notifications and messages that point at them."""

    anchor: HelpRequest
    requests: list[HelpRequest]
    activities: list[Activity] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        """The resident's reference numbers, oldest request first."""
        return [item.reference for item in self.requests]

    @property
    def anonymised(self) -> bool:
        """Whether every request of the file has been anonymised."""
        return all(item.anonymised_at is not None for item in self.requests)


def _links(requests: list[HelpRequest]) -> list[str]:
    """The in-app paths that notifications about these requests point at."""
    links = [f"/requests/{item.id}" for item in requests]
    links += [f"/me/offers/{offer.id}" for item in requests for offer in item.offers]
    return links


def resident_file(anchor: HelpRequest) -> ResidentFile:
    """The file of the resident who made ``anchor``: every request sharing its resident key or
    a key a merge joined to it."""
    if anchor.resident_key:
        keys = sorted(linked_keys([anchor.resident_key]))
        stmt = select(HelpRequest).where(HelpRequest.resident_key.in_(keys))
        requests = list(db.session.scalars(stmt.order_by(HelpRequest.created_at, HelpRequest.id)))
    else:
        requests = [anchor]
    ids = [item.id for item in requests]
    activities = db.session.scalars(
        select(Activity).where(Activity.request_id.in_(ids)).order_by(Activity.happened_on)
    )
    links = _links(requests)
    notifications = db.session.scalars(
        select(Notification).where(Notification.link.in_(links)).order_by(Notification.id)
    )
    outbox = db.session.scalars(
        select(OutboxMessage)
        .where(or_(*(OutboxMessage.body.contains(link + "\n", autoescape=True) for link in links)))
        .order_by(OutboxMessage.id)
    )
    return ResidentFile(anchor, requests, list(activities), list(notifications), list(outbox))
