"""The programme's own settings: started for any prefecture, edited by an admin, shown everywhere.

User stories: "As the first admin of a new prefecture I start the programme with one command (or
one page) and the footer, certificates, transfer file and reports carry our names, not
Ibaraki's." — "As an admin I change a setting and can see later who changed what, when."
"""

import subprocess
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.clock import today_jst
from supporters.demo.seed import DEMO_PASSWORD, seed_accounts
from supporters.extensions import db as _db
from supporters.models import AuditEvent, Municipality, Programme, ProgrammeChange, User
from supporters.payments import zengin
from supporters.programme import service
from supporters.programme.service import ProgrammeDraft
from supporters.programme.settings import NEUTRAL, current
from supporters.refusals import Refused
from tests.conftest import make_app, post_form
from tests.test_payments import october  # noqa: F401  (the closed October with bank details)

ENGLISH = {"Accept-Language": "en"}
GUNMA = {"name_ja": "ぐんま外国人県民サポーター", "name_en": "Gunma Resident Supporters"}


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def settings_form(settings, **changes) -> dict:
    """The settings page's form as it shows ``settings``, with ``changes``."""
    form = {
        key: ("" if value is None else str(value))
        for key, value in vars_of(settings).items()
        if key not in ("exists", "prefecture_code")
    }
    return {**form, **changes}


def vars_of(settings) -> dict:
    return {name: getattr(settings, name) for name in settings.__slots__}


def draft_of(settings, **changes) -> ProgrammeDraft:
    """A draft of ``settings`` with ``changes``."""
    values = {k: v for k, v in vars_of(settings).items() if k != "exists"}
    return ProgrammeDraft(**{**values, **changes})


# --- The service ----------------------------------------------------------------------------------


def test_a_bad_draft_is_refused_field_by_field_and_nothing_is_written(app, db):
    draft = service.draft_for_prefecture(
        "10",
        name_ja=" ",
        certificate_prefix="in-cs",
        target_supporters=0,
        target_fiscal_year=1999,
        travel_radius_km=0,
        offer_answer_hours=500,
        contact_phone="call us",
        contact_email="help@",
        payer_consignor_code="123",  # a payer half typed: every missing part is named
    )
    with force_locale("en"):
        with pytest.raises(Refused) as caught:
            service.start_programme(draft, None)
        fields = caught.value.field_messages()
    assert fields["name_ja"] == "Enter the programme's name."
    assert fields["target_supporters"] == "Enter a number between 1 and 100000."
    assert fields["contact_email"] == "Enter a valid e-mail address, like name@example.jp."
    assert {
        "certificate_prefix",
        "target_fiscal_year",
        "travel_radius_km",
        "offer_answer_hours",
        "contact_phone",
        "payer_consignor_code",
        "payer_consignor_name",
        "payer_bank_code",
        "payer_branch_code",
        "payer_account_number",
    } <= set(fields)
    db.session.rollback()
    assert count(Programme) == 0 and count(Municipality, Municipality.prefecture_code == "10") == 0
    with force_locale("en"):
        with pytest.raises(Refused) as caught:
            service.start_programme(service.draft_for_prefecture("48"), None)
        assert caught.value.field_messages() == {"prefecture_code": "Not a prefecture of Japan."}


def test_starting_writes_the_settings_and_each_change_is_history(app, db, make_user):
    admin = make_user("admin")
    started = service.start_programme(service.draft_for_prefecture("群馬県", **GUNMA), admin)
    db.session.commit()
    assert started.created and started.reference.municipalities.created == 35
    programme = started.programme
    assert (programme.prefecture_code, programme.certificate_prefix) == ("10", "GUNMA")
    assert programme.certificate_issuer == "群馬県知事"
    assert programme.payer_consignor_code == ""  # no bank until the programme's own is typed
    first = count(ProgrammeChange)
    assert first == len(vars_of(current())) - 1  # every setting, from nothing

    draft = draft_of(current(), name_en="Gunma Supporters")
    service.save_programme(draft, admin)
    service.save_programme(draft, admin)  # the same again: nothing changed, nothing written
    db.session.commit()
    change = db.session.scalars(select(ProgrammeChange).order_by(ProgrammeChange.id.desc())).first()
    assert count(ProgrammeChange) == first + 1
    assert (change.field, change.old_value, change.new_value) == (
        "name_en",
        "Gunma Resident Supporters",
        "Gunma Supporters",
    )
    assert change.changed_by_id == admin.id
    assert count(AuditEvent, AuditEvent.action == "programme_changed") == 1
    assert current().name("en") == "Gunma Supporters"  # the kept copy noticed the change

    with force_locale("en"):
        with pytest.raises(Refused) as caught:
            service.save_programme(draft_of(current(), prefecture_code="08"), admin)
        assert caught.value.field_messages() == {
            "prefecture_code": "The programme's prefecture cannot be changed."
        }


