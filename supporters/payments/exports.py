"""What a month's transfer pays, and the files that carry it: Zengin, CSV and XLSX.

A run pays every stipend line booked in the month that no earlier run paid (regular lines and
adjustments alike), netted per supporter. Supporters with a positive net and bank details are
transferred to; those without bank details are listed as "cannot be paid by transfer"; a net of
zero or less is "nothing to pay". Their lines stay unpaid, for a later run of the same month.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from supporters.clock import today_jst
from supporters.extensions import db
from supporters.models import Supporter
from supporters.models.stipend import (
    BankAccount,
    MonthStatus,
    StipendLine,
    StipendMonth,
    StipendPayment,
)
from supporters.payments import bank, zengin
from supporters.refusals import CONFLICT, Refused
from supporters.spreadsheets import csv_bytes, neutralise, xlsx_bytes
from supporters.stipends.months import month_text


@dataclass
class SupporterDue:
    """A supporter's unpaid lines of the month and their net amount."""

    supporter: Supporter
    lines: list[StipendLine]
    account: BankAccount | None = None

    @property
    def amount_yen(self) -> int:
        return sum(line.amount_yen for line in self.lines)

    @property
    def line_ids(self) -> list[int]:
        return [line.id for line in self.lines]


@dataclass
class MonthPayables:
    """A month as the payments page shows it: who is transferred to, who cannot be, and why."""

    month: date
    status: MonthStatus | None
    transfers: list[SupporterDue] = field(default_factory=list)
    without_bank: list[SupporterDue] = field(default_factory=list)
    nothing_to_pay: list[SupporterDue] = field(default_factory=list)
    invalid_names: list[tuple[SupporterDue, str]] = field(default_factory=list)
    payments: list[StipendPayment] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.status == MonthStatus.CLOSED

    @property
    def total_yen(self) -> int:
        """What this run transfers."""
        return sum(due.amount_yen for due in self.transfers)

    @property
    def line_ids(self) -> list[int]:
        """The lines this run pays, in a stable order (the record form carries them)."""
        return sorted(i for due in self.transfers for i in due.line_ids)

    @property
    def paid_yen(self) -> int:
        """What earlier runs of this month transferred."""
        return sum(p.total_yen for p in self.payments)


def month_payables(month: date) -> MonthPayables:
    """Everything a transfer run of ``month`` would pay, and who it cannot pay."""
    status = db.session.scalar(select(StipendMonth.status).where(StipendMonth.month == month))
    rows = db.session.execute(
        select(StipendLine, BankAccount)
        .join(Supporter, Supporter.id == StipendLine.supporter_id)
        .outerjoin(BankAccount, BankAccount.supporter_id == StipendLine.supporter_id)
        .where(StipendLine.month == month, StipendLine.payment_id.is_(None))
        .order_by(Supporter.display_name, Supporter.id, StipendLine.id)
    )
    dues: dict[int, SupporterDue] = {}
    for line, account in rows:
        due = dues.setdefault(line.supporter_id, SupporterDue(line.supporter, [], account))
        due.lines.append(line)
    payables = MonthPayables(month=month, status=status)
    payables.payments = list(
        db.session.scalars(
            select(StipendPayment).where(StipendPayment.month == month).order_by(StipendPayment.id)
        )
    )
    for due in dues.values():
        if due.amount_yen <= 0:
            payables.nothing_to_pay.append(due)
        elif due.account is None:
            payables.without_bank.append(due)
        elif not bank.is_zengin(due.account.holder_kana) or not due.account.holder_kana:
            # A plain str: a lazy string would reach the page unescaped (it carries __html__).
            message = _(
                "The account name of %(name)s (“%(kana)s”) is not in half-width kana. "
                "Correct the bank details before exporting.",
                name=due.supporter.display_name,
                kana=due.account.holder_kana,
            )
            payables.invalid_names.append((due, message))
        else:
            payables.transfers.append(due)
    return payables


def check_exportable(payables: MonthPayables) -> None:
    """Refuse (``Refused``, a conflict) a month that is not closed, has a bad name, or pays
    nobody."""
    if not payables.closed:
        raise Refused(
            _l(
                "%(month)s is not closed. Close the month before exporting or recording a "
                "transfer.",
                month=month_text(payables.month),
            ),
            code=CONFLICT,
        )
    if payables.invalid_names:
        raise Refused(payables.invalid_names[0][1], code=CONFLICT)
    if not payables.transfers:
        raise Refused(
            _l("Nobody in %(month)s is waiting for a transfer.", month=month_text(payables.month)),
            code=CONFLICT,
        )


