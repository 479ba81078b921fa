"""One rule, one place — the programme services (training, continuation, stipends, payments,
report periods).

User story: "Whether I type a cohort, an adjustment or bank details into the console, call the
API, or a script calls the service, the same mistake gets the same message next to the same
field — and a refused form changes nothing."

Each service is the only validator: the same bad draft goes through every channel the area has
(the web form, the API where there is one, the service directly) and the field → message sets
are compared. The forms only parse types, which the last tests check field by field.
"""

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.api.tokens import issue_token
from supporters.clock import today_jst
from supporters.continuation import service as continuation
from supporters.continuation.forms import RetireLapsedForm
from supporters.extensions import db as _db
from supporters.models import (
    AuditEvent,
    BankAccount,
    ContinuationAnswer,
    FiscalBudget,
    StipendLine,
    StipendPayment,
    StipendRule,
    SupporterStatus,
    TrainingAttendance,
    TrainingCohort,
    TrainingSession,
)
from supporters.payments import exports, operations, zengin
from supporters.payments.bank import BankDetailsDraft
from supporters.payments.forms import BankAccountForm, RecordTransferForm, TransferDateForm
from supporters.programme.settings import current as programme_settings
from supporters.refusals import CONFLICT, INVALID, Refused
from supporters.reports.visible import parse_period
from supporters.stipends import adjustments, close, settings
from supporters.stipends.forms import AdjustmentForm, BudgetForm, ReopenForm, RuleForm
from supporters.training import service as training
from supporters.training.forms import CohortForm, SessionForm
from tests.conftest import post_form

