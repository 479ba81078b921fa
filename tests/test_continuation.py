"""The yearly continuation check, the lapse list and re-activation.

User story: "Once a year I ask every certified supporter whether they continue. Those who said
they stop, and those who neither answered nor did anything for a year, appear on a list I can
retire in one step — and someone who comes back later is re-activated with their history."
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from supporters.clock import fiscal_year, today_jst
from supporters.continuation import service
from supporters.continuation.service import Retirement, months_before
from supporters.extensions import db as _db
from supporters.models import (
    Activity,
    ContinuationAnswer,
    ContinuationCheck,
    Notification,
    OutboxMessage,
    RequestStatus,
    Supporter,
    SupporterStatus,
)
from supporters.refusals import Refused
from supporters.registry import operations
from tests.conftest import post_form

YEAR = fiscal_year(today_jst())


@pytest.fixture
def coordinator(client, auth, users):
    auth.login("coordinator@example.jp")
    client.set_cookie("yorisoi_lang", "en")
    return users["coordinator"]


def _checks(year: int = YEAR) -> list[ContinuationCheck]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(ContinuationCheck)
            .where(ContinuationCheck.fiscal_year == year)
            .order_by(ContinuationCheck.supporter_id)
        )
    )


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def _activity(supporter: Supporter, days_ago: int) -> None:
    _db.session.add(
        Activity(
            supporter_id=supporter.id,
            happened_on=today_jst() - timedelta(days=days_ago),
            duration_minutes=60,
            category="daily_life",
            mode="in_person",
            municipality_code="08204",
            client_token=f"t{supporter.id}-{days_ago}",
        )
    )
    _db.session.commit()


def _status(supporter_id: int) -> SupporterStatus:
    _db.session.expire_all()
    return _db.session.get(Supporter, supporter_id).status


# --- Starting the check -------------------------------------------------------------------------


def test_every_certified_supporter_is_asked_once(db, make_supporter):
    asked = [make_supporter(name="Lan"), make_supporter(name="Hùng")]
    for status in ("applicant", "suspended", "retired"):
        make_supporter(status=status)

    first = service.start_check(YEAR, by=None)
    db.session.commit()
    assert (first.asked, first.already_asked) == (2, 0)
    assert [c.supporter_id for c in _checks()] == [s.id for s in asked]
    mails = _count(OutboxMessage)
    assert mails == 2

    second = service.start_check(YEAR, by=None)
    db.session.commit()
    assert (second.asked, second.already_asked) == (0, 2)
    assert len(_checks()) == 2
    assert _count(OutboxMessage) == mails  # nobody is asked twice


def test_the_unique_key_refuses_a_second_row_for_the_same_year(db, make_supporter):
    supporter = make_supporter()
    db.session.add(ContinuationCheck(supporter_id=supporter.id, fiscal_year=YEAR))
    db.session.commit()
    db.session.add(ContinuationCheck(supporter_id=supporter.id, fiscal_year=YEAR))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A row made by a concurrent start is skipped, not duplicated.
    assert service.start_check(YEAR, by=None).asked == 0


def test_a_row_taken_meanwhile_is_skipped_and_the_rest_of_the_start_kept(
    db, make_supporter, monkeypatch
):
    """Another start wins Hùng's row while this one is notifying Lan: the savepoint around
    Hùng's insert gives way (first one wins), and Lan's row and message stay in this unit of
    work — on PostgreSQL a failed insert without a savepoint would abort the whole transaction."""
    lan, hung = make_supporter(name="Lan"), make_supporter(name="Hùng")
    real_notify = service.notify_supporter

    def notify_while_another_start_takes_hung(supporter, *args, **kwargs):
        if supporter.id == lan.id:
            db.session.execute(
                insert(ContinuationCheck).values(supporter_id=hung.id, fiscal_year=YEAR)
            )
        return real_notify(supporter, *args, **kwargs)

    monkeypatch.setattr(service, "notify_supporter", notify_while_another_start_takes_hung)
    started = service.start_check(YEAR, by=None)
    db.session.commit()
    assert (started.asked, started.already_asked) == (1, 1)
    assert [c.supporter_id for c in _checks()] == [lan.id, hung.id]
    assert _count(OutboxMessage) == 1  # Hùng is notified by the start that won his row


def test_the_savepoints_nest_inside_the_callers_unit_of_work(db, make_supporter):
    """The caller decides: a rollback after the start undoes every row it added. (On SQLite a
    savepoint used to open the transaction itself, and its release committed the first row.)"""
    make_supporter(name="Lan")
    make_supporter(name="Hùng")
    assert service.start_check(YEAR, by=None).asked == 2
    db.session.rollback()
    assert _checks() == []
    assert _count(OutboxMessage) == 0


def test_the_message_says_nothing_personal(db, make_supporter):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp")
    service.start_check(YEAR, by=None)
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "lan@example.jp"
    assert "/me/continue" in mail.body
    assert "Nguyễn" not in mail.body and "Nguyễn" not in mail.subject
    assert supporter.display_name not in mail.body


def test_coordinator_starts_the_check_from_the_console(client, db, coordinator, users):
    response = post_form(client, "/continuation/start", {}, token_from="/continuation/")
    assert response.status_code == 302
    page = client.get("/continuation/").get_data(as_text=True)
    assert "1 supporters were asked" in page
    linked = users["supporter"]
    notes = db.session.scalars(select(Notification).where(Notification.user_id == linked.id))
    assert [n.link for n in notes] == ["/me/continue"]
    post_form(client, "/continuation/start", {}, token_from="/continuation/")
    assert len(_checks()) == 1


def test_the_cli_asks_for_a_given_year(app, db, make_supporter):
    make_supporter()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["supporters", "ask-continuation", "--fiscal-year", "2030"])
    assert result.exit_code == 0, result.output
    assert "1 supporter(s) asked" in result.output
    again = runner.invoke(args=["supporters", "ask-continuation", "--fiscal-year", "2030"])
    assert "0 supporter(s) asked, 1 already asked" in again.output
    assert len(_checks(2030)) == 1


# --- The supporter's answer ---------------------------------------------------------------------


@pytest.fixture
def asked(client, auth, db, users, make_supporter):
    """The signed-in supporter and another one, both asked this year."""
    other = make_supporter(name="Someone Else")
    service.start_check(YEAR, by=None)
    db.session.commit()
    auth.login("supporter@example.jp")
    client.set_cookie("yorisoi_lang", "en")
    return users["supporter"].supporter_id, other.id


def test_the_answer_rules_are_the_services_on_the_page_and_directly(client, db, asked):
    """No answer, or a note over 1,000 characters: the same words from the page and the service."""
    own, _other = asked
    page = post_form(client, "/me/continue", {"answer": "maybe", "comment": "x" * 1001})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Choose one." in text and "At most 1000 characters." in text
    check = _checks()[0]
    with pytest.raises(Refused) as refused:
        service.answer(check, None, "x" * 1001, by=None)
    assert set(refused.value.fields) == {"answer", "comment"}
    assert all(c.answer is None for c in _checks())


def test_the_home_page_asks_until_answered(client, db, asked):
    own, _other = asked
    assert 'data-testid="continuation-notice"' in client.get("/me/").get_data(as_text=True)

    response = post_form(client, "/me/continue", {"comment": "x"})
    assert response.status_code == 422
    assert "Choose one." in response.get_data(as_text=True)
    assert all(c.answer is None for c in _checks())

    response = post_form(client, "/me/continue", {"answer": "continue", "comment": " Weekends "})
    assert response.status_code == 302
    mine = next(c for c in _checks() if c.supporter_id == own)
    assert (mine.answer, mine.comment) == (ContinuationAnswer.CONTINUE, "Weekends")
    assert mine.answered_at is not None
    assert 'data-testid="continuation-notice"' not in client.get("/me/").get_data(as_text=True)
    assert '<input checked id="answer-0"' in client.get("/me/continue").get_data(as_text=True)


def test_a_supporter_answers_only_their_own_question(client, db, asked):
    own, other = asked
    post_form(client, "/me/continue", {"answer": "stop", "supporter_id": str(other)})
    answers = {c.supporter_id: c.answer for c in _checks()}
    assert answers == {own: ContinuationAnswer.STOP, other: None}


def test_nothing_to_answer_before_the_check(client, auth, users):
    auth.login("supporter@example.jp")
    page = client.get("/me/continue").get_data(as_text=True)
    assert 'data-testid="no-question"' in page
    assert 'data-testid="continuation-notice"' not in client.get("/me/").get_data(as_text=True)


# --- The lapse list ---------------------------------------------------------------------------


@pytest.fixture
def world(db, make_supporter, make_request):
    """Supporters certified in May 2025, asked this year, each with a different story."""
    people = {
        name: make_supporter(name=name)
        for name in ("silent", "active", "assigned", "continues", "stops", "long ago")
    }
    service.start_check(YEAR, by=None)
    db.session.commit()
    _activity(people["active"], days_ago=60)
    _activity(people["stops"], days_ago=5)
    _activity(people["long ago"], days_ago=420)
    request = make_request(days_ahead=3)  # intake takes no request in the past: move it back
    request.starts_at -= timedelta(days=33)
    request.ends_at -= timedelta(days=33)
    request.assigned_supporter_id = people["assigned"].id
    request.status = RequestStatus.COMPLETED
    db.session.commit()
    for name, reply in (("continues", "continue"), ("stops", "stop")):
        check = next(c for c in _checks() if c.supporter_id == people[name].id)
        service.answer(check, ContinuationAnswer(reply), "Moving to Osaka", by=None)
    db.session.commit()
    return people


def test_lapse_list_holds_stoppers_and_the_silent_and_inactive(db, world):
    year, lapses = service.lapse_list(today_jst(), 12)
    assert year == YEAR
    assert sorted(lapse.supporter.display_name for lapse in lapses) == [
        "long ago",
        "silent",
        "stops",
    ]
    by_name = {lapse.supporter.display_name: lapse for lapse in lapses}
    assert by_name["long ago"].last_activity_on == today_jst() - timedelta(days=420)
    assert by_name["stops"].said_stop


def test_the_period_is_configurable(db, world):
    _year, lapses = service.lapse_list(today_jst(), 24)
    assert sorted(lapse.supporter.display_name for lapse in lapses) == ["stops"]


def test_months_before_keeps_the_day_or_the_months_end():
    assert months_before(date(2026, 11, 23), 12) == date(2025, 11, 23)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 2) == date(2025, 11, 15)


def test_lapse_page_shows_the_reason(client, coordinator, world):
    page = client.get("/continuation/lapses").get_data(as_text=True)
    assert "Moving to Osaka" in page and "Stops" in page
    assert (today_jst() - timedelta(days=420)).isoformat() in page
    assert f'data-testid="lapse-{world["active"].id}"' not in page


def test_retire_selected_in_one_step(client, db, coordinator, world):
    ids = [world["silent"].id, world["stops"].id]
    response = post_form(
        client, "/continuation/lapses", {"supporters": ids, "reason": "No answer to FY check"}
    )
    assert response.status_code == 302
    assert [_status(i) for i in ids] == [SupporterStatus.RETIRED] * 2
    assert _status(world["long ago"].id) is SupporterStatus.CERTIFIED
    retired = db.session.get(Supporter, ids[0])
    assert retired.status_changes[-1].reason == "No answer to FY check"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "gone"}, "Choose at least one supporter."),
        ({"supporters": ["SILENT"]}, "Give a reason."),
        ({"supporters": ["ACTIVE"], "reason": "gone"}, "no longer on the lapse list"),
    ],
)
def test_bad_retire_requests_retire_nobody(client, db, coordinator, world, data, message):
    names = {"SILENT": "silent", "ACTIVE": "active"}
    if "supporters" in data:
        data = {**data, "supporters": [str(world[names[v]].id) for v in data["supporters"]]}
    response = post_form(client, "/continuation/lapses", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert all(_status(s.id) is SupporterStatus.CERTIFIED for s in world.values())


def test_a_failure_midway_retires_nobody(client, db, coordinator, world, monkeypatch):
    real_retire, calls = operations.retire, []

    def retire_then_fail(supporter, *args, **kwargs):
        calls.append(supporter.id)
        if len(calls) == 2:
            raise Refused("The database said no.")
        return real_retire(supporter, *args, **kwargs)

    monkeypatch.setattr(operations, "retire", retire_then_fail)
    ids = [world["silent"].id, world["stops"].id, world["long ago"].id]
    response = post_form(client, "/continuation/lapses", {"supporters": ids, "reason": "gone"})
    assert response.status_code == 422
    assert "The database said no." in response.get_data(as_text=True)
    assert len(calls) == 2
    assert all(_status(i) is SupporterStatus.CERTIFIED for i in ids)


def test_the_service_undoes_a_half_done_batch_even_if_the_caller_commits(db, world, monkeypatch):
    real_retire = operations.retire

    def fail_on_stops(supporter, *args, **kwargs):
        if supporter.display_name == "stops":
            raise Refused("no")
        return real_retire(supporter, *args, **kwargs)

    monkeypatch.setattr(operations, "retire", fail_on_stops)
    ids = [world["silent"].id, world["stops"].id]
    with pytest.raises(Refused):
        service.retire_lapsed(Retirement(ids, "gone"), today_jst(), today_jst(), 12, by=None)
    db.session.commit()
    assert _status(world["silent"].id) is SupporterStatus.CERTIFIED


def test_no_lapse_list_before_any_check(db, make_supporter):
    make_supporter()
    assert service.lapse_list(today_jst(), 12) == (None, [])
    with pytest.raises(Refused):
        service.retire_lapsed(Retirement([], "x"), today_jst(), today_jst(), 12, by=None)


# --- Re-activation ---------------------------------------------------------------------------


def test_reactivation_keeps_the_certificate_and_the_history(client, db, coordinator, world):
    silent = world["silent"]
    operations.retire(silent, today_jst(), "No answer", by=None)
    db.session.commit()
    number = silent.certificate_number
    page = client.get(f"/supporters/{silent.id}").get_data(as_text=True)
    assert f"/supporters/{silent.id}/reactivate" in page

    url = f"/supporters/{silent.id}/reactivate"
    form = {"effective_on": today_jst().isoformat(), "reason": "Back from abroad"}
    assert post_form(client, url, form).status_code == 302
    db.session.expire_all()
    supporter = db.session.get(Supporter, silent.id)
    assert supporter.status is SupporterStatus.CERTIFIED
    assert supporter.certificate_number == number
    assert supporter.retired_on is None
    assert [c.to_status for c in supporter.status_changes] == [
        SupporterStatus.APPLICANT,
        SupporterStatus.CERTIFIED,
        SupporterStatus.RETIRED,
        SupporterStatus.CERTIFIED,
    ]
    assert supporter.status_changes[-1].reason == "Back from abroad"
    # Just re-activated: not on the lapse list, although they never answered.
    _year, lapses = service.lapse_list(today_jst(), 12)
    assert silent.id not in {lapse.supporter.id for lapse in lapses}


def test_only_retired_supporters_who_were_certified_can_be_reactivated(db, make_supporter):
    never_certified = make_supporter(status="applicant")
    operations.retire(never_certified, date(2025, 6, 1), "withdrew", by=None)
    with pytest.raises(Refused):
        operations.reactivate(never_certified, date(2025, 7, 1), "back", by=None)
    with pytest.raises(Refused):
        operations.reactivate(make_supporter(), date(2025, 7, 1), "already certified", by=None)


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["municipal_officer", "official", "supporter"])
def test_continuation_console_is_for_coordinators_and_admins(client, auth, users, role):
    auth.login(f"{role}@example.jp")
    for url in ("/continuation/", "/continuation/lapses"):
        assert client.get(url).status_code == 403, url
    response = post_form(client, "/continuation/start", {}, token_from="/no-such-page")
    assert response.status_code == 403
    assert _count(ContinuationCheck) == 0


def test_staff_cannot_answer_for_a_supporter(client, auth, users):
    auth.login("coordinator@example.jp")
    assert client.get("/me/continue").status_code == 403
