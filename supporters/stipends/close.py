"""Month close: one stipend line per eligible supporter, once, in one transaction.

Closing a month inserts its ``stipend_month`` row first (``ON CONFLICT DO NOTHING`` on the
primary key makes a second close — even a simultaneous one — find the month taken), then adds
a regular line for every eligible supporter who has none yet (a partial unique index on
supporter and month guards that too).
Everything happens in the caller's transaction, so a database error leaves no partial month.

Closing from a page goes through :func:`close_preview` and :func:`confirm_close`: the coordinator
sees who is paid how much, who cannot be paid and why, and that the month's case logs will be
locked, then confirms with the preview's token; a close without (or with a stale) preview is
refused (codes :data:`PREVIEW_MISSING`, :data:`PREVIEW_STALE`). The API (``GET`` then ``POST
/stipends/<month>/close`` with ``confirm``) and ``flask stipends close`` (prints the preview and
asks; ``--yes`` or ``--confirm TOKEN`` for scripts) go through the same two functions.

Re-opening needs an admin and a reason; lines already written stay (money is append-only), a
re-close only adds the lines that are missing and reports lines no longer backed by the rule so
a coordinator can correct them with an adjustment.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from supporters import audit, tenancy
from supporters.access import can_change_stipends
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import (
    Activity,
    MonthEvent,
    MonthStatus,
    StipendLine,
    StipendLineKind,
    StipendMonth,
    StipendRuleKind,
    Supporter,
    SupporterStatusChange,
    User,
)
from supporters.models.stipend import BankAccount
from supporters.refusals import CONFLICT, Refused, refuse_if
from supporters.reports import rollups as report_rollups
from supporters.schema import insert_unless_present
from supporters.stipends.months import current_month, month_text
from supporters.stipends.rules import CERTIFIED, StatusFrom, certified_in, next_month
from supporters.stipends.settings import RuleInForce, rule_for

# A reason for re-opening a month or for an adjustment: at least a few words, at most a page.
REASON_MIN, REASON_MAX = 5, 1000


@dataclass(frozen=True)
class Entitlement:
    """A supporter's regular stipend for a month under the rule in force."""

    supporter_id: int
    amount_yen: int


@dataclass
class CloseResult:
    """What a close did: lines added, and whether the month had been closed already."""

    month: date
    lines_added: int = 0
    already_closed: bool = False
    reclosed: bool = False
    # Supporters with a regular line the rule no longer backs (only after a re-open).
    unbacked: list[int] = field(default_factory=list)


def status_histories() -> dict[int, list[StatusFrom]]:
    """Every supporter's dated status history, in two queries (see ``rules.history_of``)."""
    histories: dict[int, list[StatusFrom]] = defaultdict(list)
    for sid, day, status in db.session.execute(
        select(
            SupporterStatusChange.supporter_id,
            SupporterStatusChange.effective_on,
            SupporterStatusChange.to_status,
        ).order_by(SupporterStatusChange.effective_on, SupporterStatusChange.id)
    ):
        histories[sid].append(StatusFrom(day, str(status.value)))
    for sid, certified_on, suspended_on, retired_on in db.session.execute(
        select(
            Supporter.id, Supporter.certified_on, Supporter.suspended_on, Supporter.retired_on
        ).where(Supporter.certified_on.is_not(None))
    ):
        if sid in histories:
            continue
        dated = [(certified_on, CERTIFIED), (suspended_on, "suspended"), (retired_on, "retired")]
        histories[sid] = sorted(
            (StatusFrom(day, status) for day, status in dated if day is not None),
            key=lambda change: change.effective_on,
        )
    return histories


def activity_counts(month: date) -> dict[int, int]:
    """Activities logged per supporter in ``month``."""
    return dict(
        db.session.execute(
            select(Activity.supporter_id, func.count())
            .where(Activity.happened_on >= month, Activity.happened_on < next_month(month))
            .group_by(Activity.supporter_id)
        ).all()
    )


def entitlements(
    month: date,
    rule: RuleInForce | None = None,
    histories: dict[int, list[StatusFrom]] | None = None,
) -> list[Entitlement]:
    """Who earns ``month``'s stipend under its rule, by supporter id (``histories`` as from
    :func:`status_histories`, for callers that look at several months)."""
    rule = rule or rule_for(month)
    counts = activity_counts(month) if rule.kind == StipendRuleKind.ACTIVE else {}
    histories = status_histories() if histories is None else histories
    rows = []
    for sid, history in sorted(histories.items()):
        if not certified_in(month, history):
            continue
        if rule.kind == StipendRuleKind.ACTIVE and not counts.get(sid):
            continue
        rows.append(Entitlement(sid, rule.amount_yen))
    return rows


