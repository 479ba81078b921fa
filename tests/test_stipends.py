"""Monthly stipends: month close, dated rules, adjustments, re-opening, the locked case log.

User story: "As the coordinator I close each month once; every supporter who was certified in
that month gets exactly one 2,000 yen line, nothing is paid twice, and a closed month's case log
can no longer change under the accounts."
"""

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from supporters.activities.log import ActivityEntry, log_activity
from supporters.demo.seed import DEMO_PASSWORD
from supporters.extensions import db as _db
from supporters.models import (
    Activity,
    ActivityCategory,
    ActivityOutcome,
    BankAccount,
    Mode,
    MonthEvent,
    MonthStatus,
    StipendLine,
    StipendLineKind,
    StipendMonth,
    StipendPayment,
    StipendRuleKind,
    Supporter,
)
from supporters.payments import exports, zengin
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.stipends import adjustments, close, settings
from supporters.stipends.adjustments import AdjustmentDraft
from supporters.stipends.close import close_month, reopen_month
from supporters.stipends.months import months_between, parse_month
from supporters.stipends.rules import eligible, history_of
from supporters.stipends.settings import RuleDraft
from supporters.tenancy import get_keyed
from tests.conftest import Auth, csrf_token

APRIL, MAY, JUNE = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)


def _lines(month=None, kind=StipendLineKind.REGULAR) -> list[StipendLine]:
    stmt = select(StipendLine).where(StipendLine.kind == kind).order_by(StipendLine.supporter_id)
    if month is not None:
        stmt = stmt.where(StipendLine.month == month)
    return list(_db.session.scalars(stmt))


@pytest.fixture
def roster(db, make_supporter):
    """Five people whose April 2025 differs: the rule counts any certified day of the month."""
    made = {
        name: make_supporter(name=name, status="applicant")
        for name in ("since_march", "mid_april", "suspended_april", "retired_april", "applicant")
    }
    for supporter in made.values():  # they applied in January (the fixture says April)
        supporter.applied_on = date(2025, 1, 15)
        for change in supporter.status_changes:
            change.effective_on = date(2025, 1, 15)
    operations.certify(made["since_march"], "C-1", date(2025, 3, 10), by=None)
    operations.certify(made["mid_april"], "C-2", date(2025, 4, 20), by=None)
    operations.certify(made["suspended_april"], "C-3", date(2025, 2, 1), by=None)
    operations.suspend(made["suspended_april"], date(2025, 4, 1), "abroad", by=None)
    operations.certify(made["retired_april"], "C-4", date(2025, 2, 1), by=None)
    operations.retire(made["retired_april"], date(2025, 4, 15), "moved away", by=None)
    db.session.commit()
    return {name: s.id for name, s in made.items()}


def test_close_writes_one_line_per_eligible_supporter_once(db, roster, make_user):
    coordinator = make_user("coordinator")
    result = close_month(APRIL, coordinator)
    db.session.commit()

    assert result.lines_added == 3 and not result.already_closed
    paid = {line.supporter_id: line.amount_yen for line in _lines(APRIL)}
    assert paid == {
        roster["since_march"]: 2000,
        roster["mid_april"]: 2000,
        roster["retired_april"]: 2000,  # certified 1–14 April
    }
    assert get_keyed(StipendMonth, APRIL).status == MonthStatus.CLOSED

    again = close_month(APRIL, coordinator)
    db.session.commit()
    assert again.already_closed and again.lines_added == 0
    assert len(_lines(APRIL)) == 3
    events = db.session.scalars(select(MonthEvent.action).where(MonthEvent.month == APRIL)).all()
    assert events == ["closed"]


def test_a_month_not_over_cannot_be_closed(db, roster):
    with pytest.raises(Refused):
        close_month(date.today().replace(day=1), None)
    assert db.session.scalar(select(func.count()).select_from(StipendMonth)) == 0


