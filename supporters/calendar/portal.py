"""The supporter's own week (/me/calendar) and their private feed link (renew, revoke)."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from supporters.access import supporter_required
from supporters.calendar import feed, service
from supporters.clock import in_window, today_jst
from supporters.links import absolute_url
from supporters.portal.labels import labels
from supporters.portal.routes import bp


class FeedForm(FlaskForm):
    """The renew and stop buttons (empty: CSRF only)."""


def _supporter():
    supporter = current_user.supporter
    if supporter is None:
        abort(404)
    return supporter


def _day(raw: str | None) -> date:
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        return today_jst()
    return day if in_window(day) else today_jst()


def _page(feed_url: str | None = None, status: int = 200):
    supporter = _supporter()
    day = _day(request.args.get("day"))
    first, last = service.period(service.WEEK, day)
    start, end = service.bounds(first, last)
    items = service.assignments_between(start, end, supporter_id=supporter.id)
    return render_template(
        "portal/calendar.html",
        days=service.days_of(first, last, items),
        first=first,
        last=last,
        today=today_jst(),
        prev_day=first - timedelta(days=7),
        next_day=first + timedelta(days=7),
        has_feed=feed.has_feed(supporter),
        feed_url=feed_url,
        form=FeedForm(),
        **labels(),
    ), status


@bp.get("/calendar")
@supporter_required
def calendar():
    """My week: each day's assignments, with a link to each and the feed link's settings."""
    return _page()


@bp.post("/calendar/feed")
@supporter_required
def renew_feed():
    """Make a new private feed link; the old one stops working. The link is shown once."""
    supporter = _supporter()
    if not FeedForm().validate_on_submit():
        abort(400)
    token = feed.renew(supporter)
    flash(_("Your new calendar link is ready. The old link no longer works."), "ok")
    return _page(absolute_url("calendar.supporter_feed", token=token))


@bp.post("/calendar/feed/revoke")
@supporter_required
def revoke_feed():
    """Stop the private feed link."""
    supporter = _supporter()
    if not FeedForm().validate_on_submit():
        abort(400)
    feed.revoke(supporter)
    flash(_("Your calendar link has been stopped."), "ok")
    return redirect(url_for("portal.calendar"), 303)
