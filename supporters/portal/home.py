"""What the supporter's home shows, read in a fixed few statements whatever the data.

The home is the page supporters open most, on phones, so it has a query budget (three
statements with the sign-in check, ``tests/test_query_budgets.py``). Each figure's rule stays with
its area; this module only asks for the areas' statements together.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, String, and_, bindparam, cast, func, null, or_, select, union
from sqlalchemy.orm import contains_eager

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
    SupporterStatusChange,
    User,
)
from supporters.models.stipend import BankAccount
from supporters.notify.inbox import unread_count_statement
from supporters.stipends.rules import StatusFrom, dated_history, eligible
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
    has_bank_details: bool = True  # False: "we cannot pay you until you enter them"


def figures(user: User, supporter: Supporter, month: date) -> HomeFigures:
    """The home's figures, the status history behind the stipend among them: one statement."""
    draft = own_draft_statement(user.id)
    if draft is None:  # the usual case: the statement built once, below
        statement = _FIGURES
    else:  # a draft cookie: its hash and expiry are part of the statement
        statement = _figures_statement(draft.with_only_columns(ActivityDraft.path).limit(1))
    params = {"user_id": user.id, "supporter_id": supporter.id, "month": month}
    row = db.session.execute(statement, params).one()
    unread, activities, amount, pending, draft_path, history, has_bank = row
    (stipend,) = eligible([month], _status_history(history, supporter))
    return HomeFigures(
        unread_notifications=unread,
        activity_count=activities,
        stipend_expected=stipend.eligible,
        stipend_amount_yen=default_rule().amount_yen if amount is None else amount,
        continuation_pending=bool(pending),
        draft_path=draft_path,
        has_bank_details=bool(has_bank),
    )


def _figures_statement(draft: Select | None = None) -> Select:
    """The figures' statement with bound ``user_id``, ``supporter_id`` and ``month``.

    Built once without a draft and reused (``_FIGURES``): SQLAlchemy then skips building the
    statement and its cache key on every request. Each part is still the area's own statement;
    the parameters take their types from the columns they are compared with.
    """
    user_id, supporter_id, month = (
        bindparam("user_id"),
        bindparam("supporter_id"),
        bindparam("month"),
    )
    return select(
        unread_count_statement(user_id).scalar_subquery().label("unread"),
        activity_count_statement(supporter_id, month).scalar_subquery().label("activities"),
        rule_statement(month).with_only_columns(StipendRule.amount_yen).scalar_subquery(),
        question_statement(supporter_id)
        .where(ContinuationCheck.answer.is_(None))
        .exists()
        .label("pending"),
        null() if draft is None else draft.scalar_subquery(),
        _STATUS_HISTORY.where(SupporterStatusChange.supporter_id == supporter_id).scalar_subquery(),
        select(BankAccount.supporter_id)
        .where(BankAccount.supporter_id == supporter_id)
        .exists()
        .label("has_bank"),
    )


# The supporter's recorded status changes as one text, "id|effective_on|to_status,…" (the order
# of an aggregate is not defined: the ids put them back in the order they were recorded).
_STATUS_HISTORY = select(
    func.aggregate_strings(
        cast(SupporterStatusChange.id, String)
        + "|"
        + cast(SupporterStatusChange.effective_on, String)
        + "|"
        + cast(SupporterStatusChange.to_status, String),
        ",",
    )
)


def _status_history(text: str | None, supporter: Supporter) -> list[StatusFrom]:
    """The status history behind the stipend, from the figures' text (as ``history_of`` reads
    it from ``supporter.status_changes``, without loading them as objects)."""
    if not text:
        return dated_history(supporter)
    changes = sorted((entry.split("|") for entry in text.split(",")), key=lambda c: int(c[0]))
    return [StatusFrom(date.fromisoformat(day), status) for _id, day, status in changes]


def offers_and_assignments(
    supporter_id: int, now: datetime
) -> tuple[list[Offer], list[HelpRequest]]:
    """Open offers (expiring first) and assignments (coming first, then those awaiting a log).

    One statement: the requests offered to or assigned to the supporter, each with its open
    offer (if any) and its municipality.
    """
    rows = db.session.execute(
        _OFFERS_AND_ASSIGNMENTS, {"supporter_id": supporter_id, "now": now}
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


def _offers_and_assignments() -> Select:
    """The requests offered to (open offer, not expired) or assigned to ``:supporter_id``."""
    supporter_id = bindparam("supporter_id")
    offered = and_(
        Offer.request_id == HelpRequest.id,
        Offer.supporter_id == supporter_id,
        Offer.status == OfferStatus.OPEN,
        Offer.expires_at > bindparam("now"),
    )
    assigned = and_(
        HelpRequest.assigned_supporter_id == supporter_id,
        HelpRequest.status == RequestStatus.ASSIGNED,
    )
    # The two ways a request is the supporter's, each read from its own index (the assignee's
    # and the offer's supporter index), so the page costs the same however many requests the
    # programme holds; an OR over the join would scan every request.
    mine = union(
        select(HelpRequest.id).where(assigned),
        select(Offer.request_id).where(
            Offer.supporter_id == supporter_id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > bindparam("now"),
        ),
    )
    return (
        select(HelpRequest, Offer)
        .outerjoin(Offer, offered)
        .where(HelpRequest.id.in_(mine), or_(assigned, Offer.id.is_not(None)))
        # Municipalities and languages are named by code from the process's copy of the
        # reference data (reference_data.py): no objects of theirs are loaded here.
        .options(contains_eager(Offer.request))
    )


# Built once: SQLAlchemy reuses their compiled form and cache key on every request.
_FIGURES = _figures_statement()
_OFFERS_AND_ASSIGNMENTS = _offers_and_assignments()


def _expiry(offer: Offer) -> datetime:
    return offer.expires_at