def check_month_over(month: date) -> None:
    """Refuse (a conflict naming ``month``) a close of the running or a future month."""
    if month >= current_month():
        raise Refused(
            _l(
                "%(month)s is not over yet; a month can be closed from its next month on.",
                month=month_text(month),
            ),
            "month",
            code=CONFLICT,
        )


def close_month(month: date, by: User | None) -> CloseResult:
    """Close ``month`` (first day): write its stipend lines and lock its case log. Idempotent."""
    check_month_over(month)
    rule = rule_for(month)
    result = CloseResult(month)
    if not _claim_month(month, rule, by):
        reopened = db.session.execute(
            update(StipendMonth)
            .where(StipendMonth.month == month, StipendMonth.status == MonthStatus.REOPENED)
            .values(status=MonthStatus.CLOSED)
        ).rowcount
        if not reopened:
            result.already_closed = True
            return result
        result.reclosed = True
    due = {e.supporter_id: e for e in entitlements(month, rule)}
    written = set(
        db.session.scalars(
            select(StipendLine.supporter_id).where(
                StipendLine.month == month, StipendLine.kind == StipendLineKind.REGULAR
            )
        )
    )
    missing = [due[sid] for sid in sorted(due.keys() - written)]
    if missing:
        db.session.execute(
            insert(StipendLine),
            [
                {
                    "supporter_id": e.supporter_id,
                    "month": month,
                    "kind": StipendLineKind.REGULAR,
                    "amount_yen": e.amount_yen,
                    "reason": "",
                    "created_by_id": by.id if by else None,
                }
                for e in missing
            ],
        )
    result.lines_added = len(missing)
    result.unbacked = sorted(written - due.keys())
    report_rollups.write_month(month)  # the locked case log, counted once for the report
    action = "reclosed" if result.reclosed else "closed"
    db.session.add(
        MonthEvent(
            month=month, action=action, lines_added=len(missing), by_id=by.id if by else None
        )
    )
    record = tenancy.get_keyed(StipendMonth, month)
    audit.record(f"stipend_month_{action}", record, f"{month_text(month)} +{len(missing)}", user=by)
    db.session.flush()
    return result


def _claim_month(month: date, rule: RuleInForce, by: User | None) -> bool:
    """Insert the month's row unless it exists; True when this call inserted it."""
    values = {
        "month": month,
        "status": MonthStatus.CLOSED,
        "rule_kind": rule.kind,
        "amount_yen": rule.amount_yen,
        "closed_by_id": by.id if by else None,
        "closed_at": utcnow(),
    }
    claimed = db.session.execute(
        insert_unless_present(StipendMonth, values, ["programme_id", "month"])
    )
    return claimed.scalar() is not None


def reopen_month(month: date, reason: str, by: User) -> None:
    """Re-open a closed month (admins only, with a reason): its case log can be corrected again."""
    if not can_change_stipends(by):
        raise Refused(_l("Only an administrator can re-open a month."), code=CONFLICT)
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        refuse_if({"reason": _l("Say why the month is re-opened (at least 5 characters).")})
    if len(reason) > REASON_MAX:
        refuse_if({"reason": _l("At most %(max)d characters.", max=REASON_MAX)})
    changed = db.session.execute(
        update(StipendMonth)
        .where(StipendMonth.month == month, StipendMonth.status == MonthStatus.CLOSED)
        .values(status=MonthStatus.REOPENED)
    ).rowcount
    if not changed:
        raise Refused(_l("%(month)s is not closed.", month=month_text(month)), code=CONFLICT)
    report_rollups.delete_month(month)  # its case log may change again: the report counts it live
    db.session.add(MonthEvent(month=month, action="reopened", reason=reason, by_id=by.id))
    record = tenancy.get_keyed(StipendMonth, month)
    audit.record("stipend_month_reopened", record, f"{month_text(month)}: {reason}", user=by)
    db.session.flush()


def is_closed(day: date) -> bool:
    """Whether the month of ``day`` is closed (its case log is locked)."""
    status = db.session.scalar(
        select(StipendMonth.status).where(StipendMonth.month == day.replace(day=1))
    )
    return status == MonthStatus.CLOSED


def closed_months(first: date, last: date) -> set[date]:
    """The closed months (first days) between ``first`` and ``last``."""
    return set(
        db.session.scalars(
            select(StipendMonth.month).where(
                StipendMonth.month >= first.replace(day=1),
                StipendMonth.month <= last,
                StipendMonth.status == MonthStatus.CLOSED,
            )
        )
    )


# --- The preview a page shows before a close ------------------------------------------------------

NO_BANK_DETAILS = "no_bank_details"
HOLDER_NOT_KANA = "holder_not_kana"
# Refusal codes of a confirmation (409 on every channel): no preview's token, or a stale one.
PREVIEW_MISSING = "preview_missing"
PREVIEW_STALE = "preview_stale"


