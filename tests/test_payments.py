"""Paying the monthly stipend: bank details, the month's transfer, its files, recording it once.

User story: "As a coordinator, once a month is closed I download the bank's transfer file, see
who cannot be paid by transfer and why, and record the transfer — and nobody is ever paid twice."
"""

import csv
import io
import threading
from datetime import date, timedelta

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.models import AuditEvent
from supporters.models.stipend import (
    AccountType,
    BankAccount,
    MonthStatus,
    StipendLine,
    StipendLineKind,
    StipendMonth,
    StipendPayment,
    StipendRuleKind,
)
from supporters.payments import exports, operations, zengin
from supporters.refusals import Refused
from supporters.tenancy import get_keyed
from tests.conftest import post_form

OCTOBER = date(2026, 10, 1)
SOON = today_jst() + timedelta(days=3)  # a transfer file's date: not past, at most 60 days ahead
URL = "/payments/2026-10"


def add_month(month: date = OCTOBER, status: MonthStatus = MonthStatus.CLOSED) -> StipendMonth:
    row = StipendMonth(
        month=month, status=status, rule_kind=StipendRuleKind.CERTIFIED, amount_yen=2000
    )
    _db.session.add(row)
    _db.session.commit()
    return row


def add_line(supporter, amount: int = 2000, month: date = OCTOBER, reason: str = "", **extra):
    kind = StipendLineKind.REGULAR if amount == 2000 and not reason else StipendLineKind.ADJUSTMENT
    line = StipendLine(
        supporter_id=supporter.id,
        month=month,
        kind=extra.pop("kind", kind),
        amount_yen=amount,
        reason=reason,
        concerns_month=extra.pop("concerns_month", None),
    )
    _db.session.add(line)
    _db.session.commit()
    return line


def add_account(supporter, holder: str = "ｸﾞｴﾝ ﾃｲ ﾗﾝ", number: str = "0098765") -> BankAccount:
    account = BankAccount(
        supporter_id=supporter.id,
        bank_code="0005",
        bank_name_kana="ﾐﾂﾋﾞｼ",
        branch_code="123",
        branch_name_kana="ﾐﾄ",
        account_type=AccountType.ORDINARY,
        account_number=number,
        holder_kana=holder,
    )
    _db.session.add(account)
    _db.session.commit()
    return account