def test_without_a_programme_pages_read_neutral_words(app, db):
    assert current() == NEUTRAL and not current().exists
    assert (current().name("ja"), current().prefecture_code) == ("母国語サポーター", "")


# --- The command line -----------------------------------------------------------------------------


def test_programme_init_for_gunma_loads_its_municipalities_once(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["programme", "init", "--prefecture", "10"])
    assert first.exit_code == 0, first.output
    assert "Gunma (10): programme started" in first.output
    assert "35 municipalities" in first.output
    db.session.expire_all()
    assert count(Municipality, Municipality.prefecture_code == "10") == 35
    assert current().name_ja == "群馬県母国語サポーター"
    assert current().name_en == "Gunma Native Language Supporters"

    again = runner.invoke(
        args=["programme", "init", "--prefecture", "群馬県", "--contact-phone", "027-000-0000"]
    )
    assert again.exit_code == 0, again.output
    assert "already started" in again.output and "0 municipalities" in again.output
    db.session.expire_all()
    assert count(Programme) == 1
    assert current().contact_phone == "027-000-0000"
    assert current().name_ja == "群馬県母国語サポーター"  # kept, not reset

    other = runner.invoke(args=["programme", "init", "--prefecture", "08"])
    assert other.exit_code != 0
    assert "already holds the programme of 群馬県" in other.output
    unknown = runner.invoke(args=["programme", "init", "--prefecture", "48"])
    assert unknown.exit_code != 0 and "not a prefecture" in unknown.output

    shown = runner.invoke(args=["programme", "show"])
    assert "prefecture_code: 10" in shown.output and "contact_phone: 027-000-0000" in shown.output


# --- The console ----------------------------------------------------------------------------------


def test_an_admin_edits_the_settings_and_sees_the_history(
    app, client, db, auth, users, set_programme
):
    set_programme()
    auth.login("admin@example.jp")
    page = client.get("/programme/", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="programme-form"' in page and "Ibaraki" in page

    form = settings_form(current(), name_en="Ibaraki Language Supporters", travel_radius_km="25")
    response = post_form(client, "/programme/", form, headers=ENGLISH)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert current().travel_radius_km == 25.0
    page = client.get("/programme/", headers=ENGLISH).get_data(as_text=True)
    history = page.split('data-testid="programme-history"')[1]
    assert "Programme name (English)" in history and "Travel radius" in history
    assert "Ibaraki Language Supporters" in history and users["admin"].name in history

    bad = post_form(client, "/programme/", {**form, "certificate_prefix": "!"}, headers=ENGLISH)
    assert bad.status_code == 422
    assert "Use 1 to 10 capital letters or digits" in bad.get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "municipal_officer", "official", "supporter"])
def test_only_admins_open_the_programme_pages(client, auth, users, set_programme, role):
    set_programme()
    auth.login(f"{role}@example.jp")
    assert client.get("/programme/").status_code == 403
    assert client.get("/programme/start").status_code == 403


def test_the_first_admin_is_led_to_start_the_programme(client, db, auth, users):
    auth.login("admin@example.jp")
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="start-programme"' in dashboard and "/programme/start" in dashboard
    assert client.get("/programme/").headers["Location"].endswith("/programme/start")
    form = {
        "prefecture_code": "10",
        "target_supporters": "100",
        "target_fiscal_year": "2030",
        "stipend_default_yen": "2000",
        "stipend_budget_default_yen": "2400000",
        "payer_account_type": "1",
        "travel_radius_km": "40",
        "offer_answer_hours": "24",
    }
    response = post_form(client, "/programme/start", form, headers=ENGLISH)
    assert response.status_code == 302 and response.headers["Location"] == "/programme/"
    assert count(Municipality, Municipality.prefecture_code == "10") == 35
    assert current().name_ja == "群馬県母国語サポーター" and current().target_fiscal_year == 2030
    assert 'data-testid="start-programme"' not in client.get("/dashboard/").get_data(as_text=True)
    assert client.get("/programme/start").headers["Location"].endswith("/programme/")


# --- Where the programme's names show -------------------------------------------------------------