APRIL, MAY, JUNE = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)
ERROR_RE = re.compile(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>')


# --- helpers -------------------------------------------------------------------------------------


def shown_errors(response) -> dict[str, str]:
    """``{field: message}`` as the page shows them next to the fields."""
    return {
        field: html.unescape(message)
        for field, message in ERROR_RE.findall(response.get_data(as_text=True))
    }


def refused_by(call) -> Refused:
    """The service's refusal of ``call()``, its messages rendered in English; nothing kept."""
    with force_locale("en"), pytest.raises(Refused) as caught:
        call()
    _db.session.rollback()
    return caught.value


def service_errors(call) -> dict[str, str]:
    refusal = refused_by(call)
    with force_locale("en"):
        return refusal.field_messages()


def _count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def staff(app, users):
    """Signed-in English browsers: ``staff("coordinator")`` or ``staff("admin")``."""
    from tests.conftest import Auth

    def factory(role: str):
        client = app.test_client()
        assert Auth(client).login(f"{role}@example.jp").status_code == 302
        client.set_cookie("yorisoi_lang", "en")
        return client

    return factory


@pytest.fixture
def coordinator(staff):
    return staff("coordinator")


# --- Training ------------------------------------------------------------------------------------


def _cohort_form(draft: training.CohortDraft) -> dict:
    return {
        "name": draft.name,
        "starts_on": draft.starts_on.isoformat() if draft.starts_on else "",
        "ends_on": draft.ends_on.isoformat() if draft.ends_on else "",
        "required_hours": "" if draft.required_hours is None else str(draft.required_hours),
        "notes": draft.notes,
    }


COHORT_DRAFTS = {
    "dates backwards, too many hours, no name": (
        training.CohortDraft("", date(2026, 10, 1), date(2026, 9, 1), Decimal("600")),
        {
            "name": "Enter a name, like 2026 spring.",
            "ends_on": "The last day cannot be before the first day.",
            "required_hours": "Enter a number of hours from 0 to 500.",
        },
    ),
    "nothing entered": (
        training.CohortDraft("", None, None, None),
        {
            "name": "Enter a name, like 2026 spring.",
            "starts_on": "Enter a valid date.",
            "ends_on": "Enter a valid date.",
            "required_hours": "Enter the hours required (0 if none).",
        },
    ),
    "too long": (
        training.CohortDraft("x" * 31, date(2026, 10, 1), date(2026, 12, 1), 0, "n" * 2001),
        {"name": "At most 30 characters.", "notes": "At most 2000 characters."},
    ),
}


@pytest.mark.parametrize("case", COHORT_DRAFTS)
def test_a_bad_cohort_is_refused_alike_by_the_form_and_the_service(db, coordinator, case):
    draft, expected = COHORT_DRAFTS[case]
    assert service_errors(lambda: training.create_cohort(draft, None)) == expected

    response = post_form(coordinator, "/training/new", _cohort_form(draft))
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(TrainingCohort) == 0


@pytest.fixture
def cohort(db):
    item = training.create_cohort(
        training.CohortDraft("2026 spring", date(2026, 4, 1), date(2026, 6, 30), Decimal("7")),
        None,
    )
    db.session.commit()
    return item


def test_a_bad_session_is_refused_alike_by_the_form_and_the_service(db, coordinator, cohort):
    draft = training.SessionDraft(date(2026, 8, 1), "t" * 201, Decimal("25"))
    expected = {
        "held_on": "Choose a date within the cohort, from 2026-04-01 to 2026-06-30.",
        "title": "At most 200 characters.",
        "hours": "Enter a number of hours from 0.5 to 24.",
    }
    assert service_errors(lambda: training.add_session(cohort, draft, None)) == expected

    url = f"/training/{cohort.id}/sessions"
    data = {"held_on": "2026-08-01", "title": draft.title, "hours": "25"}
    response = post_form(coordinator, url, data, token_from=f"/training/{cohort.id}")
    assert response.status_code == 422
    assert shown_errors(response) == expected
    blank = post_form(coordinator, url, {}, token_from=f"/training/{cohort.id}")
    assert shown_errors(blank) == {
        "held_on": "Enter a valid date.",
        "title": "Enter a title, like Interpreting ethics.",
        "hours": "Enter how many hours the session lasted.",
    }
    assert _count(TrainingSession) == 0


def test_attendance_above_the_session_is_refused_alike_next_to_the_trainee(
    db, coordinator, cohort, make_supporter
):
    session = training.add_session(
        cohort, training.SessionDraft(date(2026, 4, 5), "Ethics", Decimal("3")), None
    )
    trainee = make_supporter(status="applicant", training_cohort="2026 spring")
    db.session.commit()
    box = f"hours-{trainee.id}"
    expected = {box: "Enter a number of hours from 0 to 3.0."}
    sheet = {trainee.id: Decimal("3.5")}
    assert service_errors(lambda: training.record_attendance(session, sheet, None)) == expected

    response = post_form(coordinator, f"/training/sessions/{session.id}", {box: "3.5"})
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(TrainingAttendance) == 0


# --- Continuation --------------------------------------------------------------------------------


@pytest.fixture
def lapses(db, make_supporter):
    """Asked this fiscal year: "stops" said stop (on the lapse list), "stays" said continue."""
    from supporters.clock import fiscal_year

    people = {name: make_supporter(name=name) for name in ("stops", "stays")}
    continuation.start_check(fiscal_year(today_jst()), None)
    db.session.flush()
    for name, reply in (("stops", "stop"), ("stays", "continue")):
        check = continuation.open_question(people[name])
        continuation.answer(check, ContinuationAnswer(reply), "", None)
    db.session.commit()
    return people


@pytest.mark.parametrize(
    ("chosen", "reason", "expected"),
    [
        (
            ["stays"],
            "",
            {
                "supporters": "Someone chosen is no longer on the lapse list. Check the list "
                "and try again.",
                "reason": "Give a reason.",
            },
        ),
        ([], "gone", {"supporters": "Choose at least one supporter."}),
        (["stops"], "r" * 1001, {"reason": "At most 1000 characters."}),
    ],
)
def test_a_bad_retirement_is_refused_alike_by_the_form_and_the_service(
    db, coordinator, lapses, chosen, reason, expected
):
    ids = [lapses[name].id for name in chosen]
    today = today_jst()
    draft = continuation.Retirement(ids, reason)
    assert (
        service_errors(lambda: continuation.retire_lapsed(draft, today, today, 12, None))
        == expected
    )

    response = post_form(coordinator, "/continuation/lapses", {"supporters": ids, "reason": reason})
    assert response.status_code == 422
    assert shown_errors(response) == expected
    _db.session.expire_all()
    assert all(s.status is SupporterStatus.CERTIFIED for s in lapses.values())


# --- Stipends ------------------------------------------------------------------------------------


def test_a_bad_adjustment_is_refused_alike_by_the_form_and_the_service(
    db, coordinator, make_supporter
):
    applicant = make_supporter(status="applicant")  # never certified: never paid
    draft = adjustments.AdjustmentDraft(applicant.id, JUNE, 0, "oops")
    expected = {
        "supporter_id": "Choose from the list.",
        "concerns_month": "An adjustment cannot concern a month after the one it is booked in.",
        "amount_yen": "An adjustment cannot be zero.",
        "reason": "Say why (at least 5 characters).",
    }
    assert service_errors(lambda: adjustments.add_adjustment(MAY, draft, None)) == expected

    data = {
        "supporter_id": applicant.id,
        "concerns_month": "2025-06",
        "amount_yen": "0",
        "reason": "oops",
    }
    response = post_form(coordinator, "/stipends/2025-05/adjustments", data, "/stipends/2025-05")
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(StipendLine) == 0


def test_a_blank_adjustment_is_refused_alike(db, coordinator):
    draft = adjustments.AdjustmentDraft(None, None, None, "")
    expected = {
        "supporter_id": "Choose from the list.",
        "concerns_month": "Enter a month as YYYY-MM, e.g. 2025-04.",
        "amount_yen": "Enter a non-zero amount between -100,000 and 100,000 yen.",
        "reason": "Say why (at least 5 characters).",
    }
    assert service_errors(lambda: adjustments.add_adjustment(MAY, draft, None)) == expected
    response = post_form(coordinator, "/stipends/2025-05/adjustments", {}, "/stipends/2025-05")
    assert response.status_code == 422
    assert shown_errors(response) == expected


def test_a_bad_rule_is_refused_alike_by_the_form_and_the_service(db, staff):
    close.close_month(APRIL, None)
    db.session.commit()
    draft = settings.RuleDraft(APRIL, "weekly", 0, "n" * 1001)
    expected = {
        "effective_from": "2025-04 is already closed: a new rule can only start after the "
        "last closed month.",
        "kind": "Choose from the list.",
        "amount_yen": "Enter an amount between 1 and 100,000 yen.",
        "note": "At most 1000 characters.",
    }
    assert service_errors(lambda: settings.set_rule(draft, None)) == expected

    data = {"effective_from": "2025-04", "kind": "weekly", "amount_yen": "0", "note": draft.note}
    response = post_form(staff("admin"), "/stipends/settings/rule", data, "/stipends/settings")
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(StipendRule) == 0


def test_a_bad_budget_is_refused_alike_by_the_form_and_the_service(db, staff):
    draft = settings.BudgetDraft(1999, -1, "")
    expected = {
        "fiscal_year": "Enter a fiscal year between 2000 and 2100.",
        "amount_yen": "Enter a budget in yen.",
    }
    assert service_errors(lambda: settings.set_budget(draft, None)) == expected

    data = {"fiscal_year": "1999", "amount_yen": "-1"}
    response = post_form(staff("admin"), "/stipends/settings/budget", data, "/stipends/settings")
    assert response.status_code == 422
    assert shown_errors(response) == expected
    huge = {"fiscal_year": str(10**20), "amount_yen": str(10**20)}
    response = post_form(staff("admin"), "/stipends/settings/budget", huge, "/stipends/settings")
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(FiscalBudget) == 0


def test_a_short_reopen_reason_is_refused_alike_and_a_state_refusal_is_a_conflict(db, staff):
    close.close_month(APRIL, None)
    db.session.commit()
    expected = {"reason": "Say why the month is re-opened (at least 5 characters)."}
    refusal = refused_by(lambda: close.reopen_month(APRIL, "late", _admin()))
    assert refusal.code == INVALID
    with force_locale("en"):
        assert refusal.field_messages() == expected

    admin = staff("admin")
    response = post_form(admin, "/stipends/2025-04/reopen", {"reason": "late"}, "/stipends/2025-04")
    assert response.status_code == 422
    assert shown_errors(response) == expected

    not_closed = refused_by(lambda: close.reopen_month(MAY, "paper records", _admin()))
    assert not_closed.code == CONFLICT
    response = post_form(
        admin, "/stipends/2025-05/reopen", {"reason": "paper records"}, "/stipends/2025-05"
    )
    assert response.status_code == 409
    assert "2025-05 is not closed." in response.get_data(as_text=True)


def _admin():
    from supporters.models import Role, User

    return _db.session.scalar(select(User).where(User.role == Role.ADMIN))


def test_closing_a_month_not_over_is_the_same_conflict_on_the_page_the_api_and_the_service(
    app, db, coordinator, users
):
    month = today_jst().replace(day=1)
    message = f"{month:%Y-%m} is not over yet; a month can be closed from its next month on."
    refusal = refused_by(lambda: close.close_month(month, None))
    assert refusal.code == CONFLICT
    with force_locale("en"):
        assert refusal.field_messages() == {"month": message}

    page = post_form(coordinator, f"/stipends/{month:%Y-%m}/close", {}, f"/stipends/{month:%Y-%m}")
    assert page.status_code == 409
    assert message in html.unescape(page.get_data(as_text=True))

    _, token = issue_token(users["coordinator"], "test")
    db.session.commit()
    response = app.test_client().post(
        f"/api/v1/stipends/{month:%Y-%m}/close",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["message"], error["fields"]) == (
        "conflict",
        message,
        {"month": message},
    )


# --- Payments ------------------------------------------------------------------------------------


def test_bad_bank_details_are_refused_alike_field_by_field(db, coordinator, users):
    supporter = users["supporter"].supporter
    draft = BankDetailsDraft(
        bank_code="005",
        branch_code="",
        account_type="3",
        account_number="12345678",
        holder_kana="山田 花子",
        bank_name_kana="銀行",
    )
    expected = {
        "bank_code": "The bank code is exactly 4 digits, e.g. 0005.",
        "branch_code": "Enter the branch code.",
        "account_type": "Choose the type of account.",
        "account_number": "The account number is 1 to 7 digits (no hyphens).",
        "holder_kana": "“山” cannot be used in a bank account name. Use katakana, hiragana, "
        "latin letters or digits.",
        "bank_name_kana": "“銀” cannot be used in a bank account name. Use katakana, hiragana, "
        "latin letters or digits.",
    }
    assert service_errors(lambda: operations.save_bank_details(supporter, draft, None)) == expected

    form = {name: getattr(draft, name) for name in expected}
    response = post_form(coordinator, f"/payments/bank/{supporter.id}", form)
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(BankAccount) == 0


@pytest.fixture
def october(db, make_supporter):
    """October 2026 closed, with one line to pay to a supporter with bank details."""
    from supporters.models import AccountType, MonthStatus, StipendLineKind, StipendMonth
    from supporters.models import StipendRuleKind as Kind

    month = date(2026, 10, 1)
    lan = make_supporter()
    db.session.add_all(
        [
            StipendMonth(
                month=month, status=MonthStatus.CLOSED, rule_kind=Kind.CERTIFIED, amount_yen=2000
            ),
            StipendLine(
                supporter_id=lan.id, month=month, kind=StipendLineKind.REGULAR, amount_yen=2000
            ),
            BankAccount(
                supporter_id=lan.id,
                bank_code="0005",
                bank_name_kana="",
                branch_code="123",
                branch_name_kana="",
                account_type=AccountType.ORDINARY,
                account_number="0098765",
                holder_kana="ｸﾞｴﾝ ﾃｲ ﾗﾝ",
            ),
        ]
    )
    db.session.commit()
    return month


@pytest.mark.parametrize(
    ("transfer_date", "message"),
    [
        (None, "Enter the transfer date."),
        (date(2026, 9, 30), "The transfer date cannot be before the month it pays."),
    ],
)
def test_a_bad_transfer_record_is_refused_alike(db, coordinator, october, transfer_date, message):
    expected = {"transfer_date": message}
    assert (
        service_errors(lambda: operations.record_transfer(october, transfer_date, [], None))
        == expected
    )
    data = {"transfer_date": transfer_date.isoformat() if transfer_date else "", "line_ids": ""}
    response = post_form(coordinator, "/payments/2026-10/transfers", data, "/payments/2026-10")
    assert response.status_code == 422
    assert shown_errors(response) == expected
    assert _count(StipendPayment) == 0


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "The transfer date cannot be in the past."),
        (61, "The transfer date can be at most 60 days ahead."),
    ],
)
def test_a_bad_transfer_file_date_is_refused_alike(app, db, coordinator, october, days, message):
    day = today_jst() + timedelta(days=days)
    payables = exports.month_payables(october)
    consignor = zengin.consignor_of(programme_settings().payer)
    expected = {"transfer_date": message}
    assert service_errors(lambda: exports.zengin_file(payables, consignor, day)) == expected

    response = coordinator.get(f"/payments/2026-10/transfer.txt?transfer_date={day.isoformat()}")
    assert response.status_code == 422
    assert shown_errors(response) == expected


