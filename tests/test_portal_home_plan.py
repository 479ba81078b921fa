"""The supporter's home reads only the supporter's own requests, however many the programme has.

Its offers-and-assignments statement once joined every request of the programme to its offers
and filtered with an OR afterwards: SQLite scanned the whole request table on every view of the
home (1.25 ms of 3.5 ms with the demo's 2,400 requests, growing with each year of history). Now
the requests are picked by the two indexes that say "mine" (the assignee's and the offer's
supporter), and this test holds SQLite's plan to that, and the page to what it shows.
"""

import pytest
from sqlalchemy import event

from supporters.extensions import db
from supporters.help_requests import offers


def _home_statements(app, client):
    seen = []

    def note(_conn, _cursor, sql, parameters, _context, _many):
        seen.append((sql, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = client.get("/me/", headers={"Accept-Language": "en"})
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert page.status_code == 200
    return page.get_data(as_text=True), seen


def test_the_home_shows_my_offers_and_assignments_only(
    app, client, auth, users, make_supporter, make_user, make_request
):
    me = users["supporter"]
    coordinator = users["coordinator"]
    other = make_supporter(name="Lê Thị Hoa", email="hoa@example.jp")
    make_user("supporter", email="hoa@example.jp", supporter=other)
    offered = make_request(days_ahead=3)
    assigned = make_request(days_ahead=4, contact="080-2222-3333")
    theirs = make_request(days_ahead=5, contact="080-4444-5555")
    (open_offer,) = offers.send_offers(offered, [me.supporter.id], coordinator)
    (to_accept,) = offers.send_offers(assigned, [me.supporter.id], coordinator)
    (their_offer,) = offers.send_offers(theirs, [other.id], coordinator)
    db.session.commit()
    offers.accept(to_accept.id, me.supporter.id, me)
    db.session.commit()

    auth.login(me.email)
    page, seen = _home_statements(app, client)

    assert f"/me/offers/{open_offer.id}" in page
    assert f"/me/assignments/{assigned.id}" in page
    assert f"/me/offers/{their_offer.id}" not in page
    assert f"/me/assignments/{offered.id}" not in page  # offered, not yet assigned
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics")
    (sql, parameters) = next((s, p) for s, p in seen if "JOIN offer" in s)
    plan = " ".join(
        str(row)
        for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
    )
    assert "SCAN help_request" not in plan, plan