def test_footer_and_public_form_show_the_programme(client, db, auth, users, set_programme):
    set_programme(**GUNMA, contact_email="help@gunma.example.jp")
    auth.login("coordinator@example.jp")
    assert "ぐんま外国人県民サポーター" in client.get("/dashboard/").get_data(as_text=True)
    english = client.get("/dashboard/", headers=ENGLISH).get_data(as_text=True)
    assert "Gunma Resident Supporters" in english and "IBARAKI" not in english
    public = client.get("/help/?lang=en").get_data(as_text=True)
    assert "Gunma Resident Supporters" in public


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return "".join(result.stdout.decode().split())


def test_certificate_and_report_carry_the_programme(
    client, db, auth, users, make_supporter, set_programme, tmp_path
):
    set_programme(**GUNMA, certificate_issuer="群馬県知事")
    supporter = make_supporter(name="Maria Silva")
    auth.login("coordinator@example.jp")
    certificate = client.get(f"/training/certificate/{supporter.id}.pdf")
    assert certificate.status_code == 200
    text = _pdf_text(certificate.data, tmp_path)
    assert "ぐんま外国人県民サポーター" in text and "群馬県知事" in text

    month = today_jst().replace(day=1)
    report = client.get(f"/reports/monthly/{month:%Y-%m}.pdf?lang=en")
    assert report.status_code == 200
    assert "GunmaResidentSupporters" in _pdf_text(report.data, tmp_path)


def test_the_transfer_file_pays_from_the_programmes_account(
    client,
    db,
    auth,
    users,
    october,  # noqa: F811
    set_programme,
):
    set_programme(
        payer_consignor_code="1234567890",
        payer_consignor_name="グンマケン タブンカ",
        payer_bank_code="0128",
        payer_branch_code="001",
        payer_account_number="7654321",
    )
    auth.login("coordinator@example.jp")
    assert 'data-testid="demo-consignor"' not in client.get("/payments/2026-10").get_data(
        as_text=True
    )
    soon = today_jst() + timedelta(days=3)
    response = client.get(f"/payments/2026-10/transfer.txt?transfer_date={soon.isoformat()}")
    assert response.status_code == 200
    header = zengin.parse(response.data)[0]
    assert header["consignor_code"] == "1234567890"
    assert header["consignor_name"].rstrip() == "ｸﾞﾝﾏｹﾝ ﾀﾌﾞﾝｶ"
    assert (header["bank_code"], header["account_number"]) == ("0128", "7654321")


def test_a_programme_without_a_bank_account_makes_no_transfer_file(app, db):
    service.start_programme(service.draft_for_prefecture("10"), None)
    db.session.commit()
    with force_locale("en"):
        with pytest.raises(Refused) as caught:
            zengin.consignor_of(current().payer)
        assert caught.value.code == "conflict" and "not set" in str(caught.value.message)


# --- The demo -------------------------------------------------------------------------------------


@pytest.fixture
def production(tmp_path):
    """The app as deployed (production settings, not testing)."""
    app = make_app(
        tmp_path, TESTING=False, YORISOI_ENV="production", BASE_URL="https://yorisoi.example.jp"
    )
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_seed_demo_refuses_production_unless_forced(production):
    result = production.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "YORISOI_ENV is production" in result.output and "--force" in result.output
    with production.app_context():
        assert count(Programme) == 0 and count(User) == 0


def test_outside_development_demo_accounts_never_get_the_published_password(production):
    from supporters.auth.passwords import verify_password

    with production.app_context():
        passwords = seed_accounts()
        _db.session.commit()
        assert passwords and DEMO_PASSWORD not in passwords.values()
        for user in _db.session.scalars(select(User)):
            assert not verify_password(user.password_hash, DEMO_PASSWORD)
            assert verify_password(user.password_hash, passwords[user.email])
        assert seed_accounts() == {}  # shown once: a second run makes nothing new


def test_seed_demo_sets_up_ibaraki_through_the_service_and_refuses_another_programme(app, db):
    from supporters.demo.seed import seed_programme

    assert seed_programme() is True and seed_programme() is False
    db.session.commit()
    assert (current().prefecture_code, current().certificate_prefix) == ("08", "INCS")
    assert current().name_en == "IBARAKI Native Communication Supporters"
    assert zengin.consignor_of(current().payer).is_demo


def test_seed_demo_leaves_another_prefectures_programme_alone(app, db):
    service.start_programme(service.draft_for_prefecture("10"), None, load_reference=False)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "群馬県" in result.output
    db.session.expire_all()
    assert current().prefecture_code == "10" and count(User) == 0


def test_the_fiscal_year_budget_and_stipend_default_are_the_programmes(app, db, set_programme):
    from supporters.stipends.settings import budget_for, default_rule

    set_programme(stipend_default_yen=3000, stipend_budget_default_yen=5_000_000)
    assert default_rule().amount_yen == 3000
    assert budget_for(date.today().year) == 5_000_000
