"""Monthly stipends: dated rules, month closes, stipend lines, bank details and payments.

Money is append-only: a closed month's lines are never edited; corrections are signed
adjustment lines with a reason, and a payment only stamps which lines it paid.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.supporter import Supporter, str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned, OwnedKey


class StipendRuleKind(enum.StrEnum):
    """Who earns a month's stipend."""

    CERTIFIED = "certified"  # certified (not suspended or retired) on any day of the month
    ACTIVE = "active"  # ... and logged at least one activity in the month


class StipendRule(OwnedKey, db.Model):
    """The rule and amount in force from ``effective_from`` (a month's first day) onwards.

    A change from a given month adds a row; earlier months keep the rule they were closed with.
    No row means the programme default (certified, 2,000 yen).
    """

    __tablename__ = "stipend_rule"
    __table_args__ = (
        CheckConstraint("amount_yen >= 0", name="amount"),
        UniqueConstraint("programme_id", "effective_from", name="uq_stipend_rule_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date]
    kind: Mapped[StipendRuleKind] = mapped_column(str_enum(StipendRuleKind))
    amount_yen: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FiscalBudget(OwnedKey, db.Model):
    """The stipend budget of a fiscal year (April to March), in yen."""

    __tablename__ = "fiscal_budget"
    __table_args__ = (PrimaryKeyConstraint("programme_id", "fiscal_year"),)

    fiscal_year: Mapped[int]
    amount_yen: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MonthStatus(enum.StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


class StipendMonth(OwnedKey, db.Model):
    """A month that has been closed (one row per programme and month: the key stops a double
    close)."""

    __tablename__ = "stipend_month"
    __table_args__ = (PrimaryKeyConstraint("programme_id", "month"),)

    month: Mapped[date]  # the month's first day
    status: Mapped[MonthStatus] = mapped_column(str_enum(MonthStatus))
    rule_kind: Mapped[StipendRuleKind] = mapped_column(str_enum(StipendRuleKind))
    amount_yen: Mapped[int]
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MonthEvent(Owned, db.Model):
    """Every close, re-open and re-close of a month: who, when and (for a re-open) why."""

    __tablename__ = "stipend_month_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(index=True)  # a StipendMonth of the same programme
    action: Mapped[str] = mapped_column(String(20))  # closed / reopened / reclosed
    reason: Mapped[str] = mapped_column(Text, default="")
    lines_added: Mapped[int] = mapped_column(default=0)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StipendLineKind(enum.StrEnum):
    REGULAR = "regular"  # computed by the month close
    ADJUSTMENT = "adjustment"  # entered by hand, signed, with a reason


class StipendLine(Owned, db.Model):
    """One amount owed to a supporter, booked in ``month``; never edited once written.

    Regular lines are unique per supporter and month (a partial unique index on both SQLite and
    PostgreSQL), so two closes can never pay twice. Adjustments say which month they concern.
    """

    __tablename__ = "stipend_line"
    __table_args__ = (
        Index(
            "uq_stipend_line_regular",
            "supporter_id",
            "month",
            unique=True,
            sqlite_where=text("kind = 'regular'"),
            postgresql_where=text("kind = 'regular'"),
        ),
        CheckConstraint("amount_yen <> 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id"), index=True)
    month: Mapped[date] = mapped_column(index=True)  # the month it is booked (and paid) in
    kind: Mapped[StipendLineKind] = mapped_column(str_enum(StipendLineKind))
    amount_yen: Mapped[int]  # signed for adjustments
    concerns_month: Mapped[date | None]  # for an adjustment: the month it corrects
    reason: Mapped[str] = mapped_column(Text, default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("stipend_payment.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supporter: Mapped[Supporter] = relationship()
    payment: Mapped["StipendPayment | None"] = relationship(back_populates="lines")


class StipendPayment(Owned, db.Model):
    """A transfer run: the lines it paid, the transfer date, and who recorded it."""

    __tablename__ = "stipend_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(index=True)
    transfer_date: Mapped[date]
    total_yen: Mapped[int]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[StipendLine]] = relationship(back_populates="payment")


class AccountType(enum.StrEnum):
    """Zengin deposit type codes: 1 普通 (ordinary), 2 当座 (current), 4 貯蓄 (savings)."""

    ORDINARY = "1"
    CURRENT = "2"
    SAVINGS = "4"


class BankAccount(Owned, db.Model):
    """Where a supporter who is paid by transfer receives it; stored for those supporters only."""

    __tablename__ = "bank_account"
    __table_args__ = (
        CheckConstraint("length(bank_code) = 4", name="bank_code"),
        CheckConstraint("length(branch_code) = 3", name="branch_code"),
        CheckConstraint("length(account_number) = 7", name="account_number"),
    )

    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True
    )
    bank_code: Mapped[str] = mapped_column(String(4))
    bank_name_kana: Mapped[str] = mapped_column(String(15), default="")  # half-width kana
    branch_code: Mapped[str] = mapped_column(String(3))
    branch_name_kana: Mapped[str] = mapped_column(String(15), default="")  # half-width kana
    account_type: Mapped[AccountType] = mapped_column(str_enum(AccountType))
    account_number: Mapped[str] = mapped_column(String(7))
    holder_kana: Mapped[str] = mapped_column(String(30))  # half-width kana, as Zengin needs
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supporter: Mapped[Supporter] = relationship()

    @property
    def masked_number(self) -> str:
        """The account number as shown on screens: only the last three digits."""
        return "****" + self.account_number[-3:]
