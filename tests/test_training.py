"""Training and certification as the coordinators run them: cohorts, sessions, hours attended,
certification only once the hours are complete, and the printed certificate.

User story: "As a coordinator I record who attended which training session and for how long, so
that a supporter is certified only after the hours the programme requires — and I can print
their certificate in Japanese for the ceremony."
"""

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.models import (
    Supporter,
    SupporterStatus,
    TrainingAttendance,
    TrainingCohort,
    TrainingSession,
)
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.training import service
from supporters.training.certificate import japanese_date
from supporters.training.service import CohortDraft, SessionDraft
from tests.conftest import post_form

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "certificates"
COHORT = "2026 spring"


@pytest.fixture
def coordinator(client, auth, users):
    auth.login("coordinator@example.jp")
    client.set_cookie("yorisoi_lang", "en")  # messages checked in English, the source language
    return users["coordinator"]


@pytest.fixture
def cohort(db):
    """A cohort requiring 7 hours, with a 3-hour and a 4-hour session."""
    item = service.create_cohort(
        CohortDraft(COHORT, date(2026, 4, 1), date(2026, 6, 30), Decimal("7")), by=None
    )
    service.add_session(
        item, SessionDraft(date(2026, 4, 5), "Interpreting ethics", Decimal("3")), None
    )
    service.add_session(item, SessionDraft(date(2026, 4, 12), "Medical words", Decimal("4")), None)
    db.session.commit()
    return item


def _count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model))


def _attend(cohort, supporter, *hours) -> None:
    for session, value in zip(cohort.sessions, hours, strict=False):
        service.record_attendance(session, {supporter.id: Decimal(value)}, by=None)
    _db.session.commit()


# --- Services ------------------------------------------------------------------------------------


def test_cohort_names_are_unique_and_dates_in_order(db, cohort):
    with pytest.raises(Refused) as taken:
        service.create_cohort(
            CohortDraft("2026 SPRING", date(2026, 4, 1), date(2026, 5, 1), 0), None
        )
    assert taken.value.field == "name"
    with pytest.raises(Refused) as backwards:
        service.create_cohort(
            CohortDraft("2026 autumn", date(2026, 10, 1), date(2026, 9, 1), 0), None
        )
    assert backwards.value.field == "ends_on"


def test_a_session_must_fall_within_its_cohort(db, cohort):
    with pytest.raises(Refused) as error:
        service.add_session(cohort, SessionDraft(date(2026, 7, 1), "Late", Decimal("2")), by=None)
    assert error.value.field == "held_on"
    assert "2026-04-01" in str(error.value.message)


def test_hours_add_up_across_sessions_with_partial_attendance(db, cohort, make_supporter):
    trainee = make_supporter(status="applicant", training_cohort=COHORT)
    _attend(cohort, trainee, "3", "2.5")
    assert service.hours_attended(cohort) == {trainee.id: Decimal("5.5")}
    progress = service.progress_of(trainee)
    assert (progress.attended, progress.required, progress.missing) == (
        Decimal("5.5"),
        Decimal("7.0"),
        Decimal("1.5"),
    )
    assert not progress.complete


def test_attendance_above_the_session_or_for_strangers_saves_nothing(db, cohort, make_supporter):
    trainee = make_supporter(status="applicant", training_cohort=COHORT)
    stranger = make_supporter(status="applicant", training_cohort="other")
    first = cohort.sessions[0]
    with pytest.raises(Refused):
        service.record_attendance(first, {trainee.id: Decimal("3.5")}, by=None)
    with pytest.raises(Refused):
        service.record_attendance(
            first, {trainee.id: Decimal("1"), stranger.id: Decimal("1")}, by=None
        )
    db.session.rollback()
    assert _count(TrainingAttendance) == 0


def test_a_blank_clears_a_recorded_attendance(db, cohort, make_supporter):
    trainee = make_supporter(status="applicant", training_cohort=COHORT)
    _attend(cohort, trainee, "3")
    service.record_attendance(cohort.sessions[0], {trainee.id: None}, by=None)
    db.session.commit()
    assert _count(TrainingAttendance) == 0


def test_supporters_without_a_cohort_on_record_have_no_progress(db, make_supporter):
    assert service.progress_of(make_supporter(training_cohort="")) is None
    assert service.progress_of(make_supporter(training_cohort="1999-9")) is None


# --- Console pages -------------------------------------------------------------------------------