@pytest.fixture(autouse=True)
def in_english(db, client):
    """These tests read messages in English: the browser asks for it, and so does the code
    running outside a request (Japanese stays the default everywhere else)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with force_locale("en"):
        yield


@pytest.fixture
def october(db, make_supporter):
    """October closed: Lan (bank details, 2,000 + a 2,000 adjustment), Maria (bank details),
    Pedro (no bank details), Bishnu (2,000 cancelled by −2,000: nothing to pay)."""
    add_month()
    people = {
        "lan": make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp"),
        "maria": make_supporter(name="Maria Silva", email="maria@example.jp"),
        "pedro": make_supporter(name="Pedro Oliveira", email="pedro@example.jp"),
        "bishnu": make_supporter(name="Bishnu Gurung", email="bishnu@example.jp"),
    }
    for person in people.values():
        add_line(person)
    add_line(people["lan"], 2000, reason="September missed", concerns_month=date(2026, 9, 1))
    add_line(people["bishnu"], -2000, reason="Certified by mistake")
    add_account(people["lan"])
    add_account(people["maria"], holder="MARIA SILVA", number="1234567")
    return people


@pytest.fixture
def coordinator(auth, users):
    auth.login("coordinator@example.jp")
    return users["coordinator"]


def _ids(dues):
    return [due.supporter.id for due in dues]


# --- Which lines a run pays ----------------------------------------------------------------------


def test_a_run_nets_the_months_unpaid_lines_per_supporter(db, october):
    add_line(october["lan"], month=date(2026, 11, 1))  # booked in November: not this run
    payables = exports.month_payables(OCTOBER)

    assert payables.closed
    assert _ids(payables.transfers) == [october["maria"].id, october["lan"].id]
    assert [due.amount_yen for due in payables.transfers] == [2000, 4000]
    assert payables.total_yen == 6000
    assert _ids(payables.without_bank) == [october["pedro"].id]
    assert _ids(payables.nothing_to_pay) == [october["bishnu"].id]


def test_a_supporter_without_bank_details_is_listed_and_the_file_still_made(db, october):
    payables = exports.month_payables(OCTOBER)
    data = exports.zengin_file(payables, zengin.consignor_of(_payer()), SOON)

    records = zengin.parse(data)
    names = [r["recipient_name"].rstrip() for r in records if r.kind == "data"]
    assert names == ["MARIA SILVA", "ｸﾞｴﾝ ﾃｲ ﾗﾝ"]
    assert [r["account_number"] for r in records if r.kind == "data"] == ["1234567", "0098765"]
    assert records[-2]["count"] == "000002"
    assert int(records[-2]["total"]) == 6000
    assert payables.without_bank[0].supporter.display_name == "Pedro Oliveira"


def test_an_account_name_not_in_kana_is_an_error_naming_the_supporter(db, october):
    _db.session.get(BankAccount, october["maria"].id).holder_kana = "マリア シルバ"  # full-width
    _db.session.commit()
    payables = exports.month_payables(OCTOBER)
    assert _ids(payables.transfers) == [october["lan"].id]
    with pytest.raises(Refused) as caught:
        exports.zengin_file(payables, zengin.consignor_of(_payer()), SOON)
    assert "Maria Silva" in str(caught.value.message)


def test_exports_only_for_a_closed_month(db, october):
    get_keyed(StipendMonth, OCTOBER).status = MonthStatus.REOPENED
    _db.session.commit()
    with pytest.raises(Refused, match="not closed"):
        exports.csv_file(exports.month_payables(OCTOBER))
    never_closed = exports.month_payables(date(2026, 12, 1))
    assert never_closed.status is None
    with pytest.raises(Refused, match="not closed"):
        exports.check_exportable(never_closed)


# --- CSV and XLSX --------------------------------------------------------------------------------


def test_csv_has_a_bom_masked_accounts_and_neutralised_formulas(db, october):
    october["maria"].display_name = '=HYPERLINK("http://evil.example","click")'
    add_line(october["maria"], 500, reason="+cmd|' /C calc'!A0")
    _db.session.commit()

    data = exports.csv_file(exports.month_payables(OCTOBER))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3  # header + two transfers
    by_id = {row[0]: row for row in rows[1:]}
    maria = by_id[str(october["maria"].id)]
    assert maria[1] == '\'=HYPERLINK("http://evil.example","click")'
    assert maria[8] == "****567"
    assert maria[10] == "2500"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert b"1234567" not in data and b"0098765" not in data
    lan = by_id[str(october["lan"].id)]
    assert lan[1] == "Nguyễn Thị Lan"
    assert lan[3] == "0005"  # leading zeros kept


def test_xlsx_reads_back_with_the_same_lines(db, october):
    october["lan"].display_name = "@SUM(1+1)"
    _db.session.commit()
    data = exports.xlsx_file(exports.month_payables(OCTOBER))

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "2026-10"
    assert len(rows) == 3
    values = {row[0]: row for row in rows[1:]}
    lan = values[october["lan"].id]
    assert lan[1] == "'@SUM(1+1)"
    assert lan[3] == "0005"
    assert lan[8] == "****765"
    assert lan[9] == "ｸﾞｴﾝ ﾃｲ ﾗﾝ"
    assert lan[10] == 4000
    assert sum(row[10] for row in rows[1:]) == 6000
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)


# --- Recording the transfer ----------------------------------------------------------------------


def _record(line_ids=None, on=date(2026, 11, 25)):
    payables = exports.month_payables(OCTOBER)
    return operations.record_transfer(
        OCTOBER, on, payables.line_ids if line_ids is None else line_ids, None
    )


def test_recording_stamps_the_lines_and_later_adjustments_wait(db, october):
    payment = _record()
    _db.session.commit()
    assert payment.total_yen == 6000
    paid = _db.session.scalars(select(StipendLine).where(StipendLine.payment_id == payment.id))
    assert sorted(line.supporter_id for line in paid) == sorted(
        [october["lan"].id, october["lan"].id, october["maria"].id]
    )

    late = add_line(october["lan"], 2000, reason="August missed")
    payables = exports.month_payables(OCTOBER)
    assert payables.line_ids == [late.id]
    assert payables.total_yen == 2000
    assert payables.paid_yen == 6000
    second = _record()
    _db.session.commit()
    assert second.total_yen == 2000
    assert _db.session.get(StipendLine, late.id).payment_id == second.id


def test_recording_again_with_the_same_page_changes_nothing(db, october):
    shown = exports.month_payables(OCTOBER).line_ids
    _record(shown)
    _db.session.commit()
    with pytest.raises(Refused, match="changed"):
        _record(shown)
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).select_from(StipendPayment)) == 1


def test_two_coordinators_recording_together_pay_each_line_once(app, db, october):
    shown = exports.month_payables(OCTOBER).line_ids
    _db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                operations.record_transfer(OCTOBER, date(2026, 11, 25), shown, None)
                _db.session.commit()
                outcomes.append("recorded")
            except Refused:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["recorded", "refused"]
    payments = list(_db.session.scalars(select(StipendPayment)))
    assert len(payments) == 1
    lines = list(_db.session.scalars(select(StipendLine).where(StipendLine.id.in_(shown))))
    assert {line.payment_id for line in lines} == {payments[0].id}


def test_a_reopened_month_cannot_be_recorded(db, october):
    shown = exports.month_payables(OCTOBER).line_ids
    get_keyed(StipendMonth, OCTOBER).status = MonthStatus.REOPENED
    _db.session.commit()
    with pytest.raises(Refused, match="not closed"):
        _record(shown)


# --- Pages ---------------------------------------------------------------------------------------


def test_month_page_shows_transfers_masked_and_who_cannot_be_paid(client, coordinator, october):
    page = client.get(URL).get_data(as_text=True)
    assert "Maria Silva" in page and "****567" in page
    assert "1234567" not in page and "0098765" not in page
    assert "Pedro Oliveira" in page  # cannot be paid by transfer
    assert "Bishnu Gurung" in page  # nothing to pay
    assert "6,000" in page
    assert 'data-testid="demo-consignor"' in page


def test_zengin_download_has_full_numbers_and_is_audited(client, db, coordinator, october):
    response = client.get(f"{URL}/transfer.txt?transfer_date={SOON.isoformat()}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    records = zengin.parse(response.data)
    assert records[0]["transfer_date"] == SOON.strftime("%m%d")
    assert [r["account_number"] for r in records if r.kind == "data"] == ["1234567", "0098765"]
    assert _count(AuditEvent, AuditEvent.action == "export_zengin") == 1


def test_zengin_download_with_a_past_date_is_refused(client, db, coordinator, october):
    response = client.get(f"{URL}/transfer.txt?transfer_date=2020-01-01")
    assert response.status_code == 422
    assert "cannot be in the past" in response.get_data(as_text=True)


def test_csv_and_xlsx_downloads(client, coordinator, october):
    response = client.get(f"{URL}/lines.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    response = client.get(f"{URL}/lines.xlsx")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.data)).active.max_row == 3


def test_a_bad_account_name_shows_on_the_page_and_no_file_is_made(client, db, coordinator, october):
    _db.session.get(BankAccount, october["maria"].id).holder_kana = "山田"
    october["maria"].display_name = "Maria <i>Silva</i>"
    _db.session.commit()
    page = client.get(URL).get_data(as_text=True)
    assert "The account name of Maria &lt;i&gt;Silva&lt;/i&gt;" in page
    assert "<i>" not in page
    response = client.get(f"{URL}/transfer.txt")
    assert response.status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "The account name of Maria" in page
    assert _count(AuditEvent, AuditEvent.action == "export_zengin") == 0


def test_a_month_not_closed_cannot_be_downloaded(client, db, coordinator):
    page = client.get("/payments/2026-12").get_data(as_text=True)
    assert 'data-testid="not-closed"' in page
    response = client.get("/payments/2026-12/lines.csv", follow_redirects=True)
    assert "2026-12 is not closed" in response.get_data(as_text=True)


def test_record_transfer_through_the_page_once(client, db, coordinator, october):
    shown = ",".join(str(i) for i in exports.month_payables(OCTOBER).line_ids)
    data = {"transfer_date": "2026-11-25", "line_ids": shown}
    assert post_form(client, f"{URL}/transfers", data, token_from=URL).status_code == 302
    again = post_form(client, f"{URL}/transfers", data, token_from=URL)
    assert again.status_code == 409
    assert "changed since the page was shown" in again.get_data(as_text=True)
    assert _count(StipendPayment) == 1
    assert _count(AuditEvent, AuditEvent.action == "record_transfer") == 1


def test_record_transfer_without_a_date_is_refused(client, db, coordinator, october):
    response = post_form(client, f"{URL}/transfers", {"line_ids": "1"}, token_from=URL)
    assert response.status_code == 422
    assert _count(StipendPayment) == 0


# --- Bank details --------------------------------------------------------------------------------

BANK_FORM = {
    "bank_code": "０００５",
    "bank_name_kana": "ミツビシ",
    "branch_code": "123",
    "branch_name_kana": "みと",
    "account_type": "1",
    "account_number": "98765",
    "holder_kana": "グエン ティ ラン",
}


def test_bank_details_are_saved_normalised_and_shown_masked(client, db, coordinator, users):
    supporter = users["supporter"].supporter
    url = f"/payments/bank/{supporter.id}"
    assert "not paid by transfer" in client.get(f"/supporters/{supporter.id}").get_data(
        as_text=True
    )

    assert post_form(client, url, BANK_FORM).status_code == 302
    account = _db.session.get(BankAccount, supporter.id)
    assert (account.bank_code, account.branch_code) == ("0005", "123")
    assert account.account_number == "0098765"
    assert account.holder_kana == "ｸﾞｴﾝ ﾃｲ ﾗﾝ"
    assert account.branch_name_kana == "ﾐﾄ"
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "save_bank_details"))
    assert "98765" not in event.detail

    page = client.get(url).get_data(as_text=True)
    assert "****765" in page and "0098765" not in page
    detail = client.get(f"/supporters/{supporter.id}").get_data(as_text=True)
    assert "****765" in detail

    # Changing the name only keeps the stored number.
    form = {**BANK_FORM, "account_number": "", "holder_kana": "ﾁｬﾝ ｳﾞｧﾝ ﾌﾝ"}
    assert post_form(client, url, form).status_code == 302
    _db.session.expire_all()
    account = _db.session.get(BankAccount, supporter.id)
    assert (account.account_number, account.holder_kana) == ("0098765", "ﾁﾔﾝ ｳﾞｱﾝ ﾌﾝ")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bank_code", "005", "exactly 4 digits"),
        ("branch_code", "12a", "exactly 3 digits"),
        ("account_number", "12345678", "1 to 7 digits"),
        ("account_number", "", "1 to 7 digits"),
        ("account_type", "3", "type of account"),
        ("holder_kana", "山田 花子", "“山”"),
        ("holder_kana", "", "name in kana"),
    ],
)
def test_bad_bank_details_are_refused_field_by_field(
    client, db, coordinator, users, field, value, message
):
    url = f"/payments/bank/{users['supporter'].supporter_id}"
    response = post_form(client, url, {**BANK_FORM, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(BankAccount) == 0


def test_removing_bank_details_deletes_them(client, db, coordinator, users):
    supporter = users["supporter"].supporter
    add_account(supporter)
    url = f"/payments/bank/{supporter.id}/remove"
    assert (
        post_form(client, url, {}, token_from=f"/payments/bank/{supporter.id}").status_code == 302
    )
    assert _count(BankAccount) == 0
    assert _count(AuditEvent, AuditEvent.action == "remove_bank_details") == 1


@pytest.mark.parametrize("role", ["municipal_officer", "official", "supporter"])
def test_only_coordinators_and_admins_see_payments(client, auth, users, role, october):
    auth.login(f"{role}@example.jp")
    supporter_id = users["supporter"].supporter_id
    for url in (URL, f"{URL}/transfer.txt", f"{URL}/lines.csv", f"/payments/bank/{supporter_id}"):
        assert client.get(url).status_code == 403, url


def test_admin_sees_payments(client, auth, users, october):
    auth.login("admin@example.jp")
    assert client.get("/payments/").status_code == 200
    assert "2026-10" in client.get("/payments/").get_data(as_text=True)
    assert client.get(URL).status_code == 200


# --- helpers -------------------------------------------------------------------------------------


def _payer():
    from supporters.programme.settings import current

    return current().payer


def _count(model, *where) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))
