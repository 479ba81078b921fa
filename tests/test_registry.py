"""The supporter registry as a coordinator uses it: register, find, edit, certify, retire."""

from datetime import date

import pytest
from sqlalchemy import func, select

from supporters.models import AuditEvent, Supporter, SupporterStatus, SupporterStatusChange
from supporters.refusals import CONFLICT, Refused
from supporters.registry import operations
from tests.conftest import post_form

VALID = {
    "display_name": "Nguyễn Thị Hoa",
    "email": "hoa@example.jp",
    "phone": "090-1234-5678",
    "home_municipality": "08204",
    "served_municipalities": ["08211"],
    "native_languages": ["vi"],
    "fluent_languages": ["en"],
    "japanese_level": "N2",
    "origins": ["VN"],
    "modes": ["in_person", "phone"],
    "gender": "female",
    "monthly_case_cap": "5",
    "training_cohort": "2026-2",
    "notes": "Weekends only",
}


@pytest.fixture
def coordinator(auth, users):
    auth.login("coordinator@example.jp")
    return users["coordinator"]


def test_register_supporter_with_vietnamese_name(client, db, coordinator):
    response = post_form(client, "/supporters/new", VALID)
    assert response.status_code == 302
    supporter = db.session.scalar(select(Supporter).where(Supporter.email == "hoa@example.jp"))
    assert supporter.display_name == "Nguyễn Thị Hoa"
    assert supporter.status is SupporterStatus.APPLICANT
    assert {m.code for m in supporter.served_municipalities} == {"08204", "08211"}
    assert [(e.language_code, e.level.value) for e in supporter.languages] == [
        ("vi", "native"),
        ("en", "fluent"),
    ]
    assert supporter.modes == ["in_person", "phone"]
    assert supporter.origin_codes == ["VN"]
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "register_supporter", AuditEvent.object_id == str(supporter.id)
        )
    )
    assert event.user_id == coordinator.id


@pytest.mark.parametrize(
    "name", ["王丽华", "सीता श्रेष्ठ", "Ana Paula Oliveira", "김민지", "سارا احمدی", "Đặng Thùy Linh"]
)
def test_names_in_any_script_are_accepted(client, db, coordinator, name):
    response = post_form(client, "/supporters/new", {**VALID, "display_name": name})
    assert response.status_code == 302
    stored = db.session.scalar(
        select(Supporter.display_name).where(Supporter.email == VALID["email"])
    )
    assert stored == name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "", "Enter the supporter"),
        ("email", "not-an-address", "valid e-mail"),
        ("phone", "call me", "phone number in digits"),
        ("home_municipality", "99999", "Unknown municipality codes: 99999."),
        ("monthly_case_cap", "0", "between 1 and 60"),
        ("monthly_case_cap", "many", "Enter a number"),
        ("modes", [], "at least one way"),
        ("native_languages", [], "at least one language"),
    ],
)
def test_bad_input_gets_a_clear_error_per_field(client, db, coordinator, field, value, message):
    data = {**VALID, field: value}
    if field == "native_languages":
        data["fluent_languages"] = []
    response = post_form(client, "/supporters/new", data, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(Supporter.id))) == 1  # only the users' supporter


def test_a_language_at_two_levels_is_refused(client, db, coordinator):
    data = {**VALID, "fluent_languages": ["vi"]}
    page = post_form(client, "/supporters/new", data).get_data(as_text=True)
    assert "only one level" in page or "レベル" in page


def test_duplicate_email_is_refused_on_the_field(client, db, coordinator, make_supporter):
    make_supporter(email="hoa@example.jp")
    response = post_form(client, "/supporters/new", {**VALID, "email": "HOA@example.jp"})
    assert response.status_code == 422
    assert (
        db.session.scalar(
            select(func.count()).where(func.lower(Supporter.email) == "hoa@example.jp")
        )
        == 1
    )


def test_full_width_digits_in_phone_are_normalised(client, db, coordinator):
    post_form(client, "/supporters/new", {**VALID, "phone": "０９０−１２３４−５６７８"})
    supporter = db.session.scalar(select(Supporter).where(Supporter.email == "hoa@example.jp"))
    assert supporter is not None and supporter.phone.startswith("090")


def test_edit_keeps_history_and_changes_profile(client, db, coordinator, make_supporter):
    supporter = make_supporter(name="Maria Santos", languages=(("tl", "native"),))
    form = client.get(f"/supporters/{supporter.id}/edit").get_data(as_text=True)
    assert "Maria Santos" in form and '<option selected value="tl">' in form
    data = {
        **VALID,
        "display_name": "Maria Santos-Reyes",
        "email": supporter.email,
        "native_languages": ["tl"],
        "fluent_languages": ["en"],
    }
    assert post_form(client, f"/supporters/{supporter.id}/edit", data).status_code == 302
    db.session.expire_all()
    supporter = db.session.get(Supporter, supporter.id)
    assert supporter.display_name == "Maria Santos-Reyes"
    assert supporter.status is SupporterStatus.CERTIFIED
    assert [e.language_code for e in supporter.languages] == ["tl", "en"]