def test_coordinator_creates_a_cohort(client, db, coordinator):
    data = {"name": "2026 autumn", "starts_on": "2026-10-01", "ends_on": "2026-12-20"}
    response = post_form(client, "/training/new", {**data, "required_hours": "２４.５"})
    assert response.status_code == 302
    created = db.session.scalar(select(TrainingCohort).where(TrainingCohort.name == "2026 autumn"))
    assert created.required_hours == Decimal("24.5")
    assert "2026 autumn" in client.get("/training/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Enter a name"),
        ({"name": "x" * 31}, "At most 30 characters"),
        ({"starts_on": "soon"}, "Enter a date like 2026-05-01"),
        ({"starts_on": ""}, "Enter a valid date"),
        ({"ends_on": "2026-09-01"}, "cannot be before the first day"),
        ({"required_hours": ""}, "Enter the hours required"),
        ({"required_hours": "ten"}, "Enter hours as a number"),
        ({"required_hours": "1.25"}, "Enter hours as a number"),
        ({"required_hours": "600"}, "from 0 to 500"),
    ],
)
def test_bad_cohort_input_is_explained_and_nothing_is_saved(
    client, db, coordinator, change, message
):
    data = {
        "name": "2026 autumn",
        "starts_on": "2026-10-01",
        "ends_on": "2026-12-20",
        "required_hours": "20",
    }
    response = post_form(client, "/training/new", {**data, **change}, token_from="/training/new")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(TrainingCohort) == 0


