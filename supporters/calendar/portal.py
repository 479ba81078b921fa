"""The supporter's own week or month (/me/calendar) and their private feed link (renew, revoke)."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from supporters.access import supporter_required
from supporters.calendar import feed, month, service
from supporters.calendar.holidays import holiday_names
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
    view = service.MONTH if request.args.get("view") == service.MONTH else service.WEEK
    day = _day(request.args.get("day"))
    first, last = service.period(view, day)
    start, end = service.bounds(first, last)
    items = service.assignments_between(start, end, supporter_id=supporter.id)
    today = today_jst()
    if view == service.MONTH:
        steps = month.previous_month(day), month.next_month(day)
    else:
        steps = first - timedelta(days=7), first + timedelta(days=7)
    return render_template(
        "portal/calendar.html",
        view=view,
        day=day,
        days=service.days_of(first, last, items),
        grid=month.month_grid(day, items, today, holidays=_holidays(day, view))
        if view == service.MONTH
        else None,
        weekdays=month.weekday_headers(get_locale()),
        month_title=month.month_title(day, get_locale()),
        first=first,
        last=last,
        today=today,
        prev_day=steps[0],
        next_day=steps[1],
        has_feed=feed.has_feed(supporter),
        feed_url=feed_url,
        form=FeedForm(),
        **labels(),
    ), status


@bp.get("/calendar")
@supporter_required
def calendar():
    """My week (each day's assignments) or my month (a grid, then the days with assignments),
    with a link to each assignment and the feed link's settings."""
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


def _holidays(day, view) -> dict:
    """The public holidays of the month grid around ``day`` (none for the week view)."""
    if view != service.MONTH:
        return {}
    first, last = month.month_span(day)
    return holiday_names(first, last, str(get_locale()))
