"""Models → the API's dicts, with the same visibility rules as the pages (from ``access``)."""

from flask_login import current_user
from sqlalchemy import Select

from supporters.access import STAFF, can_see_contact, can_see_requester
from supporters.extensions import db
from supporters.models import Activity, HelpRequest, Mode, Offer, Role, Supporter
from supporters.stipends.months import month_text


def page(stmt: Select, args: dict, present) -> dict:
    """One page of ``stmt``'s rows, each through ``present``, with the page metadata."""
    result = db.paginate(
        stmt, page=args["page"], per_page=args["per_page"], max_per_page=100, error_out=False
    )
    return {
        "items": [present(row) for row in result.items],
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


def help_request(r: HelpRequest, with_offers: bool = True) -> dict:
    """A request; the resident's details (and a hospital request's need) only for who may."""
    requester = can_see_requester(current_user, r)
    data = {
        "id": r.id,
        "reference": r.reference,
        "category": r.category,
        "mode": r.mode,
        "language_code": r.language_code,
        "municipality_code": r.municipality_code,
        "place_name": r.place_name,
        "place_address": r.place_address,
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
        "duration_minutes": r.duration_minutes,
        "urgency": r.urgency,
        "preferred_gender": r.preferred_gender,
        "source": r.source,
        "sensitive": r.sensitive,
        "status": r.status,
        "answer_by": r.answer_by,
        "assigned_supporter_id": r.assigned_supporter_id,
        "created_at": r.created_at,
        "need": r.need if requester or not r.sensitive else "",
        "requester": (
            {
                "name": r.requester_name,
                "contact": r.requester_contact,
                "nationality": r.requester_nationality,
                "residence_status": r.residence_status,
            }
            if requester
            else None
        ),
    }
    if with_offers:
        staff = current_user.role in STAFF
        data["offers"] = [offer(o) for o in r.offers] if staff else []
    return data


def own_offer(o: Offer) -> dict:
    """An offer as its supporter sees it, with the request (as much as they may see)."""
    return {**offer(o), "request": help_request(o.request, with_offers=False)}


def activity(a: Activity) -> dict:
    notes = a.notes if current_user.role != Role.MUNICIPAL_OFFICER else None
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