def test_a_duplicate_cohort_name_is_refused_next_to_the_name(client, db, coordinator, cohort):
    data = {"name": COHORT, "starts_on": "2026-10-01", "ends_on": "2026-12-20"}
    response = post_form(client, "/training/new", {**data, "required_hours": "0"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert _count(TrainingCohort) == 1


def test_sessions_are_added_on_the_cohort_page(client, db, coordinator, cohort):
    url = f"/training/{cohort.id}/sessions"
    form = {"held_on": "2026-05-10", "title": "Role play", "hours": "2"}
    for change, message in [
        ({"title": ""}, "Enter a title"),
        ({"hours": "0"}, "from 0.5 to 24"),
        ({"hours": "25"}, "from 0.5 to 24"),
        ({"held_on": "2026-08-01"}, "Choose a date within the cohort"),
    ]:
        response = post_form(client, url, {**form, **change}, token_from=f"/training/{cohort.id}")
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True)
    assert _count(TrainingSession) == 2

    response = post_form(client, url, form, token_from=f"/training/{cohort.id}")
    assert response.status_code == 302
    assert "/training/sessions/" in response.headers["Location"]
    assert _count(TrainingSession) == 3


def test_attendance_sheet_records_partial_hours(client, db, coordinator, cohort, make_supporter):
    lan = make_supporter(name="Nguyễn Thị Lan", status="applicant", training_cohort=COHORT)
    ana = make_supporter(name="Ana Paula Oliveira", status="applicant", training_cohort=COHORT)
    first = cohort.sessions[0]
    url = f"/training/sessions/{first.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Nguyễn Thị Lan" in page and "Ana Paula Oliveira" in page

    response = post_form(client, url, {f"hours-{lan.id}": "3", f"hours-{ana.id}": "3.5"})
    assert response.status_code == 422
    assert "from 0 to 3.0" in response.get_data(as_text=True)
    assert _count(TrainingAttendance) == 0

    response = post_form(client, url, {f"hours-{lan.id}": "3", f"hours-{ana.id}": "1.5"})
    assert response.status_code == 302
    cohort_page = client.get(f"/training/{cohort.id}").get_data(as_text=True)
    assert "3.0 / 7.0" in cohort_page and "1.5 / 7.0" in cohort_page
    assert "5.5" in cohort_page  # Ana's hours still missing


# --- Certification from training -----------------------------------------------------------------


def test_certification_is_refused_while_hours_are_missing(
    client, db, coordinator, cohort, make_supporter
):
    trainee = make_supporter(name="Trần Thị Mai", status="applicant", training_cohort=COHORT)
    _attend(cohort, trainee, "3", "1")
    url = f"/supporters/{trainee.id}/certify"
    page = client.get(url).get_data(as_text=True)
    assert "4.0 of 7.0 hours" in page

    form = {"certificate_number": "INCS-2026-0100", "effective_on": "2026-07-01"}
    response = post_form(client, url, {**form, "override_reason": "Trained elsewhere"})
    text = response.get_data(as_text=True)
    assert "3.0 hours are missing" in text
    db.session.expire_all()
    assert db.session.get(Supporter, trainee.id).status is SupporterStatus.APPLICANT

    _attend(cohort, trainee, "3", "4")  # the rest of the second session
    response = post_form(client, url, form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Supporter, trainee.id).certificate_number == "INCS-2026-0100"


def test_an_admin_may_certify_short_of_hours_with_a_reason(
    client, auth, db, users, cohort, make_supporter
):
    trainee = make_supporter(status="applicant", training_cohort=COHORT)
    auth.login("admin@example.jp")
    client.set_cookie("yorisoi_lang", "en")
    url = f"/supporters/{trainee.id}/certify"
    assert "Reason to certify without" in client.get(url).get_data(as_text=True)
    form = {"certificate_number": "INCS-2026-0101", "effective_on": "2026-07-01"}
    response = post_form(client, url, {**form, "override_reason": "Certified in Tochigi 2024"})
    assert response.status_code == 302
    db.session.expire_all()
    supporter = db.session.get(Supporter, trainee.id)
    assert supporter.status is SupporterStatus.CERTIFIED
    # Stored as a code with the hours and the admin's words; read in the viewer's language.
    assert (
        supporter.status_changes[-1].reason
        == "certified_short_of_hours:7.0:Certified in Tochigi 2024"
    )
    page = client.get(f"/supporters/{trainee.id}").get_data(as_text=True)
    assert "certified with 7.0 training hours missing: Certified in Tochigi 2024" in page
    client.set_cookie("yorisoi_lang", "ja")
    page = client.get(f"/supporters/{trainee.id}").get_data(as_text=True)
    assert "training hours missing" not in page and "Certified in Tochigi 2024" in page


def test_only_an_admin_can_override_in_the_service(db, cohort, make_supporter, users):
    trainee = make_supporter(status="applicant", training_cohort=COHORT)
    with pytest.raises(Refused) as error:
        operations.certify(trainee, "X-1", date(2026, 7, 1), users["coordinator"], "because")
    assert error.value.field == "override_reason"


def test_a_cohort_requiring_no_hours_does_not_hold_anyone_back(db, make_supporter):
    service.create_cohort(CohortDraft("open", date(2026, 4, 1), date(2026, 4, 2), 0), None)
    trainee = make_supporter(status="applicant", training_cohort="open")
    operations.certify(trainee, "X-2", date(2026, 7, 1), by=None)
    assert trainee.status is SupporterStatus.CERTIFIED


# --- The printed certificate ---------------------------------------------------------------------


def test_japanese_era_dates():
    assert japanese_date(date(2026, 11, 23)) == "令和8年11月23日"
    assert japanese_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert japanese_date(date(2019, 4, 30)) == "2019年4月30日"


def test_certificate_pdf_carries_name_and_number_in_japanese(
    client, db, coordinator, make_supporter
):
    supporter = make_supporter(name="山田 花子 Nguyễn Thị Lan", status="applicant")
    operations.certify(supporter, "INCS-2026-0042", date(2026, 11, 23), by=None)
    db.session.commit()
    response = client.get(f"/training/certificate/{supporter.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "certificate.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    for expected in ("山田 花子", "Nguyễn Thị Lan", "INCS-2026-0042", "令和8年11月23日"):
        assert expected in text
    assert "認定証" in "".join(text.split())  # the title is letter-spaced
    # Page 1 as a picture, for a person to look at (test-artifacts/certificates/certificate-1.png).
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(ARTIFACTS / "certificate"),
        ],
        check=True,
    )
    assert list(ARTIFACTS.glob("certificate-*1.png"))


def test_a_retired_supporters_certificate_is_marked_as_reissued(
    client, db, coordinator, make_supporter
):
    supporter = make_supporter(name="Bishnu Gurung", status="retired")
    response = client.get(f"/training/certificate/{supporter.id}.pdf")
    assert response.status_code == 200
    pdf = ARTIFACTS / "retired.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "再発行" in text and "活動終了" in text


@pytest.mark.parametrize("status", ["applicant", "suspended"])
def test_no_certificate_for_applicants_or_suspended(
    client, db, coordinator, make_supporter, status
):
    supporter = make_supporter(status=status)
    assert client.get(f"/training/certificate/{supporter.id}.pdf").status_code == 404


@pytest.mark.parametrize("role", ["municipal_officer", "official", "supporter"])
def test_training_pages_are_for_coordinators_and_admins_only(client, auth, users, cohort, role):
    auth.login(f"{role}@example.jp")
    own = users["supporter"].supporter_id
    for url in (
        "/training/",
        "/training/new",
        f"/training/{cohort.id}",
        f"/training/sessions/{cohort.sessions[0].id}",
        f"/training/certificate/{own}.pdf",
    ):
        assert client.get(url).status_code == 403, url
