"""Forgetting what the channels no longer need: old failure records and spent one-tap links.

``ChannelFailure`` rows exist for the Channels console page, which looks back one month; one-tap
``ActionToken`` rows exist until their link has expired or been used. Both are pruned by the
daily retention job (``supporters/jobs/schedule.py``); deleting by age is safe to run twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_

from supporters.extensions import db
from supporters.models import ActionToken, ChannelFailure

FAILURES_KEPT = timedelta(days=90)  # three of the console's one-month windows
TOKENS_KEPT = timedelta(days=30)  # after expiry or use: long enough to answer "was it used?"


@dataclass
class Pruned:
    """How many rows one run deleted."""

    failures: int = 0
    tokens: int = 0


def prune(now: datetime) -> Pruned:
    """Delete failure records older than :data:`FAILURES_KEPT` and one-tap tokens expired or
    used more than :data:`TOKENS_KEPT` ago (flushes; the caller commits)."""
    failures = db.session.execute(
        delete(ChannelFailure).where(ChannelFailure.failed_at < now - FAILURES_KEPT)
    ).rowcount
    cutoff = now - TOKENS_KEPT
    tokens = db.session.execute(
        delete(ActionToken).where(
            or_(ActionToken.expires_at < cutoff, ActionToken.used_at < cutoff)
        )
    ).rowcount
    return Pruned(failures=failures or 0, tokens=tokens or 0)
