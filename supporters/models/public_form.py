"""The residents' form, day by day: what it took, what it trapped, what it turned away."""

from datetime import date, datetime

from sqlalchemy import Date, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import OwnedKey


class PublicFormDay(OwnedKey, db.Model):
    """One row per Japan-time day of the public form (/help/), for the daily ceiling.

    ``stored`` is raised by a conditional UPDATE (``WHERE stored < ceiling``) in the same
    transaction as the request it admits, so two residents racing for the last place cannot both
    get it. ``trapped`` counts submissions refused as automated (honeypot filled, sent too fast),
    ``refused`` the residents turned away by the ceiling and told to phone. ``alerted_at`` is set
    once, by a conditional UPDATE too, when the coordinators were told the ceiling was reached.
    No personal data: counts only.
    """

    __tablename__ = "public_form_day"
    __table_args__ = (UniqueConstraint("programme_id", "counted_on", name="uq_public_form_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counted_on: Mapped[date] = mapped_column(Date)
    stored: Mapped[int] = mapped_column(default=0)
    trapped: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
