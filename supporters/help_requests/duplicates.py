"""Likely duplicate requests: found at intake, shown to coordinators, merged or dismissed.

A resident who sends the public form twice (or phones after sending it) gets two reference
numbers. :func:`flag_duplicates` runs inside :func:`~supporters.help_requests.intake.take_request`
for every channel (console, public form, API): it compares the new request with the requests of
the days around it — the same contact (the keyed ``resident_key``), a similar name (NFKC, case,
spaces, accents, kana read as romaji, word order), the same appointment day or a request received
within :data:`RECEIVED_WINDOW` — and records a :class:`DuplicateCandidate` with the reasons as
codes. Nobody is refused and nothing is sent: the names compared never leave the database.

:func:`merge` cancels the later request as merged into the earlier one (a lifecycle transition
with the coded event ``merged_into``; the earlier request's history gains ``merged_from``), and
gives the later request the earlier one's resident key, so the resident has one history.
:func:`dismiss` records that the two are different people or needs.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from supporters import audit
from supporters.clock import JST, utcnow
from supporters.extensions import db
from supporters.help_requests import lifecycle
from supporters.models import (
    DuplicateCandidate,
    DuplicateStatus,
    HelpRequest,
    RequestEvent,
    RequestStatus,
    User,
)
from supporters.reference.romaji import hepburn, to_hiragana
from supporters.refusals import CONFLICT, Refused

# Requests received this close to each other are compared even for different appointment days.
RECEIVED_WINDOW = timedelta(days=2)
NAME_SIMILARITY = 0.85  # difflib ratio of the folded names
MAX_COMPARED = 500  # a day's intake is far smaller; a bound keeps a flood from slowing intake
# Requests in these states are not merge targets (a cancelled one may be a merged duplicate).
_CLOSED = (RequestStatus.CANCELLED,)
# Requests a merge can still close (the later one): nobody is assigned yet.
MERGEABLE = frozenset({RequestStatus.NEW, RequestStatus.OFFERED, RequestStatus.UNFILLED})
# The reasons a pair was flagged, as the coordinators read them.
REASON_LABELS = {
    "same_contact": _l("same phone or e-mail"),
    "similar_name": _l("similar name"),
    "same_day": _l("same day requested"),
    "received_close": _l("received within two days"),
}
# The coded history line of a request closed as merged into another (its status: cancelled).
MERGED_INTO = "merged_into"
_KANA = re.compile(r"^[\u3040-\u30ff\s・=＝ー\-]+$")
_COMBINING = re.compile("[\u0300-\u036f]")


def name_keys(name: str) -> tuple[str, frozenset[str]]:
    """A name as compared: folded letters without spaces, and its set of folded words.

    ``Phạm Thị Mai``, ``pham thi MAI``, ``ＰＨＡＭ　ＴＨＩ　ＭＡＩ`` and ``Mai Pham Thi`` fold alike
    (word order is ignored by the word set); a name written in kana is read in Hepburn first, so
    ``ファム ティ マイ`` compares as ``famu tei mai`` (close enough only when the spellings are).
    """
    text = unicodedata.normalize("NFKC", name or "").strip()
    if text and _KANA.match(text):
        text = hepburn(to_hiragana(text.replace("・", " ").replace("=", " ")))
    text = text.casefold().replace("đ", "d")
    text = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    text = unicodedata.normalize("NFC", text)
    words = frozenset(w for w in re.split(r"[\s,.・\-]+", text) if w)
    return "".join(sorted(words)), words


def similar_names(a: str, b: str) -> bool:
    """Whether two names are probably the same person's (see :func:`name_keys`)."""
    key_a, words_a = name_keys(a)
    key_b, words_b = name_keys(b)
    if not key_a or not key_b:
        return False
    if key_a == key_b or words_a == words_b:
        return True
    return difflib.SequenceMatcher(None, key_a, key_b).ratio() >= NAME_SIMILARITY


def reasons_for(new: HelpRequest, other: HelpRequest) -> list[str]:
    """Why ``other`` may be the same request as ``new`` (codes), or [] when it is not."""
    who = []
    if new.resident_key and new.resident_key == other.resident_key:
        who.append("same_contact")
    if similar_names(new.requester_name, other.requester_name):
        who.append("similar_name")
    when = []
    if new.starts_at.astimezone(JST).date() == other.starts_at.astimezone(JST).date():
        when.append("same_day")
    received = new.created_at or utcnow()
    if abs(received - other.created_at) <= RECEIVED_WINDOW:
        when.append("received_close")
    return who + when if who and when else []


def merged_away(request_id):
    """SQL: the request ``request_id`` (a column) was merged into another one.

    Reports and coverage leave such a request out: it is the same resident's need as the request
    it was merged into, which is counted — neither a cancelled request nor a second one.
    """
    return exists().where(RequestEvent.request_id == request_id, RequestEvent.code == MERGED_INTO)


def flag_duplicates(new: HelpRequest) -> list[DuplicateCandidate]:
    """Record the earlier requests ``new`` probably repeats (called by intake, after flush)."""
    received = new.created_at or utcnow()
    day = new.starts_at.astimezone(JST).replace(hour=0, minute=0, second=0, microsecond=0)
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.id != new.id,
            HelpRequest.anonymised_at.is_(None),
            HelpRequest.status.not_in(_CLOSED),
            or_(
                HelpRequest.created_at >= received - RECEIVED_WINDOW,
                (HelpRequest.starts_at >= day) & (HelpRequest.starts_at < day + timedelta(days=1)),
            ),
        )
        .order_by(HelpRequest.id)
        .limit(MAX_COMPARED)
    )
    found = []
    for other in db.session.scalars(stmt):
        reasons = reasons_for(new, other)
        if reasons:
            found.append(DuplicateCandidate(request_id=new.id, other_id=other.id, reasons=reasons))
    db.session.add_all(found)
    if found:
        db.session.flush()
    return found


