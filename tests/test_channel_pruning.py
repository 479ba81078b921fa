"""The daily retention job forgets old channel failures and spent one-tap links, and only those."""

from datetime import timedelta

from sqlalchemy import func, select

from supporters.clock import utcnow
from supporters.jobs import schedule
from supporters.models import ActionToken, ChannelFailure


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_retention_job_prunes_old_failures_and_spent_tokens_and_keeps_the_rest(db, make_user):
    now = utcnow()
    user = make_user("supporter", email="lan@example.jp")
    db.session.add_all(
        [
            ChannelFailure(channel="line", failed_at=now - timedelta(days=91), error="HTTP 500"),
            ChannelFailure(channel="line", failed_at=now - timedelta(days=10), error="HTTP 500"),
            ActionToken(  # expired five weeks ago: gone
                id="old-expired",
                user_id=user.id,
                action="accept",
                target_id=1,
                expires_at=now - timedelta(days=35),
            ),
            ActionToken(  # used five weeks ago, though its expiry is later: gone
                id="old-used",
                user_id=user.id,
                action="confirm",
                target_id=1,
                expires_at=now + timedelta(days=1),
                used_at=now - timedelta(days=35),
            ),
            ActionToken(  # expired yesterday: kept, so its page can still say "expired"
                id="recent",
                user_id=user.id,
                action="accept",
                target_id=2,
                expires_at=now - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()

    result = schedule.retention_purge(now)
    db.session.commit()
    assert (result["channel_failures_deleted"], result["action_tokens_deleted"]) == (1, 2)
    assert _count(db, ChannelFailure) == 1
    assert db.session.scalars(select(ActionToken.id)).all() == ["recent"]

    again = schedule.retention_purge(now)  # safe to run twice
    assert (again["channel_failures_deleted"], again["action_tokens_deleted"]) == (0, 0)
