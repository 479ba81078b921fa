"""What the background worker leaves in the database: scheduled runs, failures, heartbeats."""

from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class ScheduledRun(db.Model):
    """Scheduled work done for one period (``digest`` for week ``2026-W48``): at most once each."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_scheduled_run"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class JobFailure(Owned, db.Model):
    """A background job that failed after its last retry: the console's dead-letter list."""

    __tablename__ = "job_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    args: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(String(20), default="")  # retried | discarded


class WorkerHeartbeat(db.Model):
    """Each worker process writes its beat here every minute; ``/readyz`` checks it is fresh."""

    __tablename__ = "worker_heartbeat"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
