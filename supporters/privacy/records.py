"""Finding a resident (reference, name or contact) and gathering everything held about them.

A resident has no account: they are the requests that share one ``resident_key`` (the keyed
hash of their contact), or a single request once its key has been dropped by anonymisation.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from supporters.extensions import db
from supporters.help_requests.intake import resident_key
from supporters.models import Activity, HelpRequest, Notification, OutboxMessage

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


@dataclass(frozen=True)
class SearchResult:
    """What a search found: how it searched (``reference``/``contact``/``name``) and the hits."""

    kind: str
    requests: list[HelpRequest]

    def groups(self) -> list[list[HelpRequest]]:
        """The hits grouped by resident (same ``resident_key``), first-found order."""
        grouped: dict[str, list[HelpRequest]] = {}
        for item in self.requests:
            grouped.setdefault(item.resident_key or f"request:{item.id}", []).append(item)
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
        stmt = select(HelpRequest).where(HelpRequest.resident_key == resident_key(query))
        return SearchResult(
            "contact", list(db.session.scalars(stmt.order_by(HelpRequest.id).limit(MAX_RESULTS)))
        )
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
    """The file of the resident who made ``anchor`` (every request sharing its resident key)."""
    if anchor.resident_key:
        stmt = select(HelpRequest).where(HelpRequest.resident_key == anchor.resident_key)
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
