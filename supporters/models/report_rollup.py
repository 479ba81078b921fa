"""Per-month rollups of the case log for the officials' report (``reports/rollups.py``).

Written in the transaction that closes a month (its case log is then locked) and deleted when
the month is re-opened; the report reads them only for months that are closed *and* have their
``report_rollup_month`` row, and counts every other month live. Nothing else writes them.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned, OwnedKey


class ReportRollupMonth(OwnedKey, db.Model):
    """A closed month whose rollups are written (the report reads rollups only with this row)."""

    __tablename__ = "report_rollup_month"
    __table_args__ = (PrimaryKeyConstraint("programme_id", "month"),)

    month: Mapped[date]  # the month's first day
    cases: Mapped[int] = mapped_column(Integer)  # the month's activities when written (a check)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportRollup(Owned, db.Model):
    """Cases of one month counted by one combination of the report's dimensions.

    ``kind`` says which dimensions a row has (the others are NULL; a NULL ``language_code`` in
    kinds ``l``/``ml`` is the cases without a language): ``cm`` category × mode, ``l`` language
    (the whole programme); ``mcm`` municipality × category × mode, ``mc`` municipality ×
    category, ``ml`` municipality × language (for reports limited to some municipalities, and
    the municipality table). ``people`` is the sum of ``people_reached`` (0 when none).
    """

    __tablename__ = "report_rollup"
    __table_args__ = (Index("ix_report_rollup_month_kind", "month", "kind", "municipality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column()
    kind: Mapped[str] = mapped_column(String(3))
    municipality_code: Mapped[str | None] = mapped_column(String(6))
    category: Mapped[str | None] = mapped_column(String(30))
    mode: Mapped[str | None] = mapped_column(String(20))
    language_code: Mapped[str | None] = mapped_column(String(20))
    cases: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(BigInteger, default=0)
