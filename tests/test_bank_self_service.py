"""Supporters enter their own bank details, and both sides are told who cannot be paid.

User story: "As a supporter I see on my phone that the programme cannot pay me until I enter my
bank details, and I enter them myself; as the coordinator I see who is due but cannot be paid,
and that the details were entered by the supporter."
"""

from datetime import date

from sqlalchemy import select

from supporters.extensions import db as _db
from supporters.models import AuditEvent, BankAccount
from supporters.stipends.close import close_month
from tests.conftest import Auth, post_form

JUNE = date(2025, 6, 1)
GOOD = {
    "bank_code": "0005",
    "bank_name_kana": "ミツビシユーエフジェイ",
    "branch_code": "001",
    "branch_name_kana": "",
    "account_type": "1",
    "account_number": "1234567",
    "holder_kana": "グエン タン ホア",
}


def _supporter_client(app, users):
    client = app.test_client()
    Auth(client).login("supporter@example.jp")
    return client


def test_home_and_stipends_tell_a_certified_supporter_without_bank_details(app, users):
    client = _supporter_client(app, users)
    home = client.get("/me/").get_data(as_text=True)
    assert 'data-testid="bank-notice"' in home and "/me/bank" in home
    stipends = client.get("/me/stipends").get_data(as_text=True)
    assert 'data-testid="bank-notice"' in stipends
    page = client.get("/me/bank").get_data(as_text=True)
    assert 'data-testid="no-bank-details"' in page


def test_supporter_saves_bank_details_masked_and_audited_and_the_notice_goes(app, users):
    client = _supporter_client(app, users)
    response = post_form(client, "/me/bank", GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/bank")
    page = client.get("/me/bank").get_data(as_text=True)
    assert "****567" in page and "1234567" not in page
    assert 'data-testid="bank-notice"' not in client.get("/me/").get_data(as_text=True)
    with app.app_context():
        account = _db.session.get(BankAccount, users["supporter"].supporter_id)
        assert account.holder_kana == "ｸﾞｴﾝ ﾀﾝ ﾎｱ"
        assert account.updated_by_id == users["supporter"].id
        events = _db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "save_bank_details")
        ).all()
        assert len(events) == 1 and "1234567" not in (events[0].detail or "")
    # Changing them later keeps the stored number when the box is left empty.
    assert post_form(client, "/me/bank", {**GOOD, "account_number": ""}).status_code == 302
    with app.app_context():
        assert _db.session.get(BankAccount, users["supporter"].supporter_id).account_number == (
            "1234567"
        )


def test_bad_bank_details_are_refused_with_the_services_messages(app, users):
    client = _supporter_client(app, users)
    bad = {**GOOD, "bank_code": "12", "account_number": "12a", "holder_kana": "山田"}
    response = post_form(client, "/me/bank", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="error"') >= 3
    with app.app_context():
        assert _db.session.get(BankAccount, users["supporter"].supporter_id) is None


def test_coordinator_sees_updated_by_the_supporter(app, users):
    client = _supporter_client(app, users)
    post_form(client, "/me/bank", GOOD)
    staff = app.test_client()
    Auth(staff).login("coordinator@example.jp", headers={"Accept-Language": "en"})
    sid = users["supporter"].supporter_id
    page = staff.get(f"/payments/bank/{sid}", headers={"Accept-Language": "en"})
    assert 'data-testid="updated-by"' in page.get_data(as_text=True)
    assert "updated by the supporter" in page.get_data(as_text=True)


def test_coordinators_month_page_lists_who_is_due_but_cannot_be_paid(app, users, make_supporter):
    paid = make_supporter(name="Paid Person")
    with app.app_context():
        _db.session.add(
            BankAccount(
                supporter_id=paid.id,
                bank_code="0005",
                branch_code="001",
                account_type="1",
                account_number="7654321",
                holder_kana="ﾍﾟｲﾄﾞ",
            )
        )
        _db.session.commit()
    staff = app.test_client()
    Auth(staff).login("coordinator@example.jp")
    page = staff.get("/stipends/2025-06").get_data(as_text=True)
    assert 'data-testid="cannot-pay"' in page
    assert "Trần Văn Hùng" in page.split('data-testid="cannot-pay"')[1].split("</section>")[0]
    assert "Paid Person" not in page.split('data-testid="cannot-pay"')[1].split("</section>")[0]
    with app.app_context():  # once closed, the same list comes from the unpaid lines
        close_month(JUNE, None)
        _db.session.commit()
    page = staff.get("/stipends/2025-06").get_data(as_text=True)
    assert "Trần Văn Hùng" in page.split('data-testid="cannot-pay"')[1].split("</section>")[0]
