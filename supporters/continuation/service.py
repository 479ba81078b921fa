"""The yearly "do you continue?" question, the answers, and the list of lapsed supporters.

Nothing here commits. Starting the check relies on the unique key (supporter, fiscal year): a
second start, even a concurrent one, adds no row and sends no second message.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from supporters.audit import record
from supporters.clock import JST, utcnow
from supporters.extensions import db
from supporters.models import (
    Activity,
    ContinuationAnswer,
    ContinuationCheck,
    HelpRequest,
    RequestStatus,
    Supporter,
    SupporterStatus,
    SupporterStatusChange,
    User,
)
from supporters.notify.service import notify_supporter
from supporters.refusals import refuse_if
from supporters.registry import operations

ANSWER_LINK = "/me/continue"
NOTIFICATION_KIND = "continuation_check"
# Requests that were given to a supporter (an assignment), whatever happened next.
ASSIGNED_STATUSES = (RequestStatus.ASSIGNED, RequestStatus.COMPLETED, RequestStatus.CLOSED)
REASON_MAX = 1000


@dataclass(frozen=True)
class Retirement:
    """What a coordinator chose on the lapse list: who to retire, and the one reason for all."""

    supporter_ids: list[int]
    reason: str


@dataclass(frozen=True)
class CheckStarted:
    """What starting the check did: rows (and messages) added, and supporters already asked."""

    fiscal_year: int
    asked: int
    already_asked: int

    @property
    def id(self) -> int:
        """The audit trail names the check by its fiscal year."""
        return self.fiscal_year


@dataclass(frozen=True)
class Lapse:
    """A certified supporter proposed for retirement, with the facts that put them on the list."""

    supporter: Supporter
    check: ContinuationCheck
    last_activity_on: date | None
    last_assignment_on: date | None

    @property
    def said_stop(self) -> bool:
        return self.check.answer == ContinuationAnswer.STOP


def start_check(fiscal_year: int, by: User | None) -> CheckStarted:
    """Ask every certified supporter whether they continue in ``fiscal_year`` (once per year)."""
    already = set(
        db.session.scalars(
            select(ContinuationCheck.supporter_id).where(
                ContinuationCheck.fiscal_year == fiscal_year
            )
        )
    )
    supporters = db.session.scalars(
        select(Supporter)
        .where(Supporter.status == SupporterStatus.CERTIFIED)
        .order_by(Supporter.id)
    )
    asked = skipped = 0
    for supporter in supporters:
        if supporter.id in already:
            skipped += 1
            continue
        check = ContinuationCheck(
            supporter_id=supporter.id, fiscal_year=fiscal_year, asked_by_id=by.id if by else None
        )
        try:
            with db.session.begin_nested():  # someone starting it at the same time wins the row
                db.session.add(check)
                db.session.flush()
        except IntegrityError:
            skipped += 1
            continue
        notify_supporter(supporter, NOTIFICATION_KIND, ANSWER_LINK)
        asked += 1
    db.session.flush()
    started = CheckStarted(fiscal_year=fiscal_year, asked=asked, already_asked=skipped)
    record("start_continuation_check", started, detail=f"asked {asked}", user=by)
    return started


def year_summary(fiscal_year: int) -> dict[str, int]:
    """How many were asked in ``fiscal_year`` and how many answered continue, stop, or not yet."""
    rows = db.session.execute(
        select(ContinuationCheck.answer, func.count())
        .where(ContinuationCheck.fiscal_year == fiscal_year)
        .group_by(ContinuationCheck.answer)
    )
    counts = {answer: n for answer, n in rows}
    return {
        "asked": sum(counts.values()),
        "continue": counts.get(ContinuationAnswer.CONTINUE, 0),
        "stop": counts.get(ContinuationAnswer.STOP, 0),
        "unanswered": counts.get(None, 0),
    }


def latest_check_year() -> int | None:
    """The most recent fiscal year in which the check was started, if ever."""
    return db.session.scalar(select(func.max(ContinuationCheck.fiscal_year)))


def question_statement(supporter_id: int) -> Select:
    """The supporter's question of the latest check year, as one statement (none if not asked)."""
    latest = select(func.max(ContinuationCheck.fiscal_year)).scalar_subquery()
    return select(ContinuationCheck).where(
        ContinuationCheck.supporter_id == supporter_id, ContinuationCheck.fiscal_year == latest
    )


def open_question(supporter: Supporter) -> ContinuationCheck | None:
    """The supporter's question of the latest check year, if they were asked it."""
    return db.session.scalar(question_statement(supporter.id))


COMMENT_LENGTH = 1000


