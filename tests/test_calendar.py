"""The coordinators' calendar and the supporter's week, with clashes and travel time.

User story: "As a coordinator I see this week's assignments at a glance, and the calendar tells
me when a supporter has two that overlap or that are too far apart to reach in time — before I
offer them a third."
"""

from datetime import timedelta

import pytest

from supporters.calendar.clashes import OVERLAP, TRAVEL, Slot, TravelRule, find_clashes
from supporters.calendar.service import clashes_for_candidates, period
from supporters.extensions import db
from supporters.models import RequestStatus
from tests.conftest import jst_at

KOGA, MITO = "08204", "08201"


def _assign(request, supporter, status=RequestStatus.ASSIGNED):
    request.assigned_supporter_id = supporter.id
    request.status = status
    db.session.commit()
    return request


def _slot(rid, start_h, end_h, place=KOGA, in_person=True, sid=1):
    return Slot(rid, sid, jst_at(3, start_h), jst_at(3, end_h), place, in_person)


def _km(a, b):
    return 0.0 if a == b else 55.0


# --- The rule, alone ------------------------------------------------------------------------------


def test_overlapping_assignments_clash():
    found = find_clashes([_slot(1, 10, 12), _slot(2, 11, 13)], _km, TravelRule())
    assert [(c.first, c.second, c.kind) for c in found] == [(1, 2, OVERLAP)]


def test_far_places_without_time_to_travel_clash_with_the_reason():
    found = find_clashes([_slot(1, 10, 12), _slot(2, 13, 15, place=MITO)], _km, TravelRule())
    assert len(found) == 1 and found[0].kind == TRAVEL
    # 55 km at 30 km/h is 110 minutes, plus a 15-minute margin; only 60 minutes between.
    assert (found[0].needed_minutes, found[0].gap_minutes) == (125, 60)


def test_enough_time_or_the_same_place_or_a_phone_call_is_no_clash():
    rule = TravelRule()
    assert find_clashes([_slot(1, 10, 12), _slot(2, 15, 16, place=MITO)], _km, rule) == []
    assert find_clashes([_slot(1, 10, 12), _slot(2, 12, 13)], _km, rule) == []
    phone = _slot(2, 12, 13, place=MITO, in_person=False)
    assert find_clashes([_slot(1, 10, 12), phone], _km, rule) == []


def test_speed_and_margin_are_configurable():
    slots = [_slot(1, 10, 12), _slot(2, 13, 15, place=MITO)]
    assert find_clashes(slots, _km, TravelRule(kmh=60, margin_minutes=5)) == []


def test_different_supporters_never_clash():
    assert find_clashes([_slot(1, 10, 12, sid=1), _slot(2, 10, 12, sid=2)], _km, TravelRule()) == []


def test_a_month_is_shown_in_whole_weeks():
    from datetime import date

    # The month grid is Sunday first (Japanese calendars); the week view Monday to Sunday.
    first, last = period("month", date(2026, 12, 15))
    assert (first, last) == (date(2026, 11, 29), date(2027, 1, 2))
    assert period("week", date(2026, 12, 3)) == (date(2026, 11, 30), date(2026, 12, 6))


# --- The console page -----------------------------------------------------------------------------


@pytest.fixture
def busy_day(users, make_supporter, make_request):
    lan = make_supporter(name="Lan Calendar")
    first = _assign(make_request(days_ahead=3, hours=(10, 12), category="hospital"), lan)
    second = _assign(make_request(days_ahead=3, hours=(13, 14), municipality=MITO), lan)
    other = _assign(
        make_request(days_ahead=3, hours=(10, 12), language="pt"), users["supporter"].supporter
    )
    return lan, first, second, other


def _week_of(request):
    return request.starts_at.date().isoformat()


