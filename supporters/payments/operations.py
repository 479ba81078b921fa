"""Writes of the payments area: bank details and recorded transfers. None of them commit."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from supporters.audit import record
from supporters.extensions import db
from supporters.models import Supporter, User
from supporters.models.stipend import BankAccount, StipendLine, StipendPayment
from supporters.payments.bank import BankDetailsDraft, clean_details
from supporters.payments.exports import check_exportable, month_payables
from supporters.refusals import CONFLICT, Refused
from supporters.stipends.months import month_text


def save_bank_details(
    supporter: Supporter, draft: BankDetailsDraft, by: User | None
) -> BankAccount:
    """Store (or replace) where ``supporter`` receives transfers; audited without the number.

    Every field is checked and normalised (``bank.clean_details``); an empty account number
    keeps the stored one.
    """
    account = db.session.get(BankAccount, supporter.id)
    details = clean_details(draft, stored_number=account.account_number if account else None)
    if account is None:
        account = BankAccount(supporter_id=supporter.id)
        db.session.add(account)
    account.bank_code = details.bank_code
    account.bank_name_kana = details.bank_name_kana
    account.branch_code = details.branch_code
    account.branch_name_kana = details.branch_name_kana
    account.account_type = details.account_type
    account.account_number = details.account_number
    account.holder_kana = details.holder_kana
    account.updated_by_id = by.id if by else None
    db.session.flush()
    record(
        "save_bank_details",
        supporter,
        detail=f"bank {details.bank_code} branch {details.branch_code}",
        user=by,
    )
    return account


def updated_by_supporter(account: BankAccount | None) -> bool:
    """Whether ``account`` was last saved by the supporter themself (on their own page)."""
    if account is None or account.updated_by_id is None:
        return False
    user = db.session.get(User, account.updated_by_id)
    return user is not None and user.supporter_id == account.supporter_id


def remove_bank_details(supporter: Supporter, by: User | None) -> bool:
    """Delete the supporter's bank details (they are no longer paid by transfer)."""
    account = db.session.get(BankAccount, supporter.id)
    if account is None:
        return False
    db.session.delete(account)
    db.session.flush()
    record("remove_bank_details", supporter, user=by)
    return True


def record_transfer(
    month: date, transfer_date: date | None, line_ids: list[int], by: User | None
) -> StipendPayment:
    """Record that the month's transfer was made: one payment, and its lines stamped once.

    ``line_ids`` are the lines the coordinator saw and exported; if the month's payable lines
    have changed since, nothing is recorded. Each line is stamped with a conditional UPDATE
    (``payment_id IS NULL``): when two coordinators record at the same moment, the second
    stamps fewer lines than it expects and is refused; its savepoint undoes its payment row.
    """
    if transfer_date is None:
        raise Refused(_l("Enter the transfer date."), "transfer_date")
    if transfer_date < month:
        raise Refused(_l("The transfer date cannot be before the month it pays."), "transfer_date")
    payables = month_payables(month)
    if payables.closed and sorted(line_ids) != payables.line_ids:
        raise Refused(
            _l(
                "The lines to pay in %(month)s have changed since the page was shown (a transfer "
                "was recorded, or lines or bank details changed). Check the list and download "
                "the file again.",
                month=month_text(month),
            ),
            code=CONFLICT,
        )
    check_exportable(payables)
    with db.session.begin_nested():  # a refusal below leaves no payment row behind
        payment = StipendPayment(
            month=month,
            transfer_date=transfer_date,
            total_yen=payables.total_yen,
            recorded_by_id=by.id if by else None,
        )
        db.session.add(payment)
        db.session.flush()
        stamped = db.session.execute(
            update(StipendLine)
            .where(StipendLine.id.in_(payables.line_ids), StipendLine.payment_id.is_(None))
            .values(payment_id=payment.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if stamped != len(payables.line_ids):
            raise Refused(
                _l("This transfer has just been recorded by someone else; nothing was changed."),
                code=CONFLICT,
            )
    record(
        "record_transfer",
        payment,
        detail=(
            f"{month_text(month)}: {len(payables.transfers)} transfers, "
            f"{stamped} lines, {payment.total_yen} yen on {transfer_date.isoformat()}"
        ),
        user=by,
    )
    return payment
