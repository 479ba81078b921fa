"""The supporter app on a bad connection: which of my own pages the phone keeps offline.

``/me/offline.json`` lists the pages the service worker (static/sw.js) stores: the home, the
case log, a blank case log form, and each of my assignments of the next 14 days with its
"log this case" form. Only the signed-in supporter's own pages are listed, so the phone never
keeps anyone else's data; ``owner`` is an opaque key of the account (never its id) so the phone
can tell that another person signed in and forget the first one's pages. ``csrf`` is a fresh
form token for sending case logs written offline (their own token may have expired).
"""

import hashlib
import hmac
from datetime import datetime, time, timedelta

from flask import current_app, jsonify, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from supporters.access import supporter_required
from supporters.clock import JST, today_jst, utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, RequestStatus
from supporters.portal.routes import bp

OFFLINE_DAYS = 14


def owner_key(user_id: int) -> str:
    """An opaque, stable key of an account for the phone's storage (an HMAC, not the id)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"offline-owner:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def upcoming_assignment_ids(supporter_id: int, now: datetime | None = None) -> list[int]:
    """My assignments from today (Japan time) to 14 days ahead, soonest first."""
    now = now or utcnow()
    since = datetime.combine(today_jst(), time(0), tzinfo=JST)
    return list(
        db.session.scalars(
            select(HelpRequest.id)
            .where(
                HelpRequest.assigned_supporter_id == supporter_id,
                HelpRequest.status == RequestStatus.ASSIGNED,
                HelpRequest.ends_at >= since,
                HelpRequest.starts_at < now + timedelta(days=OFFLINE_DAYS),
            )
            .order_by(HelpRequest.starts_at, HelpRequest.id)
        )
    )


@bp.get("/offline.json")
@supporter_required
def offline_pages():
    """The pages this phone keeps for reading offline, whose they are, and a fresh form token."""
    pages = [url_for("portal.me"), url_for("portal.log"), url_for("portal.log_new")]
    for request_id in upcoming_assignment_ids(current_user.supporter_id):
        pages.append(url_for("portal.assignment", request_id=request_id))
        pages.append(url_for("portal.log_new", request=request_id))
    return jsonify(
        {
            "owner": owner_key(current_user.id),
            "pages": pages,
            "csrf": generate_csrf(),
            "days": OFFLINE_DAYS,
        }
    )
