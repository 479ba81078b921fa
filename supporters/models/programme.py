"""The programme itself: its prefecture, names and settings (one row today), and their history.

Issue [6/6] will let one installation hold several programmes; ``Programme`` is then the tenant.
Written only by ``supporters/programme/service.py``; read through ``programme.settings.current``.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime


class Programme(db.Model):
    """A prefecture's supporter programme: what residents, supporters and the bank are shown."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_code: Mapped[str] = mapped_column(String(2))  # JIS X 0401, "08"
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(120))
    certificate_prefix: Mapped[str] = mapped_column(String(10))  # INCS → INCS-2026-0105
    certificate_issuer: Mapped[str] = mapped_column(String(60), default="")  # 茨城県知事
    # The certified supporters the programme aims at, by the end of this fiscal year (a year's
    # own milestone, coverage's ProgrammeTarget, wins for that year).
    target_supporters: Mapped[int] = mapped_column(Integer)
    target_fiscal_year: Mapped[int] = mapped_column(Integer)
    # Before any dated stipend rule / a fiscal year's budget is recorded (stipends/settings.py).
    stipend_default_yen: Mapped[int] = mapped_column(Integer)
    stipend_budget_default_yen: Mapped[int] = mapped_column(Integer)
    # The programme as payer (委託者) in the Zengin transfer file, as its bank gave them.
    payer_consignor_code: Mapped[str] = mapped_column(String(10), default="")
    payer_consignor_name: Mapped[str] = mapped_column(String(40), default="")
    payer_bank_code: Mapped[str] = mapped_column(String(4), default="")
    payer_bank_name: Mapped[str] = mapped_column(String(15), default="")
    payer_branch_code: Mapped[str] = mapped_column(String(3), default="")
    payer_branch_name: Mapped[str] = mapped_column(String(15), default="")
    payer_account_type: Mapped[str] = mapped_column(String(1), default="1")
    payer_account_number: Mapped[str] = mapped_column(String(7), default="")
    # Shown to residents (public form) and proposed when nobody qualifies.
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    referral_service: Mapped[str] = mapped_column(String(200), default="")
    travel_radius_km: Mapped[float]
    offer_answer_hours: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    changes: Mapped[list["ProgrammeChange"]] = relationship(
        back_populates="programme", order_by="ProgrammeChange.id.desc()"
    )

    def __repr__(self) -> str:
        return f"<Programme {self.prefecture_code} {self.name_en}>"


class ProgrammeChange(db.Model):
    """One setting changed: which (its field code), from what, to what, when and by whom.

    Facts only; the page renders the field's name in the viewer's language. ``old_value`` is
    empty for the values a programme started with.
    """

    __tablename__ = "programme_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(String(300), default="")
    new_value: Mapped[str] = mapped_column(String(300), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="changes")
    changed_by = relationship("User")
