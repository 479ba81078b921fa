"""What the header's search finds, within what the searching user may see.

A query is read as a reference number (``r-7kq2 m4xd`` → ``R-7KQ2-M4XD``), a contact (an e-mail
address or six digits or more: compared through the keyed ``resident_key``, so no contact is
searched in clear) or part of a name (NFKC, case, spaces and Latin accents folded, as the
residents' rights search does). Who may search what is ``access.py``'s; the page audits each
request it shows with personal fields through the field policy, as the request page does.
"""

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select

from supporters.access import can_search_residents, can_search_supporters, scope_requests
from supporters.extensions import db
from supporters.help_requests.intake import resident_key
from supporters.models import HelpRequest, Supporter, User
from supporters.privacy.records import fold, linked_keys, looks_like_contact, reference_of

MAX_HITS = 20
MIN_QUERY = 2
MAX_QUERY = 100


@dataclass
class Found:
    """The hits of one search: how the query was read and the requests and supporters found."""

    query: str
    kind: str = ""  # reference | contact | name | "" (too short)
    requests: list[HelpRequest] = field(default_factory=list)
    supporters: list[Supporter] = field(default_factory=list)


def search(query: str, user: User) -> Found:
    """Search for ``query`` as ``user`` (at most :data:`MAX_HITS` of each kind, newest first)."""
    query = unicodedata.normalize("NFKC", query or "").strip()[:MAX_QUERY]
    found = Found(query)
    if len(fold(query)) < MIN_QUERY:
        return found
    reference = reference_of(query)
    if reference is not None:
        stmt = scope_requests(select(HelpRequest).where(HelpRequest.reference == reference), user)
        found.requests = list(db.session.scalars(stmt))
        if found.requests:
            found.kind = "reference"
            return found
    residents, supporters = can_search_residents(user), can_search_supporters(user)
    if looks_like_contact(query):
        found.kind = "contact"
        if residents:
            # Also the requests a merge joined to this contact (the resident's one history).
            keys = sorted(linked_keys([resident_key(query)]))
            found.requests = _requests_where(user, HelpRequest.resident_key.in_(keys))
        if supporters:
            found.supporters = _supporters_by_contact(query)
        return found
    found.kind = "name"
    if residents:
        found.requests = _requests_by_name(user, fold(query))
    if supporters:
        found.supporters = _supporters_by_name(fold(query))
    return found


def _requests_where(user: User, *conditions) -> list[HelpRequest]:
    stmt = select(HelpRequest).where(*conditions).order_by(HelpRequest.created_at.desc())
    return list(db.session.scalars(scope_requests(stmt, user).limit(MAX_HITS)))


def _requests_by_name(user: User, wanted: str) -> list[HelpRequest]:
    """Partial name match, compared in Python (NFKC is not SQL): only ids and names are read."""
    rows = db.session.execute(
        scope_requests(
            select(HelpRequest.id, HelpRequest.requester_name).where(
                HelpRequest.anonymised_at.is_(None)
            ),
            user,
        ).order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
    )
    ids = [row.id for row in rows if wanted in fold(row.requester_name)][:MAX_HITS]
    return _requests_where(user, HelpRequest.id.in_(ids)) if ids else []


def _supporters_by_name(wanted: str) -> list[Supporter]:
    rows = db.session.execute(select(Supporter.id, Supporter.display_name, Supporter.email))
    ids = [
        row.id
        for row in rows
        if wanted in fold(row.display_name) or wanted in (row.email or "").casefold()
    ][:MAX_HITS]
    return _supporters(ids)


def _supporters_by_contact(query: str) -> list[Supporter]:
    text = query.casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    rows = db.session.execute(select(Supporter.id, Supporter.email, Supporter.phone))
    ids = [
        row.id
        for row in rows
        if ("@" in text and text in (row.email or "").casefold())
        or ("@" not in text and digits in "".join(ch for ch in row.phone or "" if ch.isdigit()))
    ][:MAX_HITS]
    return _supporters(ids)


def _supporters(ids: list[int]) -> list[Supporter]:
    if not ids:
        return []
    stmt = select(Supporter).where(Supporter.id.in_(ids)).order_by(Supporter.display_name)
    return list(db.session.scalars(stmt))
