"""Models → the API's dicts, with the same visibility rules as the pages (from ``access``)."""

from flask_login import current_user
from sqlalchemy import Select

from supporters.access import can_see_contact
from supporters.extensions import db
from supporters.help_requests import duplicates, policy
from supporters.models import Activity, HelpRequest, Mode, Offer, Supporter
from supporters.stipends.months import month_text


def page(stmt: Select, args: dict, present=None, present_all=None) -> dict:
    """One page of ``stmt``'s rows, each through ``present`` (or all at once through
    ``present_all``), with the page metadata."""
    result = db.paginate(
        stmt, page=args["page"], per_page=args["per_page"], max_per_page=100, error_out=False
    )
    items = present_all(result.items) if present_all else [present(row) for row in result.items]
    return {
        "items": items,
        "total": result.total or 0,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


def supporter(s: Supporter, with_contact: bool = False) -> dict:
    """A registry record; contact details only when asked for and allowed."""
    shown = with_contact and can_see_contact(current_user, s)
    languages = sorted(s.languages, key=lambda entry: entry.rank)
    return {
        "id": s.id,
        "display_name": s.display_name,
        "status": s.status,
        "home_municipality_code": s.home_municipality_code,
        "served_municipality_codes": sorted(m.code for m in s.served_municipalities),
        "languages": [{"code": e.language_code, "level": e.level} for e in languages],
        "japanese_level": s.japanese_level,
        "origins": sorted(o.country_code for o in s.origins),
        "modes": [
            mode
            for mode, offered in (
                (Mode.IN_PERSON, s.offers_in_person),
                (Mode.PHONE, s.offers_phone),
                (Mode.VIDEO, s.offers_video),
            )
            if offered
        ],
        "monthly_case_cap": s.monthly_case_cap,
        "training_cohort": s.training_cohort,
        "applied_on": s.applied_on,
        "certified_on": s.certified_on,
        "suspended_on": s.suspended_on,
        "retired_on": s.retired_on,
        "certificate_number": s.certificate_number,
        "paused_until": s.paused_until,
        "email": s.email if shown else None,
        "phone": s.phone if shown else None,
        "gender": s.gender if shown else None,
        "notes": s.notes if shown else None,
    }


def offer(o: Offer) -> dict:
    return {
        "id": o.id,
        "request_id": o.request_id,
        "supporter_id": o.supporter_id,
        "status": o.status,
        "rank": o.rank,
        "sent_at": o.sent_at,
        "expires_at": o.expires_at,
        "answered_at": o.answered_at,
        "decline_reason": o.decline_reason,
    }


def help_request(r: HelpRequest, with_offers: bool = True, fields=None, possible=None) -> dict:
    """A request through the field policy: a field the caller may not read is ``null``.

    ``fields`` are the readable fields when the caller already has them (a page of requests
    reads them with one audit event per request); otherwise they are read, and audited, here.
    ``possible``: its open possible duplicates when a page already looked them up.
    """
    if fields is None:
        fields = policy.read_request(r)

    def shown(name: str, value):
        return value if name in fields else None

    requester = None
    if fields & (policy.CONTACT | policy.PROFILE):
        requester = {
            "name": shown("requester_name", r.requester_name),
            "contact": shown("requester_contact", r.requester_contact),
            "nationality": shown("requester_nationality", r.requester_nationality),
            "residence_status": shown("residence_status", r.residence_status),
        }
    data = {"id": r.id}
    for name in REQUEST_FIELDS:
        data[name] = shown(name, getattr(r, name))
    data["requester"] = requester
    if with_offers:
        data["offers"] = [offer(o) for o in r.offers] if "offers" in fields else None
    data["duplicates"] = None
    if "duplicates" in fields:
        if possible is None:
            possible = duplicates.possible_duplicates([r.id])[r.id]
        data["duplicates"] = [duplicate(d) for d in possible]
    return data


def duplicate(d) -> dict:
    """An open possible duplicate of a request: the other request's reference, status and the
    reasons as codes — never its resident's details (those are read on the other request)."""
    return {
        "candidate_id": d.candidate_id,
        "request_id": d.other_id,
        "reference": d.other_reference,
        "status": d.other_status,
        "received_at": d.other_received_at,
        "reasons": list(d.reasons),
        "merge_closes_this": d.merge_closes_this,
    }


# The request's own columns in the API, in the order of ``RequestSchema``.
REQUEST_FIELDS = (
    "reference",
    "category",
    "mode",
    "language_code",
    "municipality_code",
    "place_name",
    "place_address",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "urgency",
    "preferred_gender",
    "source",
    "sensitive",
    "status",
    "answer_by",
    "assigned_supporter_id",
    "referred_to",
    "created_at",
    "need",
)


def help_requests(rows: list[HelpRequest]) -> list[dict]:
    """A page of requests: one field-policy read (and audit event) per request shown."""
    shown = policy.read_requests(rows)
    possible = duplicates.possible_duplicates(r.id for r in rows if "duplicates" in shown[r.id])
    return [help_request(r, fields=shown[r.id], possible=possible.get(r.id)) for r in rows]


def own_offer(o: Offer) -> dict:
    """An offer as its supporter sees it, with the request (as much as they may see)."""
    return {**offer(o), "request": help_request(o.request, with_offers=False)}


def activity(a: Activity, readable: set[int] | None = None) -> dict:
    """A case-log entry; the notes only for who may read them (``policy.case_notes_readable``).

    ``readable``: the ids whose notes the caller may read, when a page already worked them out
    (and audited the reads) through ``activities.queries.notes_shown``.
    """
    if readable is None:
        readable = {a.id} if policy.case_notes_readable(current_user, a) else set()
    notes = a.notes if a.id in readable else None
    return {
        "id": a.id,
        "supporter_id": a.supporter_id,
        "request_id": a.request_id,
        "happened_on": a.happened_on,
        "duration_minutes": a.duration_minutes,
        "category": a.category,
        "mode": a.mode,
        "municipality_code": a.municipality_code,
        "language_code": a.language_code,
        "outcome": a.outcome,
        "people_reached": a.people_reached,
        "follow_up_needed": a.follow_up_needed,
        "notes": notes,
        "logged_by_id": a.logged_by_id,
        "created_at": a.created_at,
    }


def activities(rows: list[Activity]) -> list[dict]:
    """A page of case-log entries; each note shown to someone other than its author is an
    audited read."""
    from supporters.activities.queries import notes_shown

    readable = notes_shown(rows)
    return [activity(a, readable) for a in rows]


def stipend_line(line, name: str) -> dict:
    return {
        "id": line.id,
        "supporter_id": line.supporter_id,
        "supporter_name": name,
        "kind": line.kind.value,
        "amount_yen": line.amount_yen,
        "concerns_month": month_text(line.concerns_month) if line.concerns_month else None,
        "reason": line.reason,
        "paid": line.payment_id is not None,
    }