def open_candidates(request_ids) -> dict[int, list[DuplicateCandidate]]:
    """Open duplicate candidates touching each of ``request_ids`` (either side), by request id."""
    ids = sorted(set(request_ids))
    result: dict[int, list[DuplicateCandidate]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = db.session.scalars(
        select(DuplicateCandidate)
        .where(
            DuplicateCandidate.status == DuplicateStatus.OPEN,
            or_(DuplicateCandidate.request_id.in_(ids), DuplicateCandidate.other_id.in_(ids)),
        )
        .order_by(DuplicateCandidate.id)
    )
    for row in rows:
        for side in (row.request_id, row.other_id):
            if side in result:
                result[side].append(row)
    return result


@dataclass(frozen=True)
class PossibleDuplicate:
    """An open candidate as seen from one of its two requests: the other one, and why."""

    candidate_id: int
    other_id: int
    other_reference: str
    other_status: RequestStatus
    other_received_at: datetime
    reasons: tuple[str, ...]
    merge_closes_this: bool  # this request is the later one: a merge cancels it


def possible_duplicates(request_ids) -> dict[int, list[PossibleDuplicate]]:
    """:func:`open_candidates` as plain facts (references, statuses, reason codes), in one
    statement whatever the number of requests — for the API's item and list."""
    ids = sorted(set(request_ids))
    result: dict[int, list[PossibleDuplicate]] = {i: [] for i in ids}
    if not ids:
        return result
    later, earlier = aliased(HelpRequest), aliased(HelpRequest)
    rows = db.session.execute(
        select(
            DuplicateCandidate.id,
            DuplicateCandidate.reasons,
            *(side.id for side in (later, earlier)),
            *(side.reference for side in (later, earlier)),
            *(side.status for side in (later, earlier)),
            *(side.created_at for side in (later, earlier)),
        )
        .join(later, later.id == DuplicateCandidate.request_id)
        .join(earlier, earlier.id == DuplicateCandidate.other_id)
        .where(
            DuplicateCandidate.status == DuplicateStatus.OPEN,
            or_(DuplicateCandidate.request_id.in_(ids), DuplicateCandidate.other_id.in_(ids)),
        )
        .order_by(DuplicateCandidate.id)
    )
    for cid, reasons, *facts in rows:
        sides = list(zip(*[facts[i : i + 2] for i in range(0, 8, 2)], strict=True))
        last = max(sides, key=lambda side: (side[3], side[0]))[0]  # as :func:`merge` orders
        for this, other in (sides, sides[::-1]):
            if this[0] in result:
                result[this[0]].append(
                    PossibleDuplicate(cid, *other, tuple(reasons or ()), this[0] == last)
                )
    return result


def candidate_or_none(request: HelpRequest, candidate_id: int) -> DuplicateCandidate | None:
    """The candidate ``candidate_id`` if it involves ``request`` (else None: a 404)."""
    row = db.session.get(DuplicateCandidate, candidate_id)
    if row is None or request.id not in (row.request_id, row.other_id):
        return None
    return row


def _later_and_earlier(row: DuplicateCandidate) -> tuple[HelpRequest, HelpRequest]:
    first, second = sorted((row.request, row.other), key=lambda r: (r.created_at, r.id))
    return second, first


def _decide(row: DuplicateCandidate, status: DuplicateStatus, by: User) -> None:
    if row.status != DuplicateStatus.OPEN:
        raise Refused(_("This possible duplicate was already decided."), code=CONFLICT)
    row.status = status
    row.decided_by_id = by.id
    row.decided_at = utcnow()


def merge(row: DuplicateCandidate, by: User) -> HelpRequest:
    """Close the later request of ``row`` as merged into the earlier one; returns the earlier.

    The later request must still be waiting (new, offered or unfilled: nobody assigned); its
    open offers are withdrawn by the cancellation. Other open candidates of the later request
    are dismissed with it. Raises :class:`Refused` (nothing written then).
    """
    later, earlier = _later_and_earlier(row)
    if later.status not in MERGEABLE:
        raise Refused(
            _("Only a request that is still waiting can be merged into another one."),
            code="invalid_transition",
        )
    _decide(row, DuplicateStatus.MERGED, by)
    lifecycle._withdraw_open_offers(later)
    lifecycle.transition(
        later,
        RequestStatus.CANCELLED,
        by,
        code=MERGED_INTO,
        params={"request_id": earlier.id, "reference": earlier.reference},
    )
    lifecycle.record(
        earlier,
        earlier.status,
        earlier.status,
        by,
        code="merged_from",
        params={"request_id": later.id, "reference": later.reference},
    )
    # One history per resident: the later request now counts as the same resident's.
    if earlier.resident_key:
        later.resident_key = earlier.resident_key
    for other in open_candidates([later.id])[later.id]:
        if other.id != row.id:
            _decide(other, DuplicateStatus.DISMISSED, by)
    db.session.flush()
    audit.record("request_merged", later, earlier.reference, user=by)
    return earlier


def dismiss(row: DuplicateCandidate, by: User) -> DuplicateCandidate:
    """Record that the two requests of ``row`` are not the same (they stay as they are)."""
    _decide(row, DuplicateStatus.DISMISSED, by)
    db.session.flush()
    audit.record("duplicate_dismissed", row.request, row.other.reference, user=by)
    return row