@dataclass(frozen=True)
class PreviewRow:
    """One supporter a close would write a line for, and whether a transfer can pay them."""

    supporter_id: int
    name: str
    amount_yen: int
    masked_number: str = ""
    problem: str = ""  # "" (paid by transfer), NO_BANK_DETAILS or HOLDER_NOT_KANA


@dataclass
class ClosePreview:
    """What closing ``month`` would do, shown before the coordinator confirms."""

    month: date
    paid: list[PreviewRow] = field(default_factory=list)
    unpayable: list[PreviewRow] = field(default_factory=list)
    locked_logs: int = 0

    @property
    def count(self) -> int:
        return len(self.paid) + len(self.unpayable)

    @property
    def total_yen(self) -> int:
        return sum(row.amount_yen for row in self.paid + self.unpayable)

    @property
    def paid_yen(self) -> int:
        return sum(row.amount_yen for row in self.paid)

    @property
    def token(self) -> str:
        """A digest of what the preview shows: a confirmation must carry the same one."""
        parts = [self.month.isoformat(), str(self.locked_logs)]
        parts += [
            f"{r.supporter_id}:{r.amount_yen}:{r.problem}" for r in self.paid + self.unpayable
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def close_preview(
    month: date,
    count_logs: bool = True,
    never_closed: bool = False,
    rule: RuleInForce | None = None,
) -> ClosePreview:
    """Who a close of ``month`` would pay (lines not yet written), who cannot be paid and why,
    and (``count_logs``) how many case logs of the month it would lock. Reads only.

    ``never_closed``: the caller knows the month has no row yet, so no regular line either;
    ``rule``: the month's rule, when the caller has it already.
    """
    from supporters.payments.bank import is_zengin  # payments builds on stipends, not back

    preview = ClosePreview(month)
    written = (
        set()
        if never_closed
        else set(
            db.session.scalars(
                select(StipendLine.supporter_id).where(
                    StipendLine.month == month, StipendLine.kind == StipendLineKind.REGULAR
                )
            )
        )
    )
    due = [e for e in entitlements(month, rule) if e.supporter_id not in written]
    ids = [e.supporter_id for e in due]
    found = (
        db.session.execute(
            select(Supporter.id, Supporter.display_name, BankAccount)
            .outerjoin(BankAccount, BankAccount.supporter_id == Supporter.id)
            .where(Supporter.id.in_(ids))
        ).all()
        if ids
        else []
    )
    names = {sid: name for sid, name, _ in found}
    accounts = {sid: account for sid, _, account in found if account is not None}
    for entitlement in sorted(due, key=lambda e: (names.get(e.supporter_id, ""), e.supporter_id)):
        account = accounts.get(entitlement.supporter_id)
        name = names.get(entitlement.supporter_id, "")
        if account is None:
            row = PreviewRow(
                entitlement.supporter_id, name, entitlement.amount_yen, "", NO_BANK_DETAILS
            )
        elif not account.holder_kana or not is_zengin(account.holder_kana):
            row = PreviewRow(
                entitlement.supporter_id,
                name,
                entitlement.amount_yen,
                account.masked_number,
                HOLDER_NOT_KANA,
            )
        else:
            row = PreviewRow(
                entitlement.supporter_id, name, entitlement.amount_yen, account.masked_number
            )
        (preview.unpayable if row.problem else preview.paid).append(row)
    if count_logs:
        preview.locked_logs = sum(activity_counts(month).values())
    return preview


def confirm_close(month: date, token: str | None, confirmed: bool, by: User | None) -> CloseResult:
    """Close ``month`` as confirmed on its preview (the console's page, the API's ``GET …/close``
    or the CLI's printout) — the one rule of every channel.

    A month already closed is left as it is (nothing to confirm). Otherwise refused without the
    preview's token (:data:`PREVIEW_MISSING`), with a stale one (:data:`PREVIEW_STALE`: who is
    due, their bank details or the month's case logs changed since the preview was shown) or
    without the confirmation (``confirmed``: the console's box).
    """
    check_month_over(month)
    if is_closed(month):
        return CloseResult(month, already_closed=True)
    if not token:
        raise Refused(
            _l("Open the preview of the close and confirm it there; nothing was closed."),
            code=PREVIEW_MISSING,
        )
    if token != close_preview(month).token:
        raise Refused(
            _l(
                "Who is paid in %(month)s has changed since the preview was shown; check the "
                "new preview and confirm again. Nothing was closed.",
                month=month_text(month),
            ),
            code=PREVIEW_STALE,
        )
    if not confirmed:
        refuse_if(
            {"confirm": _l("Tick the box to confirm that the list is right; nothing was closed.")}
        )
    return close_month(month, by)