def test_dated_rule_applies_from_its_month_and_never_rewrites_the_past(db, roster, make_user):
    admin = make_user("admin")
    close_month(APRIL, admin)
    settings.set_rule(
        RuleDraft(JUNE, StipendRuleKind.ACTIVE, 3000, "board decision 2025-05"), admin
    )
    # The active rule pays only those who logged something in June.
    db.session.add(
        Activity(
            supporter_id=roster["mid_april"],
            happened_on=date(2025, 6, 12),
            duration_minutes=60,
            category=ActivityCategory.HOSPITAL,
            mode=Mode.IN_PERSON,
            municipality_code="08204",
            language_code="vi",
            outcome=ActivityOutcome.RESOLVED,
            client_token="t-1",
        )
    )
    close_month(MAY, admin)
    close_month(JUNE, admin)
    db.session.commit()

    assert {line.amount_yen for line in _lines(APRIL)} == {2000}
    assert {line.supporter_id: line.amount_yen for line in _lines(MAY)} == {
        roster["since_march"]: 2000,
        roster["mid_april"]: 2000,
    }
    assert {line.supporter_id: line.amount_yen for line in _lines(JUNE)} == {
        roster["mid_april"]: 3000
    }
    # A rule cannot start in (or before) a closed month.
    with pytest.raises(Refused):
        settings.set_rule(RuleDraft(MAY, StipendRuleKind.CERTIFIED, 2500, ""), admin)
    assert settings.rule_for(MAY).amount_yen == 2000
    assert settings.rule_for(date(2025, 12, 1)).kind == StipendRuleKind.ACTIVE


def test_reopen_needs_an_admin_and_a_reason_and_reclose_adds_only_what_is_missing(
    db, roster, make_user
):
    coordinator, admin = make_user("coordinator"), make_user("admin")
    close_month(APRIL, coordinator)
    db.session.commit()
    with pytest.raises(Refused):
        reopen_month(APRIL, "correct a case", coordinator)
    with pytest.raises(Refused):
        reopen_month(APRIL, "", admin)
    reopen_month(APRIL, "late paper records from Koga", admin)
    db.session.commit()
    assert get_keyed(StipendMonth, APRIL).status == MonthStatus.REOPENED

    # Meanwhile a status correction: the applicant was in fact certified on 30 April.
    applicant = db.session.get(Supporter, roster["applicant"])
    operations.certify(applicant, "C-5", date(2025, 4, 30), by=None)
    result = close_month(APRIL, coordinator)
    db.session.commit()

    assert result.reclosed and result.lines_added == 1
    assert len(_lines(APRIL)) == 4
    actions = db.session.scalars(
        select(MonthEvent.action).where(MonthEvent.month == APRIL).order_by(MonthEvent.id)
    ).all()
    assert actions == ["closed", "reopened", "reclosed"]
    reason = db.session.scalar(select(MonthEvent.reason).where(MonthEvent.action == "reopened"))
    assert reason == "late paper records from Koga"


def test_adjustments_are_signed_lines_with_a_reason(db, roster, make_user):
    coordinator = make_user("coordinator")
    close_month(APRIL, coordinator)
    supporter = db.session.get(Supporter, roster["suspended_april"])
    for month, draft in [
        (MAY, AdjustmentDraft(supporter.id, APRIL, 0, "nothing at all")),
        (MAY, AdjustmentDraft(supporter.id, APRIL, 2000, "")),
        (APRIL, AdjustmentDraft(supporter.id, MAY, 2000, "wrong way round")),
    ]:
        with pytest.raises(Refused):
            adjustments.add_adjustment(month, draft, coordinator)
    adjustments.add_adjustment(
        MAY,
        AdjustmentDraft(supporter.id, APRIL, 2000, "suspension recorded a day early"),
        coordinator,
    )
    retired = db.session.get(Supporter, roster["retired_april"])
    adjustments.add_adjustment(
        MAY, AdjustmentDraft(retired.id, APRIL, -2000, "left in March in fact"), coordinator
    )
    db.session.commit()

    made = _lines(MAY, StipendLineKind.ADJUSTMENT)
    assert [(line.amount_yen, line.concerns_month) for line in made] == [
        (2000, APRIL),
        (-2000, APRIL),
    ]
    # The April lines themselves are untouched.
    assert {line.amount_yen for line in _lines(APRIL)} == {2000} and len(_lines(APRIL)) == 3