def answer(
    check: ContinuationCheck, reply: ContinuationAnswer | None, comment: str, by: User | None
) -> ContinuationCheck:
    """Record (or change) a supporter's answer; the last answer counts.

    Refused when there is no answer or the note is longer than ``COMMENT_LENGTH``.
    """
    refuse_if(
        {
            "answer": _l("Choose one.") if reply is None else None,
            "comment": _l("At most %(max)d characters.", max=COMMENT_LENGTH)
            if len(comment) > COMMENT_LENGTH
            else None,
        }
    )
    check.answer = reply
    check.comment = comment
    check.answered_at = utcnow()
    db.session.flush()
    record("answer_continuation_check", check, detail=reply.value, user=by)
    return check


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def lapse_list(today: date, months: int) -> tuple[int | None, list[Lapse]]:
    """Certified supporters asked in the latest check who said "stop", or who did not answer
    and have had no activity, no assignment and no (re-)certification in the last ``months``.

    Returns the check's fiscal year (``None`` when no check was ever started) and the list.
    """
    year = latest_check_year()
    if year is None:
        return None, []
    rows = list(
        db.session.execute(
            select(Supporter, ContinuationCheck)
            .join(ContinuationCheck, ContinuationCheck.supporter_id == Supporter.id)
            .where(
                ContinuationCheck.fiscal_year == year,
                Supporter.status == SupporterStatus.CERTIFIED,
                or_(
                    ContinuationCheck.answer.is_(None),
                    ContinuationCheck.answer != ContinuationAnswer.CONTINUE,
                ),
            )
            .order_by(Supporter.display_name, Supporter.id)
        )
    )
    ids = [supporter.id for supporter, _check in rows]
    activity = _last_activity(ids)
    assignment = _last_assignment(ids)
    certified = _last_certified(ids)
    cutoff = months_before(today, months)
    lapses = []
    for supporter, check in rows:
        lapse = Lapse(supporter, check, activity.get(supporter.id), assignment.get(supporter.id))
        signs_of_life = (
            lapse.last_activity_on,
            lapse.last_assignment_on,
            certified.get(supporter.id, supporter.certified_on),
        )
        silent = all(day is None or day < cutoff for day in signs_of_life)
        if lapse.said_stop or silent:
            lapses.append(lapse)
    return year, lapses


def _last_activity(ids: list[int]) -> dict[int, date]:
    rows = db.session.execute(
        select(Activity.supporter_id, func.max(Activity.happened_on))
        .where(Activity.supporter_id.in_(ids))
        .group_by(Activity.supporter_id)
    )
    return dict(rows.all())


def _last_assignment(ids: list[int]) -> dict[int, date]:
    rows = db.session.execute(
        select(HelpRequest.assigned_supporter_id, func.max(HelpRequest.starts_at))
        .where(
            HelpRequest.assigned_supporter_id.in_(ids),
            HelpRequest.status.in_(ASSIGNED_STATUSES),
        )
        .group_by(HelpRequest.assigned_supporter_id)
    )
    return {sid: _jst_date(at) for sid, at in rows if at is not None}


def _last_certified(ids: list[int]) -> dict[int, date]:
    """When each supporter last became certified (first certification or re-activation)."""
    rows = db.session.execute(
        select(SupporterStatusChange.supporter_id, func.max(SupporterStatusChange.effective_on))
        .where(
            SupporterStatusChange.supporter_id.in_(ids),
            SupporterStatusChange.to_status == SupporterStatus.CERTIFIED,
        )
        .group_by(SupporterStatusChange.supporter_id)
    )
    return dict(rows.all())


def _jst_date(at: datetime | str) -> date:
    if isinstance(at, str):  # SQLite's max() returns the stored text, not a datetime
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        return at.date()
    return at.astimezone(JST).date()


def retire_lapsed(
    draft: Retirement, on: date, today: date, months: int, by: User | None
) -> list[Supporter]:
    """Retire the chosen supporters of the lapse list, all or none.

    Every id must still be on the list and the reason given (else :class:`Refused`); one
    refusal undoes the others (a savepoint), so a failure half-way through retires nobody even
    if the caller commits afterwards. Each retirement closes that supporter's access in the
    same transaction (``operations.retire``: sessions ended, API tokens revoked, open offers
    withdrawn).
    """
    reason = (draft.reason or "").strip()
    problems: dict[str, object] = {}
    listed: dict[int, Supporter] = {}
    if not draft.supporter_ids:
        problems["supporters"] = _l("Choose at least one supporter.")
    else:
        _year, lapses = lapse_list(today, months)
        listed = {lapse.supporter.id: lapse.supporter for lapse in lapses}
        if any(sid not in listed for sid in draft.supporter_ids):
            problems["supporters"] = _l(
                "Someone chosen is no longer on the lapse list. Check the list and try again."
            )
    if not reason:
        problems["reason"] = _l("Give a reason.")
    elif len(reason) > REASON_MAX:
        problems["reason"] = _l("At most %(max)d characters.", max=REASON_MAX)
    refuse_if(problems)
    retired = []
    with db.session.begin_nested():
        for sid in draft.supporter_ids:
            retired.append(operations.retire(listed[sid], on, reason, by))
    return retired
