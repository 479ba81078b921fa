"""A month close through the API and the CLI follows the console's rule: preview, then confirm.

User story: "Our accounting script closes last month through the API, and I close a month from
the server's terminal now and then. Neither closes blindly: both show who is paid, who cannot be
paid (no bank details) and which case logs get locked, and a close confirmed on a preview that
no longer holds is refused — nothing is closed until the new preview is confirmed."
"""

from datetime import date

from sqlalchemy import func, select

from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.models import StipendLine, StipendMonth
from supporters.stipends import close
from supporters.tenancy import get_keyed
from tests.test_api import ApiClient, assert_error, token_for

JUNE = date(2025, 6, 1)
URL = "/stipends/2025-06/close"


def _closed() -> bool:
    _db.session.expire_all()
    return get_keyed(StipendMonth, JUNE) is not None


def _lines() -> int:
    return _db.session.scalar(select(func.count()).select_from(StipendLine))


def _api(app, users, role="coordinator") -> ApiClient:
    return ApiClient(app.test_client(), token_for(users[role]))


# --- API -----------------------------------------------------------------------------------------


def test_api_preview_names_who_is_paid_and_who_cannot_be(app, db, users):
    preview = _api(app, users).get(URL)
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["month"] == "2025-06" and body["status"] == "open"
    assert body["count"] == 1 and body["paid"] == []
    (row,) = body["unpayable"]
    assert row["supporter_name"] == "Trần Văn Hùng"
    assert row["problem"] == close.NO_BANK_DETAILS and row["masked_number"] is None
    assert body["total_yen"] == row["amount_yen"] and body["paid_yen"] == 0
    assert body["locked_logs"] == 0 and len(body["token"]) == 32
    assert not _closed()  # a preview changes nothing


def test_api_close_needs_the_previews_token_and_then_closes(app, db, users):
    api = _api(app, users)
    missing = assert_error(api.post(URL), 409, close.PREVIEW_MISSING)
    assert missing["message"]
    assert_error(api.post(URL, json={"confirm": None}), 409, close.PREVIEW_MISSING)
    assert not _closed()

    token = api.get(URL).get_json()["token"]
    closed = api.post(URL, json={"confirm": token})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["lines_added"] == 1 and closed.get_json()["already_closed"] is False
    assert _closed() and _lines() == 1

    # Closed: nothing left to confirm; a second close (with or without a token) changes nothing.
    after = api.get(URL).get_json()
    assert after["status"] == "closed" and after["token"] is None and after["count"] == 0
    assert api.post(URL).get_json()["already_closed"] is True
    assert _lines() == 1


def test_api_refuses_a_stale_preview_and_closes_nothing(app, db, users, make_supporter):
    api = _api(app, users)
    old = api.get(URL).get_json()["token"]
    make_supporter(name="Came Later")  # certified before June: due in June too
    stale = assert_error(api.post(URL, json={"confirm": old}), 409, close.PREVIEW_STALE)
    assert stale["fields"] == {}
    assert not _closed() and _lines() == 0

    fresh = api.get(URL).get_json()
    assert fresh["token"] != old and fresh["count"] == 2
    assert api.post(URL, json={"confirm": fresh["token"]}).status_code == 200
    assert _lines() == 2


def test_api_preview_and_close_of_a_running_month_are_the_conflict_of_the_console(app, db, users):
    api = _api(app, users)
    running = f"/stipends/{today_jst():%Y-%m}/close"
    assert assert_error(api.get(running), 409, "conflict")["fields"].keys() == {"month"}
    assert_error(api.post(running, json={"confirm": "0" * 32}), 409, "conflict")
    assert_error(api.post(URL, json={"confirm": "x" * 65}), 422, "invalid")


def test_api_preview_is_for_those_who_close(app, db, users):
    for role in ("municipal_officer", "official", "supporter"):
        assert_error(_api(app, users, role).get(URL), 403, "forbidden")


def test_openapi_documents_the_preview_and_the_confirmation(app, db):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    item = spec["paths"]["/api/v1/stipends/{month}/close"]
    assert item["get"]["operationId"] == "close_preview"
    assert "preview_stale" in item["post"]["responses"]["409"]["description"]
    assert item["post"]["requestBody"]["required"] is False  # a closed month needs no token
    assert "confirm" in spec["components"]["schemas"]["CloseIn"]["properties"]


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_prints_the_preview_and_closes_only_when_confirmed(app, db, users):
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["stipends", "close", "2025-06"], input="n\n")
    assert declined.exit_code != 0
    assert "Trần Văn Hùng" in declined.output and "no bank details" in declined.output
    assert "cannot be paid yet" in declined.output and "locks 0 case log(s)" in declined.output
    assert "Close 2025-06 as shown?" in declined.output
    assert not _closed()

    accepted = runner.invoke(args=["stipends", "close", "2025-06"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "2025-06: closed, 1 line(s) added." in accepted.output
    assert _closed() and _lines() == 1


def test_cli_without_a_terminal_answer_closes_nothing_unless_told_yes(app, db, users):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stipends", "close", "2025-06"]).exit_code != 0  # no answer
    assert not _closed()
    scripted = runner.invoke(args=["stipends", "close", "2025-06", "--yes"])
    assert scripted.exit_code == 0, scripted.output
    assert "fingerprint" in scripted.output and _closed()


def test_cli_refuses_a_stale_fingerprint_like_the_api(app, db, users, make_supporter):
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["stipends", "close", "2025-06", "--preview"])
    assert shown.exit_code == 0 and not _closed()
    token = shown.output.rsplit("fingerprint ", 1)[1].split()[0]
    assert token == close.close_preview(JUNE).token

    make_supporter(name="Came Later")
    stale = runner.invoke(args=["stipends", "close", "2025-06", "--confirm", token])
    assert stale.exit_code != 0 and not _closed()

    fresh = close.close_preview(JUNE).token
    _db.session.rollback()
    confirmed = runner.invoke(args=["stipends", "close", "2025-06", "--confirm", fresh])
    assert confirmed.exit_code == 0, confirmed.output
    assert "closed, 2 line(s) added." in confirmed.output
    assert _closed()
    again = runner.invoke(args=["stipends", "close", "2025-06", "--to", "2025-06", "--yes"])
    assert "already closed" in again.output
    bad = runner.invoke(
        args=["stipends", "close", "2025-05", "--to", "2025-06", "--confirm", fresh]
    )
    assert bad.exit_code != 0
