"""Help requests from residents, the consent that lets us store them, and their history."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.reference import Language, Municipality
from supporters.models.supporter import Mode, Supporter, str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class RequestCategory(enum.StrEnum):
    """What the resident needs help with (the programme's own categories)."""

    GOVERNMENT_OFFICE = "government_office"  # city office, immigration, driver's licence
    HOSPITAL = "hospital"
    CHILDCARE = "childcare"
    LABOR = "labor"
    DAILY_LIFE = "daily_life"


# Categories whose requests carry health data ("special care-required" under the APPI).
SENSITIVE_CATEGORIES = frozenset({RequestCategory.HOSPITAL})


class RequestStatus(enum.StrEnum):
    """Where a request is: new → offered → assigned → completed → closed, or a side exit."""

    NEW = "new"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    UNFILLED = "unfilled"
    REFERRED = "referred"


OPEN_STATUSES = frozenset({RequestStatus.NEW, RequestStatus.OFFERED, RequestStatus.UNFILLED})


class Urgency(enum.StrEnum):
    """How soon help is needed."""

    NORMAL = "normal"
    SOON = "soon"
    URGENT = "urgent"


class RequestSource(enum.StrEnum):
    """Who brought the request to the programme."""

    RESIDENT = "resident"
    MUNICIPALITY = "municipality"
    HOSPITAL = "hospital"
    EMPLOYER = "employer"
    INTERNATIONAL_ASSOCIATION = "international_association"
    OTHER = "other"


class ConsentChannel(enum.StrEnum):
    """How the resident was shown the privacy notice and agreed."""

    WEB_FORM = "web_form"
    PHONE = "phone"
    IN_PERSON = "in_person"
    PAPER = "paper"


class Consent(Owned, db.Model):
    """The resident's agreement to the privacy notice, recorded before their data is stored."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_version: Mapped[str] = mapped_column(String(20))
    language_shown: Mapped[str] = mapped_column(String(16))
    channel: Mapped[ConsentChannel] = mapped_column(str_enum(ConsentChannel))
    # None when the resident agreed themself on the public form.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HelpRequest(Owned, db.Model):
    """A resident's need for a supporter: what, where, when, in which language."""

    __tablename__ = "help_request"
    __table_args__ = (
        Index("ix_help_request_assignee_start", "assigned_supporter_id", "starts_at"),
        # Matching's top-k: who has completed requests of a category, read from the index alone.
        Index("ix_help_request_category_done", "category", "status", "assigned_supporter_id"),
        # The report's requests of a period by place × language (coverage gaps, small cells),
        # read from the index alone, with or without the programme's filter (#17).
        Index(
            "ix_help_request_created_place",
            "created_at",
            "municipality_code",
            "language_code",
            "status",
            "sensitive",
            "programme_id",
        ),
        # The report's requests by the month of their first move to an outcome, and the time
        # to assignment, as an index range over requests (#17; kept by reports/first_moves.py).
        Index(
            "ix_help_request_first_assigned",
            "first_assigned_at",
            "created_at",
            "municipality_code",
            "sensitive",
            "programme_id",
            "id",
        ),
        Index(
            "ix_help_request_first_unfilled",
            "first_unfilled_at",
            "municipality_code",
            "sensitive",
            "programme_id",
            "id",
        ),
        Index(
            "ix_help_request_first_referred",
            "first_referred_at",
            "municipality_code",
            "sensitive",
            "programme_id",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the resident quotes; random, so it reveals nothing about volume or order.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[RequestCategory] = mapped_column(str_enum(RequestCategory), index=True)
    mode: Mapped[Mode] = mapped_column(str_enum(Mode))
    # None means "not specified / Easy Japanese".
    language_code: Mapped[str | None] = mapped_column(ForeignKey("language.code"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    place_address: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency), default=Urgency.NORMAL)
    preferred_gender: Mapped[str | None] = mapped_column(String(10))
    requester_name: Mapped[str] = mapped_column(String(100))
    requester_contact: Mapped[str] = mapped_column(String(254))
    requester_nationality: Mapped[str | None] = mapped_column(String(2))
    residence_status: Mapped[str] = mapped_column(String(60), default="")
    need: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[RequestSource] = mapped_column(str_enum(RequestSource))
    # Health data: stricter visibility and never any detail in a message.
    sensitive: Mapped[bool] = mapped_column(default=False)
    # A keyed hash of the resident's contact, for continuity without copying personal data.
    resident_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus), default=RequestStatus.NEW, index=True
    )
    # Indexed together with starts_at (see __table_args__): a candidate pool's load this month
    # and its assignments on the day are one index range per supporter.
    assigned_supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporter.id"))
    # When open offers lapse without an acceptance, the request becomes unfilled.
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The assigned supporter confirmed they will come (one tap from the 72 h / 24 h reminder).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The resident ticked "remind me the day before" (the privacy notice alone does not cover
    # an automatic message to their contact): supporters/help_requests/reminders.py asks it.
    remind_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    referred_to: Mapped[str] = mapped_column(String(200), default="")
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Indexed for the report's "requests received in the month".
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when the personal fields were replaced by a marker (resident's request or retention);
    # the row stays, so past reports count it as before (supporters/privacy/service.py).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The instant of the request's first event into assigned / unfilled / referred (the
    # earliest ``RequestEvent.at`` with that ``to_status``), kept by every flush that writes
    # request events (``reports/first_moves.py``); read by the report (#17).
    first_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_unfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    municipality: Mapped[Municipality] = relationship()
    language: Mapped[Language | None] = relationship()
    assigned_supporter: Mapped[Supporter | None] = relationship()
    consent: Mapped[Consent] = relationship()
    events: Mapped[list["RequestEvent"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestEvent.id"
    )
    offers: Mapped[list["Offer"]] = relationship(  # noqa: F821
        back_populates="request", cascade="all, delete-orphan", order_by="Offer.id"
    )

    def __repr__(self) -> str:
        return f"<HelpRequest {self.reference} {self.status}>"


class RequestEvent(Owned, db.Model):
    """One lifecycle transition of a request: from, to, who, when and a note.

    A line with a ``code`` records something that happened to the request without (or before)
    a transition — e.g. ``offer_withdrawn`` when a supporter was suspended — with ``params``
    such as ``{"supporter_id": 7, "reason": "supporter_suspended"}``; its words are rendered in
    the viewer's language (``help_requests/event_labels.py``). ``from_status`` and ``to_status``
    are then both the status the request had.
    """

    __tablename__ = "request_event"
    # The report counts requests by the month of their first move to a status; "is there an
    # earlier move of this request to this status?" is answered by the second index.
    __table_args__ = (
        Index("ix_request_event_status_at", "to_status", "at", "request_id"),
        Index("ix_request_event_request_status_at", "request_id", "to_status", "at"),
        # The merged requests (code ``merged_into``), which every report leaves out (#17).
        Index("ix_request_event_code", "code", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus))
    to_status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(String(40), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)

    request: Mapped[HelpRequest] = relationship(back_populates="events")