# --- Report periods ------------------------------------------------------------------------------


def test_a_backwards_period_is_refused_alike_on_the_page_the_api_and_the_service(
    app, db, coordinator, users
):
    message = "The first month must not be after the last month."
    with force_locale("en"):
        with pytest.raises(Refused) as caught:
            parse_period("2025-06", "2025-04")
        assert caught.value.field_messages() == {"from": message}

    page = coordinator.get("/reports/period?from=2025-06&to=2025-04")
    assert page.status_code == 422
    assert message in page.get_data(as_text=True)

    _, token = issue_token(users["coordinator"], "test")
    db.session.commit()
    response = app.test_client().get(
        "/api/v1/reports/period?from=2025-06&to=2025-04",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"from": message}


# --- A refused form changes nothing --------------------------------------------------------------


def test_a_refused_form_answers_422_and_leaves_nothing_written(
    db, coordinator, cohort, make_supporter
):
    """Refused forms of every area answer 422, and leave no row and no audit event behind."""
    before = _count(AuditEvent)
    for url, data, token_from in [
        ("/training/new", {"name": "2026 spring"}, None),
        (f"/training/{cohort.id}/sessions", {"title": "x"}, f"/training/{cohort.id}"),
        ("/stipends/2025-05/adjustments", {"reason": "short"}, "/stipends/2025-05"),
        ("/payments/2026-10/transfers", {"line_ids": "1"}, "/payments/2026-10"),
    ]:
        response = post_form(coordinator, url, data, token_from=token_from)
        assert response.status_code == 422, url
    assert _count(TrainingCohort) == 1
    assert _count(TrainingSession) == 0
    assert _count(StipendLine) == 0
    assert _count(StipendPayment) == 0
    assert _count(AuditEvent) == before


# --- The forms only parse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form_class",
    [
        CohortForm,
        SessionForm,
        RetireLapsedForm,
        ReopenForm,
        AdjustmentForm,
        RuleForm,
        BudgetForm,
        BankAccountForm,
        TransferDateForm,
        RecordTransferForm,
    ],
)
def test_the_forms_state_no_rule_of_their_own(app, form_class):
    """No validator but ``Optional`` (blank is ``None``), and no ``validate_<field>`` method:
    every rule is the service's, so a rule changed there is changed for every channel."""
    from wtforms.validators import Optional

    with app.test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        for field in form:
            assert all(isinstance(v, Optional) for v in field.validators), field.name
            assert getattr(field, "validate_choice", False) is False or not field.choices
    own = [n for n in vars(form_class) if n.startswith("validate_")]
    assert own == [], own