def test_certify_assigns_the_next_certificate_number(
    client, db, coordinator, make_supporter, set_programme
):
    set_programme(certificate_prefix="INCS")  # the programme's own prefix
    applicant = make_supporter(status="applicant")
    form = client.get(f"/supporters/{applicant.id}/certify").get_data(as_text=True)
    year = date.today().year
    assert f"INCS-{year}-0001" in form
    response = post_form(
        client,
        f"/supporters/{applicant.id}/certify",
        {"certificate_number": f"INCS-{year}-0001", "effective_on": f"{year}-01-10"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    certified = db.session.get(Supporter, applicant.id)
    assert certified.status is SupporterStatus.CERTIFIED
    assert certified.certificate_number == f"INCS-{year}-0001"
    assert certified.certified_on == date(year, 1, 10)
    assert operations.next_certificate_number("INCS", year) == f"INCS-{year}-0002"


def test_certificate_numbers_are_unique(client, db, coordinator, make_supporter):
    first = make_supporter(status="applicant")
    second = make_supporter(status="applicant")
    data = {"certificate_number": "INCS-2026-0042", "effective_on": "2026-05-01"}
    assert post_form(client, f"/supporters/{first.id}/certify", data).status_code == 302
    response = post_form(client, f"/supporters/{second.id}/certify", data)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Supporter, second.id).status is SupporterStatus.APPLICANT


def test_suspend_reinstate_retire_are_recorded(client, db, coordinator, make_supporter):
    supporter = make_supporter()
    for action, status in [
        ("suspend", SupporterStatus.SUSPENDED),
        ("reinstate", SupporterStatus.CERTIFIED),
        ("retire", SupporterStatus.RETIRED),
    ]:
        response = post_form(
            client,
            f"/supporters/{supporter.id}/{action}",
            {"effective_on": "2026-06-01", "reason": f"{action} for the test"},
        )
        assert response.status_code == 302, action
        db.session.expire_all()
        assert db.session.get(Supporter, supporter.id).status is status
    changes = db.session.scalars(
        select(SupporterStatusChange)
        .where(SupporterStatusChange.supporter_id == supporter.id)
        .order_by(SupporterStatusChange.id)
    ).all()
    assert [c.to_status.value for c in changes] == [
        "applicant",
        "certified",
        "suspended",
        "certified",
        "retired",
    ]
    assert changes[-1].changed_by_id == coordinator.id
    assert changes[-1].reason == "retire for the test"


def test_impossible_transition_is_refused_with_a_message(client, db, coordinator, make_supporter):
    retired = make_supporter(status="retired")
    response = post_form(
        client,
        f"/supporters/{retired.id}/suspend",
        {"effective_on": "2026-06-01", "reason": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "cannot be moved to" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Supporter, retired.id).status is SupporterStatus.RETIRED


def test_status_change_needs_a_reason(client, db, coordinator, make_supporter):
    supporter = make_supporter()
    response = post_form(
        client, f"/supporters/{supporter.id}/suspend", {"effective_on": "2026-06-01", "reason": ""}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Supporter, supporter.id).status is SupporterStatus.CERTIFIED


def test_transition_rules_in_the_service(db, make_supporter):
    supporter = make_supporter(status="applicant")
    with pytest.raises(Refused) as refused:
        operations.reinstate(supporter, date(2026, 1, 1), "no", by=None)
    assert refused.value.code == CONFLICT
    with pytest.raises(Refused) as refused:
        operations.suspend(supporter, date(2026, 1, 1), "no", by=None)
    assert refused.value.code == CONFLICT
    with pytest.raises(Refused) as refused:
        operations.certify(supporter, "X-1", date(2020, 1, 1), by=None)  # before applying
    assert refused.value.field == "effective_on"


class TestList:
    """Finding supporters: filters, search, pagination."""

    @pytest.fixture
    def roster(self, make_supporter):
        return {
            "lan": make_supporter("Nguyễn Thị Lan", (("vi", "native"),), home="08204"),
            "wang": make_supporter("王丽华", (("zh", "native"), ("en", "fluent")), home="08220"),
            "ana": make_supporter(
                "Ana Paula", (("pt", "native"),), home="08211", modes=("phone", "video")
            ),
            "applicant": make_supporter("Trần Minh", (("vi", "native"),), status="applicant"),
        }

    def names(self, client, query: str) -> set[str]:
        page = client.get("/supporters/?" + query).get_data(as_text=True)
        everyone = ("Nguyễn Thị Lan", "王丽华", "Ana Paula", "Trần Minh")
        return {name for name in everyone if name in page}

    def test_filters(self, client, coordinator, roster):
        assert self.names(client, "language=vi") == {"Nguyễn Thị Lan", "Trần Minh"}
        assert self.names(client, "language=vi&status=certified") == {"Nguyễn Thị Lan"}
        assert self.names(client, "municipality=08220") == {"王丽华"}
        assert self.names(client, "mode=video") == {"Ana Paula"}
        assert self.names(client, "language=en") == {"王丽华"}
        assert self.names(client, "q=ana") == {"Ana Paula"}
        assert self.names(client, "q=丽华") == {"王丽华"}
        assert self.names(client, "q=%25") == set()  # a LIKE wildcard is searched literally

    def test_unknown_filter_values_are_ignored_not_errors(self, client, coordinator, roster):
        response = client.get("/supporters/?status=bogus&mode=zzz&page=999")
        assert response.status_code == 200

    def test_pagination(self, client, app, coordinator, make_supporter):
        app.config["PAGE_SIZE"] = 2
        for n in range(5):
            make_supporter(f"Person {n}")
        first = client.get("/supporters/").get_data(as_text=True)
        assert 'rel="next"' in first
        third = client.get("/supporters/?page=3").get_data(as_text=True)
        assert 'rel="prev"' in third and 'rel="next"' not in third
