"""The coordinators' calendar (/calendar/) and the supporters' private feed (/calendar/feed/)."""

from datetime import date, timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from supporters.access import coordinator_required
from supporters.calendar import feed, month, service
from supporters.calendar.holidays import holiday_names
from supporters.calendar.labels import clash_text
from supporters.clock import in_window, today_jst, utcnow
from supporters.extensions import db
from supporters.i18n import current_locale
from supporters.input_guard import parse_id
from supporters.labels import MODE_LABELS, REQUEST_CATEGORY_LABELS, WEEKDAY_LABELS
from supporters.models import Supporter, SupporterStatus
from supporters.reference_data import reference_data

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def _day(raw: str | None) -> date:
    """``?day=2026-12-01``; anything unreadable means today (a filter never fails)."""
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        return today_jst()
    return day if in_window(day) else today_jst()


@bp.get("/")
@coordinator_required
def index():
    """Assignments by week or month, filtered by supporter, language or municipality."""
    view = service.MONTH if request.args.get("view") == service.MONTH else service.WEEK
    day = _day(request.args.get("day"))
    first, last = service.period(view, day)
    start, end = service.bounds(first, last)
    ref = reference_data()
    language = request.args.get("language", "").strip()
    language = language if language in ref.languages else ""
    municipality = request.args.get("municipality", "").strip()
    municipality = municipality if municipality in ref.municipalities else ""
    supporter_id = parse_id(request.args.get("supporter"))
    items = service.assignments_between(
        start, end, supporter_id=supporter_id, language=language, municipality=municipality
    )
    locale = current_locale()
    today = today_jst()
    clashes = service.clashes_of(items, start, end)
    supporters = db.session.execute(
        select(Supporter.id, Supporter.display_name)
        .where(Supporter.status.in_((SupporterStatus.CERTIFIED, SupporterStatus.SUSPENDED)))
        .order_by(Supporter.display_name)
    ).all()
    return render_template(
        "calendar/index.html",
        view=view,
        day=day,
        first=first,
        last=last,
        days=service.days_of(first, last, items),
        grid=month.month_grid(day, items, today, clashes, holidays=_holidays(day, view))
        if view == service.MONTH
        else None,
        weekdays=month.weekday_headers(get_locale()),
        month_title=month.month_title(day, get_locale()),
        clashes=clashes,
        clash_text=clash_text,
        today=today,
        prev_day=_step(view, day, -1),
        next_day=_step(view, day, 1),
        filters={"supporter": supporter_id, "language": language, "municipality": municipality},
        supporter_options=supporters,
        language_options=[(c, lang.name(locale)) for c, lang in ref.languages.items()],
        municipality_options=[(c, m.name(locale)) for c, m in ref.municipalities.items()],
        CATEGORY_LABELS=REQUEST_CATEGORY_LABELS,
        MODE_LABELS=MODE_LABELS,
        WEEKDAY_LABELS=WEEKDAY_LABELS,
        ref=ref,
        locale=locale,
        count=len(items),
        title=_("Calendar"),
    )


def _step(view: str, day: date, direction: int) -> date:
    """The day to show for the previous (-1) or next (1) week or month."""
    if view == service.WEEK:
        return day + timedelta(days=7 * direction)
    return month.previous_month(day) if direction < 0 else month.next_month(day)


@bp.get("/feed/<token>.ics")
def supporter_feed(token: str):
    """A supporter's assignments for calendar apps; the secret in the URL is the only key."""
    supporter = feed.supporter_for(token)
    if supporter is None:
        abort(404)
    return Response(
        feed.feed_for(supporter, utcnow()),
        mimetype="text/calendar",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'inline; filename="yorisoi.ics"',
        },
    )


@bp.app_context_processor
def _calendar_helpers():
    """``candidate_clashes(request, ids)`` for the request page's candidates (before offering)."""
    return {"candidate_clashes": service.clashes_for_candidates, "clash_text": clash_text}


def _holidays(day, view) -> dict:
    """The public holidays of the month grid around ``day`` (none for the week view)."""
    if view != service.MONTH:
        return {}
    first, last = month.month_span(day)
    return holiday_names(first, last, str(get_locale()))