TRANSFER_DAYS_AHEAD = 60


def check_transfer_date(transfer_date: date | None) -> None:
    """The date written into a transfer file: given, not past, at most 60 days ahead."""
    if transfer_date is None:
        problem = _l("Enter the transfer date.")
    elif transfer_date < today_jst():
        problem = _l("The transfer date cannot be in the past.")
    elif transfer_date > today_jst() + timedelta(days=TRANSFER_DAYS_AHEAD):
        problem = _l("The transfer date can be at most 60 days ahead.")
    else:
        return
    raise Refused(problem, "transfer_date")


def zengin_file(payables: MonthPayables, consignor: zengin.Consignor, transfer_date: date) -> bytes:
    """The Zengin transfer file of the month's run (full account numbers: it goes to the bank)."""
    check_transfer_date(transfer_date)
    check_exportable(payables)
    paid_month = payables.month.strftime("%Y%m")
    transfers = [
        zengin.Transfer(
            bank_code=due.account.bank_code,
            bank_name=due.account.bank_name_kana,
            branch_code=due.account.branch_code,
            branch_name=due.account.branch_name_kana,
            account_type=due.account.account_type.value,
            account_number=due.account.account_number,
            recipient_name=due.account.holder_kana,
            amount=due.amount_yen,
            customer_code1=str(due.supporter.id),
            customer_code2=paid_month,
        )
        for due in payables.transfers
    ]
    return zengin.write(consignor, transfer_date, transfers)


def _breakdown(due: SupporterDue) -> str:
    parts = []
    for line in due.lines:
        concerns = f" ({month_text(line.concerns_month)})" if line.concerns_month else ""
        reason = f" {line.reason}" if line.reason else ""
        parts.append(f"{line.kind.value}{concerns} {line.amount_yen:+d}{reason}")
    return "; ".join(parts)


def table(payables: MonthPayables) -> tuple[list[str], list[list[object]]]:
    """The rows of the CSV and XLSX: the same transfers as the Zengin file, accounts masked."""
    check_exportable(payables)
    headers = [
        _("Supporter ID"),
        _("Name"),
        _("Certificate number"),
        _("Bank code"),
        _("Bank name (kana)"),
        _("Branch code"),
        _("Branch name (kana)"),
        _("Account type"),
        _("Account number"),
        _("Account holder (kana)"),
        _("Amount (yen)"),
        _("Stipend lines"),
    ]
    rows = [
        [
            due.supporter.id,
            due.supporter.display_name,
            due.supporter.certificate_number or "",
            due.account.bank_code,
            due.account.bank_name_kana,
            due.account.branch_code,
            due.account.branch_name_kana,
            due.account.account_type.value,
            due.account.masked_number,
            due.account.holder_kana,
            due.amount_yen,
            _breakdown(due),
        ]
        for due in payables.transfers
    ]
    return headers, [[neutralise(value) for value in row] for row in rows]


def csv_file(payables: MonthPayables) -> bytes:
    """The transfer table as CSV (UTF-8 with a byte-order mark, so Excel in Japan opens it)."""
    return csv_bytes(*table(payables))


def xlsx_file(payables: MonthPayables) -> bytes:
    """The same table as an Excel workbook (codes kept as text so leading zeros survive)."""
    return xlsx_bytes(*table(payables), title=month_text(payables.month))


def unpayable_of(month: date) -> list[tuple[int, str, str]]:
    """Who has unpaid lines in ``month`` (net above zero) that no transfer can pay, in one
    statement: ``(supporter id, name, problem)`` with problem ``no_bank_details`` or
    ``holder_not_kana``."""
    rows = db.session.execute(
        select(Supporter.id, Supporter.display_name, BankAccount.holder_kana)
        .join(StipendLine, StipendLine.supporter_id == Supporter.id)
        .outerjoin(BankAccount, BankAccount.supporter_id == Supporter.id)
        .where(StipendLine.month == month, StipendLine.payment_id.is_(None))
        .group_by(Supporter.id, Supporter.display_name, BankAccount.holder_kana)
        .having(func.sum(StipendLine.amount_yen) > 0)
        .order_by(Supporter.display_name, Supporter.id)
    )
    found = []
    for sid, name, holder in rows:
        if holder is None:
            found.append((sid, name, "no_bank_details"))
        elif not holder or not bank.is_zengin(holder):
            found.append((sid, name, "holder_not_kana"))
    return found
