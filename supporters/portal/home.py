"""What the supporter's home shows, read in a fixed few statements whatever the data.

The home is the page supporters open most, on phones, so it has a query budget (four statements
with the sign-in check, ``tests/test_query_budgets.py``). Each figure's rule stays with its area;
this module only asks for the areas' statements together.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, null, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from supporters.activities.drafts import own_draft_statement
from supporters.activities.queries import activity_count_statement
from supporters.continuation.service import question_statement
from supporters.extensions import db
from supporters.models import (
    ActivityDraft,
    ContinuationCheck,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
    StipendRule,
    Supporter,
    User,
)
from supporters.notify.inbox import unread_count_statement
from supporters.stipends.rules import eligible, history_of
from supporters.stipends.settings import default_rule, rule_statement


@dataclass(frozen=True)
class HomeFigures:
    """The home's counts and flags for this month (``month`` is its first day, JST)."""

    unread_notifications: int
    activity_count: int
    stipend_expected: bool
    stipend_amount_yen: int
    continuation_pending: bool
    draft_path: str | None


def figures(user: User, supporter: Supporter, month: date) -> HomeFigures:
    """The home's figures: one statement of scalar sub-selects, plus the status history."""
    draft = own_draft_statement(user.id)
    row = db.session.execute(
        select(
            unread_count_statement(user.id).scalar_subquery().label("unread"),
            activity_count_statement(supporter.id, month).scalar_subquery().label("activities"),
            rule_statement(month).with_only_columns(StipendRule.amount_yen).scalar_subquery(),
            question_statement(supporter.id)
            .where(ContinuationCheck.answer.is_(None))
            .exists()
            .label("pending"),
            null()
            if draft is None
            else draft.with_only_columns(ActivityDraft.path).limit(1).scalar_subquery(),
        )
    ).one()
    unread, activities, amount, pending, draft_path = row
    (stipend,) = eligible([month], history_of(supporter))  # the history: one more statement
    return HomeFigures(
        unread_notifications=unread,
        activity_count=activities,
        stipend_expected=stipend.eligible,
        stipend_amount_yen=default_rule().amount_yen if amount is None else amount,
        continuation_pending=bool(pending),
        draft_path=draft_path,
    )


def offers_and_assignments(
    supporter_id: int, now: datetime
) -> tuple[list[Offer], list[HelpRequest]]:
    """Open offers (expiring first) and assignments (coming first, then those awaiting a log).

    One statement: the requests offered to or assigned to the supporter, each with its open
    offer (if any) and its municipality.
    """
    offered = and_(
        Offer.request_id == HelpRequest.id,
        Offer.supporter_id == supporter_id,
        Offer.status == OfferStatus.OPEN,
        Offer.expires_at > now,
    )
    assigned = and_(
        HelpRequest.assigned_supporter_id == supporter_id,
        HelpRequest.status == RequestStatus.ASSIGNED,
    )
    rows = db.session.execute(
        select(HelpRequest, Offer)
        .outerjoin(Offer, offered)
        .where(or_(assigned, Offer.id.is_not(None)))
        .options(
            joinedload(HelpRequest.municipality),
            joinedload(HelpRequest.language),  # held, so the labels find it in the session
            contains_eager(Offer.request),
        )
    ).all()
    offers = sorted((offer for _, offer in rows if offer is not None), key=_expiry)
    mine = {
        request.id: request
        for request, _ in rows
        if request.assigned_supporter_id == supporter_id
        and request.status == RequestStatus.ASSIGNED
    }
    assignments = sorted(mine.values(), key=lambda request: request.starts_at)
    coming = [r for r in assignments if r.ends_at >= now]
    return offers, coming + [r for r in assignments if r.ends_at < now]


def _expiry(offer: Offer) -> datetime:
    return offer.expires_at
