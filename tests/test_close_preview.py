"""A month is closed only after its preview: who is paid, who cannot be and why, what is locked.

User story: "As the coordinator I see, before closing October, that 45 of 49 supporters cannot be
paid because they have no bank details and that the month's case logs will be locked; I confirm
knowingly, and a close nobody previewed is refused."
"""

import re
from datetime import date

from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.models import BankAccount, StipendLine, StipendMonth
from supporters.refusals import Refused
from supporters.stipends import close
from supporters.tenancy import get_keyed
from tests.conftest import Auth, post_form

JUNE = date(2025, 6, 1)
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([0-9a-f]+)"')


def _coordinator(app, users):
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    return client


def _with_bank(supporter_id, holder="ﾊﾟｲﾄﾞ"):
    _db.session.add(
        BankAccount(
            supporter_id=supporter_id,
            bank_code="0005",
            branch_code="001",
            account_type="1",
            account_number="7654321",
            holder_kana=holder,
        )
    )
    _db.session.commit()


def _lines() -> int:
    return _db.session.scalar(select(func.count()).select_from(StipendLine))


def test_preview_splits_paid_and_unpayable_with_reasons(app, users, make_supporter):
    paid = make_supporter(name="Paid Person")
    bad = make_supporter(name="Bad Name")
    with app.app_context():
        _with_bank(paid.id)
        _with_bank(bad.id, holder="山田")
        preview = close.close_preview(JUNE)
        assert [row.name for row in preview.paid] == ["Paid Person"]
        assert preview.paid[0].masked_number == "****321"
        problems = {row.name: row.problem for row in preview.unpayable}
        assert problems == {
            "Bad Name": close.HOLDER_NOT_KANA,
            "Trần Văn Hùng": close.NO_BANK_DETAILS,
        }
        assert preview.total_yen == 3 * preview.paid[0].amount_yen


def test_close_page_shows_the_preview_and_confirming_closes(app, users, make_supporter):
    client = _coordinator(app, users)
    page = client.get("/stipends/2025-06/close", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="close-cannot-pay"' in text and "Trần Văn Hùng" in text
    assert 'data-testid="close-locks"' in text
    token = TOKEN_RE.search(text).group(1)
    response = post_form(
        client,
        "/stipends/2025-06/close",
        {"token": token, "confirm": "y"},
        "/stipends/2025-06/close",
    )
    assert response.status_code == 302
    with app.app_context():
        assert get_keyed(StipendMonth, JUNE) is not None and _lines() == 1


def test_close_without_preview_or_without_the_box_is_refused(app, users):
    client = _coordinator(app, users)
    url = "/stipends/2025-06/close"
    assert post_form(client, url, {"confirm": "y"}, url).status_code == 409  # no preview token
    token = TOKEN_RE.search(client.get(url).get_data(as_text=True)).group(1)
    refused = post_form(client, url, {"token": token}, url)  # box not ticked
    assert refused.status_code == 422
    with app.app_context():
        assert get_keyed(StipendMonth, JUNE) is None and _lines() == 0


def test_a_stale_preview_is_refused(app, users, make_supporter):
    client = _coordinator(app, users)
    url = "/stipends/2025-06/close"
    token = TOKEN_RE.search(client.get(url).get_data(as_text=True)).group(1)
    newcomer = make_supporter(name="Came Later")  # certified in May: due in June too
    assert newcomer.id
    assert post_form(client, url, {"token": token, "confirm": "y"}, url).status_code == 409
    with app.app_context():
        assert get_keyed(StipendMonth, JUNE) is None
        try:
            close.confirm_close(JUNE, token, True, None)
        except Refused as refusal:
            assert refusal.code == close.PREVIEW_STALE
        else:
            raise AssertionError("a stale token closed the month")


def test_month_page_links_to_the_preview_instead_of_closing_at_once(app, users):
    client = _coordinator(app, users)
    page = client.get("/stipends/2025-06").get_data(as_text=True)
    assert 'data-testid="close-preview-link"' in page
    assert 'action="/stipends/2025-06/close"' not in page