def _entry(day: date, token: str) -> ActivityEntry:
    return ActivityEntry(
        happened_on=day,
        duration_minutes=60,
        category=ActivityCategory.DAILY_LIFE,
        mode=Mode.PHONE,
        municipality_code="08204",
        language_code="vi",
        outcome=ActivityOutcome.RESOLVED,
        people_reached=None,
        follow_up_needed=False,
        notes="",
        client_token=token,
        request_id=None,
    )


def test_closing_locks_the_months_case_log(db, make_supporter, make_user, monkeypatch):
    supporter = make_supporter()
    last_month = (date.today().replace(day=1) - date.resolution).replace(day=1)
    day = last_month.replace(day=10)
    logged = log_activity(supporter, _entry(day, "before-close"), None).activity
    db.session.commit()
    from supporters.activities.log import can_edit, update_activity

    assert can_edit(logged)
    close_month(last_month, make_user("coordinator"))
    db.session.commit()

    assert not can_edit(logged)
    with pytest.raises(Refused):
        update_activity(logged, _entry(day, ""), None)
    with pytest.raises(Refused) as refused:
        log_activity(supporter, _entry(day, "after-close"), None)
    assert "happened_on" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 1


def test_a_database_error_during_close_leaves_no_partial_month(db, roster, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_event", {}, Exception("disk I/O error"))

    monkeypatch.setattr(close.audit, "record", broken)
    with pytest.raises(OperationalError):
        close_month(APRIL, None)
    db.session.rollback()
    assert get_keyed(StipendMonth, APRIL) is None
    assert _lines() == []


def test_simultaneous_closes_write_each_line_once(app, db, roster):
    """Four coordinators press "close" together, on SQLite and on PostgreSQL."""
    for month in (APRIL, MAY, JUNE):
        barrier = threading.Barrier(4)
        outcomes: list[str] = []

        def run(month=month, barrier=barrier, outcomes=outcomes):
            with app.app_context():
                barrier.wait()
                try:
                    result = close_month(month, None)
                    _db.session.commit()
                    outcomes.append("already" if result.already_closed else "closed")
                finally:
                    _db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["already", "already", "already", "closed"], outcomes
    expected = {APRIL: 3, MAY: 2, JUNE: 2}
    for month, count in expected.items():
        assert len(_lines(month)) == count


def test_cli_closes_a_range_and_a_second_run_changes_nothing(app, roster):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["stipends", "close", "2025-04", "--to", "2025-06", "--yes"])
    assert first.exit_code == 0, first.output
    assert "2025-04: closed, 3 line(s) added." in first.output
    assert "2025-06: closed, 2 line(s) added." in first.output
    second = runner.invoke(args=["stipends", "close", "2025-04", "--to", "2025-06", "--yes"])
    assert second.output.count("already closed") == 3
    bad = runner.invoke(args=["stipends", "close", "2025-13"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(StipendLine)) == 7


def _signed_in(app, email):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def test_console_close_totals_adjustment_and_reopen(app, db, roster, make_user):
    make_user("coordinator", email="coord@example.jp")
    make_user("admin", email="admin@example.jp")
    coord = _signed_in(app, "coord@example.jp")

    page = coord.get("/stipends/2025-04")
    assert page.status_code == 200
    assert "3" in page.get_data(as_text=True)  # the preview: three lines
    token = csrf_token(coord, "/stipends/2025-04")
    preview = coord.get("/stipends/2025-04/close").get_data(as_text=True)  # the close's preview
    shown = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    confirmed = {"csrf_token": token, "token": shown, "confirm": "y"}
    assert coord.post("/stipends/2025-04/close", data=confirmed).status_code == 302
    assert coord.post("/stipends/2025-04/close", data=confirmed).status_code == 302
    assert len(_lines(APRIL)) == 3

    year = coord.get("/stipends/?fy=2025").get_data(as_text=True)
    assert 'data-month="2025-04"' in year and "6,000" in year

    bad = coord.post(
        "/stipends/2025-05/adjustments",
        data={
            "csrf_token": token,
            "supporter_id": roster["since_march"],
            "concerns_month": "April",
            "amount_yen": "0",
            "reason": "",
        },
    )
    assert bad.status_code == 422
    assert "YYYY-MM" in bad.get_data(as_text=True)
    assert _lines(kind=StipendLineKind.ADJUSTMENT) == []
    good = coord.post(
        "/stipends/2025-05/adjustments",
        data={
            "csrf_token": token,
            "supporter_id": roster["suspended_april"],
            "concerns_month": "2025-04",
            "amount_yen": "2000",
            "reason": "suspension recorded a day early",
        },
    )
    assert good.status_code == 302
    assert len(_lines(kind=StipendLineKind.ADJUSTMENT)) == 1

    # Re-opening is for admins, with a reason.
    assert coord.post("/stipends/2025-04/reopen", data={"csrf_token": token}).status_code == 403
    admin = _signed_in(app, "admin@example.jp")
    admin_token = csrf_token(admin, "/stipends/2025-04")
    empty = admin.post("/stipends/2025-04/reopen", data={"csrf_token": admin_token, "reason": ""})
    assert empty.status_code == 422
    done = admin.post(
        "/stipends/2025-04/reopen", data={"csrf_token": admin_token, "reason": "paper records"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert get_keyed(StipendMonth, APRIL).status == MonthStatus.REOPENED

    # The current month cannot be closed yet: refused, nothing written.
    this_month = date.today().strftime("%Y-%m")
    refused = coord.post(f"/stipends/{this_month}/close", data={"csrf_token": token})
    assert refused.status_code == 409
    assert coord.get("/stipends/2025-13").status_code == 404


def test_rule_and_budget_settings_validate(app, db, make_user):
    make_user("admin", email="admin@example.jp")
    admin = _signed_in(app, "admin@example.jp")
    token = csrf_token(admin, "/stipends/settings")
    bad = admin.post(
        "/stipends/settings/rule",
        data={"csrf_token": token, "effective_from": "2025/04", "kind": "active", "amount_yen": ""},
    )
    assert bad.status_code == 422
    ok = admin.post(
        "/stipends/settings/rule",
        data={
            "csrf_token": token,
            "effective_from": "2026-04",
            "kind": "active",
            "amount_yen": "2500",
            "note": "FY2026 decision",
        },
    )
    assert ok.status_code == 302
    assert settings.rule_for(date(2026, 5, 1)).amount_yen == 2500
    assert settings.rule_for(date(2026, 3, 1)).amount_yen == 2000
    budget = admin.post(
        "/stipends/settings/budget",
        data={"csrf_token": token, "fiscal_year": "2025", "amount_yen": "3600000"},
    )
    assert budget.status_code == 302
    assert settings.budget_for(2025) == 3_600_000


def test_supporter_sees_their_own_lines_paid_or_pending(app, db, make_supporter, make_user):
    supporter = make_supporter(status="applicant")
    operations.certify(supporter, "C-9", date(2025, 4, 1), by=None)
    make_user("supporter", email="me@example.jp", supporter=supporter)
    last_month = (date.today().replace(day=1) - date.resolution).replace(day=1)
    close_month(last_month, None)
    two_ago = (last_month - date.resolution).replace(day=1)
    close_month(two_ago, None)
    line = _db.session.scalars(select(StipendLine).where(StipendLine.month == two_ago)).one()
    payment = StipendPayment(month=two_ago, transfer_date=two_ago.replace(day=25), total_yen=2000)
    db.session.add(payment)
    db.session.flush()
    line.payment_id = payment.id
    db.session.commit()

    client = _signed_in(app, "me@example.jp")
    page = client.get("/me/stipends").get_data(as_text=True)
    rows = {
        month: page.split(f'data-month="{month:%Y-%m}"')[1].split("</tr>")[0]
        for month in (last_month, two_ago)
    }
    assert "￥2,000" in rows[last_month] or "¥2,000" in rows[last_month]
    assert "支払" in rows[two_ago] or "Paid" in rows[two_ago]
    assert rows[two_ago] != rows[last_month]


def test_demo_programme_april_to_december_closes_to_one_line_per_eligible_month(app):
    """The issue's "done when": the demo programme, April–December 2025, closed twice.

    The demo's history ([4/6]) has closed every month from April 2025 to last month already
    and paid all but the last, so closing again finds them closed and adds nothing."""
    from supporters.demo.history_stipends import stipend_months

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    fy2025 = months_between(APRIL, date(2026, 3, 1))
    months = months_between(APRIL, date(2025, 12, 1))
    with app.app_context():
        supporters = list(_db.session.scalars(select(Supporter)))
        expected = {
            (s.id, row.month)
            for s in supporters
            for row in eligible(fy2025, history_of(s))
            if row.eligible
        }
        in_fy2025 = [line for line in _lines() if line.month in fy2025]
        written = {(line.supporter_id, line.month) for line in in_fy2025}
        assert written == expected and len(expected) > 100
        assert len(in_fy2025) == len(expected)  # one line each, never two

    second = runner.invoke(args=["stipends", "close", "2025-04", "--to", "2025-12"])
    assert second.output.count("already closed") == 9
    with app.app_context():
        assert len([line for line in _lines() if line.month in months]) == len(
            [key for key in expected if key[1] in months]
        )
        from supporters.models import Role, User

        admin = _db.session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        email = admin.email
        unpaid = stipend_months()[-1]  # the demo leaves its last closed month to transfer
    client = app.test_client()
    assert Auth(client).login(email, DEMO_PASSWORD).status_code == 302
    page = client.get("/stipends/?fy=2025").get_data(as_text=True)
    assert f"{len(expected) * 2000:,}" in page

    # The unpaid month's transfer file parses back field by field and adds up to its lines.
    response = client.get(f"/payments/{unpaid:%Y-%m}/transfer.txt?transfer_date=" + _soon())
    assert response.status_code == 200, response.status_code
    records = zengin.parse(response.data)
    kinds = [record.kind for record in records]
    assert kinds[0] == "header" and kinds[-2:] == ["trailer", "end"]
    data = [record for record in records if record.kind == "data"]
    with app.app_context():
        payables = exports.month_payables(unpaid)
        assert len(data) == len(payables.transfers) > 30
        assert payables.without_bank  # the demo keeps some supporters without an account
        assert len(payables.transfers) + len(payables.without_bank) == len(_lines(unpaid))
        accounts = {a.supporter_id: a for a in _db.session.scalars(select(BankAccount))}
    for record, due in zip(data, payables.transfers, strict=True):
        account = accounts[due.supporter.id]
        assert record["account_number"] == account.account_number
        assert record["recipient_name"].rstrip() == account.holder_kana
        assert int(record["amount"]) == 2000
    trailer = records[-2]
    assert int(trailer["count"]) == len(data)
    assert int(trailer["total"]) == 2000 * len(data)


def _soon() -> str:
    from supporters.clock import today_jst

    return (today_jst() + timedelta(days=3)).isoformat()


def test_month_parsing():
    assert parse_month("2025-04") == APRIL
    for bad in ("2025-4", "2025-13", "25-04", "April", "2025-00"):
        with pytest.raises(ValueError):
            parse_month(bad)
