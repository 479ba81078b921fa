"""Finding things: the header's search and the request list's columns and filters.

User story: "A resident phones and reads out a reference, or only says her name, or calls from
the number she used. As a coordinator I type any of them in the box at the top of every page and
find her request — and every look at her data is on the audit trail, as on the request page."
"""

from sqlalchemy import select

from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.models import AuditEvent, HelpRequest


def _search(client, query: str) -> str:
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _views() -> list[AuditEvent]:
    return list(
        _db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.in_(["view_request", "view_sensitive_request"])
            )
        )
    )


def test_reference_name_and_phone_find_the_request(client, auth, users, make_request):
    mai = make_request(name="Phạm Thị Mai", contact="080-1111-2222")
    make_request(name="Trần Văn Hùng", contact="070-3333-4444", days_ahead=9)
    auth.login("coordinator@example.jp")

    compact = mai.reference.replace("-", " ").lower()  # "r 7kq2 m4xd", as read on the phone
    assert mai.reference in _search(client, compact)
    page = _search(client, "pham thi")  # no accents, lower case
    assert mai.reference in page and "Trần Văn Hùng" not in page
    page = _search(client, "０８０ー１１１１ー２２２２")  # full-width, as an IME types it
    assert mai.reference in page and "Phạm Thị Mai" in page
    # Every request shown with the resident's name is one audited look, as on its page.
    assert {event.object_id for event in _views()} == {str(mai.id)}


def test_supporters_are_found_by_name_email_and_phone(client, auth, users, make_supporter):
    hoa = make_supporter(name="Nguyễn Thị Hoa", email="hoa@example.jp")
    auth.login("coordinator@example.jp")
    for query in ("nguyen thi", "HOA@example", hoa.phone):
        page = _search(client, query)
        assert "Nguyễn Thị Hoa" in page, query
        assert f'href="/supporters/{hoa.id}"' in page


def test_officers_find_only_their_areas_references_and_no_residents(
    client, auth, users, make_request
):
    koga = make_request(name="Phạm Thị Mai")
    mito = make_request(municipality="08201", name="Phạm Thị Lan", contact="070-1000-2000")
    hospital = make_request(category="hospital", contact="070-1000-3000", name="X Y")
    auth.login(users["municipal_officer"].email)

    page = _search(client, koga.reference)
    assert koga.reference in page and "Phạm Thị Mai" not in page
    assert f'href="/requests/{mito.id}"' not in _search(client, mito.reference)
    assert f'href="/requests/{hospital.id}"' not in _search(client, hospital.reference)
    page = _search(client, "pham")  # names are not searched for officers
    assert f'href="/requests/{koga.id}"' not in page and 'id="found-supporters"' not in page
    assert _views() == []


def test_the_header_has_a_search_box_for_staff_only(client, auth, users):
    auth.login("coordinator@example.jp")
    assert 'data-testid="header-search"' in client.get("/dashboard/").get_data(as_text=True)
    auth.logout()
    auth.login("official@example.jp")
    assert 'data-testid="header-search"' not in client.get("/dashboard/").get_data(as_text=True)
    assert client.get("/search/?q=abc").status_code == 403


def test_too_short_or_odd_queries_answer_plainly(client, auth, users):
    auth.login("coordinator@example.jp")
    assert 'data-testid="search-too-short"' in _search(client, "a")
    assert _search(client, "")  # the empty page
    assert "該当する相談依頼はありません。" in _search(client, "%_' OR 1=1 --" + "x" * 500)


# --- The request list ----------------------------------------------------------------------------


def test_the_list_shows_received_and_names_on_request(client, auth, users, make_request):
    """Names are personal: the list shows them only when asked, each look audited."""
    request = make_request(name="Phạm Thị Mai")
    auth.login("coordinator@example.jp")
    page = client.get("/requests/").get_data(as_text=True)
    assert f'datetime="{request.created_at.isoformat()}"' in page  # the received column
    assert "Phạm Thị Mai" not in page and _views() == []
    page = client.get("/requests/?names=y").get_data(as_text=True)
    assert 'data-testid="row-name">Phạm Thị Mai' in page
    assert {event.object_id for event in _views()} == {str(request.id)}


def test_the_list_filters_by_language_assignee_received_and_name(
    client, auth, users, make_request, make_supporter
):
    vi = make_request(language="vi", name="Phạm Thị Mai")
    pt = make_request(language="pt", name="Maria Santos", contact="070-2222-1111", days_ahead=8)
    hung = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    offers.send_offers(pt, [hung.id], users["coordinator"])
    offer = pt.offers[0]
    offers.accept(offer.id, hung.id, None)
    _db.session.commit()
    auth.login("coordinator@example.jp")

    def listed(**args) -> set[str]:
        page = client.get("/requests/", query_string={"status": "", **args})
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return {
            r.reference for r in _db.session.scalars(select(HelpRequest)) if r.reference in text
        }

    assert listed(language="pt") == {pt.reference}
    assert listed(assignee=str(hung.id)) == {pt.reference}
    assert listed(assignee="none") == {vi.reference}
    assert listed(name="maria") == {pt.reference}
    assert listed(name="nobody") == set()
    today = vi.created_at.date().isoformat()
    assert listed(received_from=today) == {vi.reference, pt.reference}
    assert listed(received_to="2020-01-01") == set()
    assert listed(received_from="not-a-date") == {vi.reference, pt.reference}  # marked, not applied
    page = client.get("/requests/?status=&sort=received").get_data(as_text=True)
    assert page.index(pt.reference) < page.index(vi.reference)  # newest received first


def test_a_large_programme_searches_the_supporter_filter_instead_of_listing_it(
    client, auth, users, make_request, make_supporter, monkeypatch
):
    """Thousands of supporters make a list of megabytes: past a limit the filter is a field
    that takes a supporter's number or part of a name."""
    from supporters.help_requests import listing

    pt = make_request(language="pt", name="Maria Santos", contact="070-2222-1111", days_ahead=8)
    vi = make_request(language="vi", name="Phạm Thị Mai")
    nam = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    make_supporter(name="Trần Thị Hoa", email="hoa@example.jp")
    offers.send_offers(pt, [nam.id], users["coordinator"])
    offers.accept(pt.offers[0].id, nam.id, None)
    _db.session.commit()
    monkeypatch.setattr(listing, "ASSIGNEE_CHOICES_LIMIT", 1)
    auth.login("coordinator@example.jp")

    def listed(**args) -> tuple[str, set[str]]:
        page = client.get("/requests/", query_string={"status": "", **args})
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return text, {r.reference for r in (pt, vi) if r.reference in text}

    text, both = listed()
    assert 'name="assignee_name"' in text and 'name="assignee"' not in text
    assert "Trần Thị Hoa" not in text and both == {pt.reference, vi.reference}
    assert listed(assignee_name="văn nam")[1] == {pt.reference}  # part of the name, any case
    assert listed(assignee_name=str(nam.id))[1] == {pt.reference}  # the supporter's number
    assert listed(assignee_name="Hoa")[1] == set()  # Hoa has no assignment
    assert listed(assignee_name="%")[1] == set()  # a wildcard is a character, not "anyone"


def test_officers_get_no_name_filter_nor_names(client, auth, users, make_request):
    make_request(name="Phạm Thị Mai")
    auth.login(users["municipal_officer"].email)
    page = client.get("/requests/?name=pham").get_data(as_text=True)
    assert 'name="name"' not in page and "Phạm Thị Mai" not in page
    assert _views() == []