def test_coordinator_sees_the_week_with_links_and_the_clash(client, auth, busy_day):
    lan, first, second, other = busy_day
    auth.login("coordinator@example.jp")
    page = client.get(f"/calendar/?day={_week_of(first)}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for item in (first, second, other):
        assert f'href="/requests/{item.id}"' in html
    assert html.count('data-testid="clash"') == 2  # shown on both assignments
    assert 'data-kind="travel"' in html
    assert "Not enough time to travel" in html


def test_filters_by_supporter_language_and_municipality(client, auth, busy_day):
    lan, first, second, other = busy_day
    auth.login("coordinator@example.jp")
    day = _week_of(first)
    html = client.get(f"/calendar/?day={day}&supporter={lan.id}").get_data(as_text=True)
    assert f"/requests/{first.id}" in html and f"/requests/{other.id}" not in html
    html = client.get(f"/calendar/?day={day}&language=pt").get_data(as_text=True)
    assert f"/requests/{other.id}" in html and f"/requests/{first.id}" not in html
    html = client.get(f"/calendar/?day={day}&municipality={MITO}&view=month").get_data(as_text=True)
    assert f"/requests/{second.id}" in html and f"/requests/{first.id}" not in html
    # The clash with the Koga assignment still shows when only Mito is listed.
    assert 'data-testid="clash"' in html


def test_bad_filters_show_the_current_week_not_an_error(client, auth, busy_day):
    auth.login("coordinator@example.jp")
    for query in ("day=2026-13-45", "day=9999-01-01", "supporter=abc", "language=<x>", "view=year"):
        assert client.get(f"/calendar/?{query}").status_code == 200


def test_officers_officials_and_supporters_are_refused(client, auth, busy_day):
    for email in ("official@example.jp", "municipal_officer@example.jp", "supporter@example.jp"):
        auth.login(email)
        response = client.get("/calendar/")
        assert response.status_code == 403, (email, response.headers.get("Location"))
        auth.logout()


def test_request_page_warns_before_offering_to_a_supporter_who_cannot_get_there(
    app, busy_day, make_request
):
    lan, first, second, other = busy_day
    # Mito 12–13: Lan is in Koga until 12 (55 km away) and in Mito again from 13 (fine).
    later = make_request(days_ahead=3, hours=(12, 13), municipality=MITO)
    overlapping = make_request(days_ahead=3, hours=(11, 12))
    with app.test_request_context():
        found = clashes_for_candidates(later, [lan.id, other.assigned_supporter_id])
        overlap = clashes_for_candidates(overlapping, [lan.id])
    assert [(c.kind, c.first, c.second) for c in found[lan.id]] == [(TRAVEL, first.id, later.id)]
    # Koga 11–12 overlaps Koga 10–12, and leaves an hour to reach Mito by 13.
    assert sorted(c.kind for c in overlap[lan.id]) == [OVERLAP, TRAVEL]
    # The other supporter's Koga 10–12 assignment also leaves no time to reach Mito by 12:00.
    assert [c.kind for c in found[other.assigned_supporter_id]] == [TRAVEL]


# --- The supporter's week -------------------------------------------------------------------------


def test_supporter_sees_only_their_own_week(client, auth, busy_day):
    lan, first, second, other = busy_day
    auth.login("supporter@example.jp")
    html = client.get(f"/me/calendar?day={_week_of(first)}").get_data(as_text=True)
    assert f'href="/me/assignments/{other.id}"' in html
    assert f"/me/assignments/{first.id}" not in html
    assert "Lan Calendar" not in html
    next_week = client.get(f"/me/calendar?day={(other.starts_at + timedelta(days=7)).date()}")
    assert f"/me/assignments/{other.id}" not in next_week.get_data(as_text=True)


def test_request_page_shows_the_clash_next_to_the_candidate(
    client, auth, busy_day, make_request, set_programme
):
    set_programme()
    lan, first, second, other = busy_day
    # Koga 14:30 right after Lan's Mito 13–14: no overlap, so the matcher keeps Lan, but there
    # is no time to drive back.
    late = make_request(days_ahead=3, hours=(14, 16), duration_minutes=60)
    auth.login("coordinator@example.jp")
    html = client.get(f"/requests/{late.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert 'data-testid="candidates"' in html
    assert 'data-testid="candidate-clash" data-kind="travel"' in html
    # A candidate with a clash is not ticked for offering by default.
    assert f'value="{lan.id}" id="offer-{lan.id}" >' in html
