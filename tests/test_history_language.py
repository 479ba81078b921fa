"""A request's history is stored as codes and read in the viewer's language (issue 16, item 1),
and a case cannot be logged before it happens (item 4)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from supporters.activities import log
from supporters.clock import today_jst, utcnow
from supporters.extensions import db as _db
from supporters.help_requests import event_labels, offers
from supporters.models import (
    ActivityCategory,
    ActivityOutcome,
    HelpRequest,
    Mode,
    RequestEvent,
    RequestStatus,
)
from supporters.refusals import Refused
from tests.conftest import Auth, jst_at, post_form
from tests.test_case_log import _form

VIETNAMESE_NOTE = "Người hỗ trợ đã ghi nhật ký hoạt động."


def _assigned(make_request, users, days_ahead: int = 3) -> HelpRequest:
    request = make_request(days_ahead=days_ahead)
    supporter_id = users["supporter"].supporter_id
    (offer,) = offers.send_offers(request, [supporter_id], users["coordinator"])
    _db.session.commit()
    offers.accept(offer.id, supporter_id, users["supporter"])
    _db.session.commit()
    return request


def _to_the_past(request: HelpRequest, days: int = 1) -> None:
    request.starts_at, request.ends_at = jst_at(-days, 10), jst_at(-days, 12)
    _db.session.commit()


def _entry(request_id=None, day=None, token="t-1") -> log.ActivityEntry:
    return log.ActivityEntry(
        happened_on=day or today_jst(),
        duration_minutes=60,
        category=ActivityCategory.DAILY_LIFE,
        mode=Mode.IN_PERSON,
        municipality_code="08204",
        language_code="vi",
        outcome=ActivityOutcome.RESOLVED,
        client_token=token,
        request_id=request_id,
    )


def _events(request_id: int) -> list[RequestEvent]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by("id")
        )
    )


def _sign_in(app, email: str, language: str):
    client = app.test_client()
    Auth(client).login(email)
    post_form(client, "/language", {"language": language}, "/no-such-page")
    return client


def test_the_services_store_codes_not_words(app, db, users, make_request):
    request = _assigned(make_request, users)
    _to_the_past(request)
    supporter = users["supporter"].supporter
    log.log_activity(supporter, _entry(request.id), users["supporter"])
    db.session.commit()
    events = _events(request.id)
    assert [(e.to_status.value, e.code) for e in events] == [
        ("new", ""),
        ("offered", "offers_sent"),
        ("assigned", "offer_accepted"),
        ("completed", "case_logged"),
    ]
    assert all(e.note == "" for e in events)  # nothing rendered in the actor's language
    assert events[1].params == {"count": 1}
    assert events[2].params == {"supporter_id": supporter.id}


def test_a_vietnamese_supporter_logs_and_the_coordinator_reads_japanese(
    app, db, users, make_request
):
    request = _assigned(make_request, users)
    _to_the_past(request)
    supporter = _sign_in(app, "supporter@example.jp", "vi")
    _page, values = _form(supporter, f"/me/log/new?request={request.id}")
    sent = supporter.post(
        f"/me/log/new?request={request.id}", data={**values, "outcome": "resolved"}
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.COMPLETED

    japanese = _sign_in(app, "coordinator@example.jp", "ja")
    page = japanese.get(f"/requests/{request.id}").get_data(as_text=True)
    history = page[page.index('class="history"') :]
    history = re.sub(r"<[^>]+>", "", history[: history.index("</ol>")])
    assert "サポーターが活動を記録しました。" in history
    assert "人のサポーターに打診しました" in history and "打診を引き受け" in history
    for foreign in (VIETNAMESE_NOTE, "accepted", "offer(s)", "Case logged"):
        assert foreign not in history

    english = _sign_in(app, "coordinator@example.jp", "en")
    page = english.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Case logged by the supporter." in page and "1 offer(s) sent." in page


def test_old_rows_written_as_words_are_read_in_the_viewers_language(app, db, users, make_request):
    """Rows written before the codes: the known words are read back to their code."""
    request = make_request()
    for note, to in (
        ("2 offer(s)", RequestStatus.OFFERED),
        ("accepted", RequestStatus.ASSIGNED),
        (VIETNAMESE_NOTE, RequestStatus.COMPLETED),
    ):
        db.session.add(
            RequestEvent(request=request, from_status=RequestStatus.NEW, to_status=to, note=note)
        )
    db.session.add(
        RequestEvent(
            request=request,
            from_status=RequestStatus.NEW,
            to_status=RequestStatus.CANCELLED,
            note="本人から取り消しの電話",
        )
    )
    db.session.commit()
    page = _sign_in(app, "coordinator@example.jp", "ja").get(f"/requests/{request.id}")
    text = page.get_data(as_text=True)
    assert VIETNAMESE_NOTE not in text and "offer(s)" not in text
    assert "2人のサポーターに打診しました。" in text and "サポーターが活動を記録しました。" in text
    assert "本人から取り消しの電話" in text  # what a person typed stays as typed
    assert event_labels.legacy_code("3 offer(s)") == ("offers_sent", {"count": 3})
    assert event_labels.legacy_code("anything typed") == ("", {})


def test_officers_read_coded_lines_without_names(app, db, users, make_request):
    request = _assigned(make_request, users)
    page = _sign_in(app, "municipal_officer@example.jp", "en").get(f"/requests/{request.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    history = text[text.index('class="history"') :]
    history = history[: history.index("</ol>")]
    assert "Offer accepted" in history and "Trần Văn Hùng" not in history


# --- Item 4: a case is logged once it has happened ---------------------------------------------


def test_a_future_assignment_cannot_be_logged_or_completed(app, db, users, make_request):
    request = _assigned(make_request, users, days_ahead=3)
    supporter = users["supporter"].supporter
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(Refused) as refused:
            log.log_activity(supporter, _entry(request.id), users["supporter"])
    assert "happened_on" in refused.value.fields
    assert "Log it once it has happened" in refused.value.fields["happened_on"]
    db.session.rollback()
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.ASSIGNED


def test_a_case_cannot_be_dated_before_its_assignment(app, db, users, make_request):
    request = _assigned(make_request, users)
    _to_the_past(request, days=1)
    problems = log.check(
        _entry(request.id, day=today_jst() - timedelta(days=2)), users["supporter"].supporter
    )
    assert set(problems) == {"happened_on"}
    assert log.check(_entry(request.id, day=today_jst()), users["supporter"].supporter) == {}


def test_a_date_in_the_future_is_refused_even_without_a_request(app, db, users):
    problems = log.check(_entry(day=today_jst() + timedelta(days=1)), None)
    assert set(problems) == {"happened_on"}


def test_the_portal_says_when_a_future_assignment_can_be_logged(app, db, users, make_request):
    request = _assigned(make_request, users, days_ahead=3)
    client = _sign_in(app, "supporter@example.jp", "en")
    page = client.get(f"/me/assignments/{request.id}").get_data(as_text=True)
    assert 'data-testid="log-later"' in page and 'data-testid="mark-done"' not in page
    _to_the_past(request)
    page = client.get(f"/me/assignments/{request.id}").get_data(as_text=True)
    assert 'data-testid="mark-done"' in page


def test_the_api_refuses_a_future_case_with_the_same_field(app, db, users, make_request):
    from tests.test_api import ApiClient, token_for

    request = _assigned(make_request, users, days_ahead=2)
    api = ApiClient(app.test_client(), token_for(users["supporter"]))
    body = {
        "happened_on": today_jst().isoformat(),
        "duration_minutes": 60,
        "category": "daily_life",
        "mode": "in_person",
        "municipality_code": "08204",
        "language_code": "vi",
        "outcome": "resolved",
        "client_token": "api-1",
        "request_id": request.id,
    }
    answer = api.post("/activities", json=body, headers={"Accept-Language": "en"})
    assert answer.status_code == 422, answer.get_json()
    assert "happened_on" in answer.get_json()["error"]["fields"]
    assert utcnow() < db.session.get(HelpRequest, request.id).starts_at
