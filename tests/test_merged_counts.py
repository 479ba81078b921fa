"""A request merged into another is the same resident's request: counted once, found by either
contact.

User story: "A resident sent the form from her phone, then again from her e-mail; we merged the
second into the first. The officials' report and the coverage figures count one request — not
two, and not one cancelled — and when she asks what we hold about her, giving the e-mail address
of her second request, we find her whole history."
"""

from datetime import date

import pytest
from sqlalchemy import select

from supporters.clock import today_jst
from supporters.coverage.analysis import coverage_matrix
from supporters.coverage.protected import small_request_cells
from supporters.extensions import db as _db
from supporters.help_requests import duplicates, lifecycle
from supporters.models import DuplicateCandidate, HelpRequest, RequestStatus
from supporters.privacy import records
from supporters.reports.monthly import build_report

PHONE, EMAIL = "080-1111-2222", "mai.pham@example.com"


def _month() -> date:
    return today_jst().replace(day=1)


@pytest.fixture
def merged(db, users, make_request):
    """Mai's request by phone, her repeat by e-mail (left unfilled, then merged into the first),
    and somebody else's request that was really cancelled."""
    coordinator = users["coordinator"]
    earlier = make_request(name="Phạm Thị Mai", contact=PHONE)
    later = make_request(name="pham thi mai", contact=EMAIL)
    lifecycle.transition(later, RequestStatus.UNFILLED, coordinator)
    other = make_request(name="Trần Văn Hùng", contact="070-5555-6666", days_ahead=20)
    lifecycle.transition(other, RequestStatus.CANCELLED, coordinator, "no longer needed")
    db.session.commit()
    before = build_report(_month(), _month())["requests"]
    assert (before["received"], before["unfilled"]) == (3, 1)  # the repeat counts before a merge
    (row,) = db.session.scalars(
        select(DuplicateCandidate).where(DuplicateCandidate.request_id == later.id)
    )
    duplicates.merge(row, coordinator)
    db.session.commit()
    return earlier, later, other


def test_the_report_counts_a_merged_request_once_and_not_as_unfilled(merged):
    earlier, later, other = merged
    assert _db.session.get(HelpRequest, later.id).status == RequestStatus.CANCELLED
    for scope in (None, frozenset({"08204"})):
        report = build_report(_month(), _month(), scope=scope)
        requests = report["requests"]
        # Mai's one request and the request that was really cancelled; the repeat is neither.
        assert requests["received"] == 2, scope
        assert requests["unfilled"] == 0, scope
        (month,) = report["months"]
        assert month["requests"]["received"] == 2


def test_coverage_counts_the_residents_request_once(merged):
    matrix = coverage_matrix(None, _month(), _month())
    cell = next(
        c
        for c in matrix.cells.values()
        if (c.municipality_code, c.language_code) == ("08204", "vi")
    )
    assert (cell.requests, cell.unfilled_requests) == (2, 0)
    # What officials' suppression reads is the same count: 2 requests, no unfilled one.
    hide, hide_unfilled = small_request_cells(_month(), _month(), 2, None, False)
    assert ("08204", "vi") not in hide and ("08204", "vi") not in hide_unfilled


# --- Residents' rights: one history by either contact ---------------------------------------------


def test_the_contact_of_the_merged_request_finds_the_whole_history(merged):
    earlier, later, _other = merged
    by_email = records.find(EMAIL)
    assert by_email.kind == "contact"
    assert {r.id for r in by_email.requests} == {earlier.id, later.id}
    assert [len(group) for group in by_email.groups()] == [2]
    by_phone = records.find("０８０１１１１２２２２")
    assert {r.id for r in by_phone.requests} == {earlier.id, later.id}
    assert records.resident_file(later).references == [earlier.reference, later.reference]


def test_a_later_request_with_the_merged_contact_joins_the_same_history(merged, make_request):
    """Weeks later she writes again from her e-mail: one resident, by either contact."""
    earlier, later, _other = merged
    again = make_request(name="Mai", contact=EMAIL, days_ahead=40)
    for contact in (PHONE, EMAIL):
        found = records.find(contact)
        assert {r.id for r in found.requests} == {earlier.id, later.id, again.id}, contact
        assert [len(group) for group in found.groups()] == [3], contact
    assert set(records.resident_file(again).references) == {
        earlier.reference,
        later.reference,
        again.reference,
    }


def test_the_privacy_page_finds_her_by_the_second_contact(app, merged):
    from tests.conftest import Auth, post_form

    earlier, later, _other = merged
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    page = post_form(client, "/privacy/residents", {"q": EMAIL}, "/privacy/residents")
    text = page.get_data(as_text=True)
    assert earlier.reference in text and later.reference in text
    assert text.count('data-testid="resident-group"') == 1


def test_the_console_search_finds_her_by_the_second_contact_too(app, merged):
    from tests.conftest import Auth

    earlier, later, _other = merged
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    text = client.get("/search/", query_string={"q": EMAIL}).get_data(as_text=True)
    assert earlier.reference in text and later.reference in text


def test_the_status_page_of_the_repeat_points_to_the_request_kept(client, merged):
    """Not "cancelled": the resident reads that her request is kept under the other number."""
    from tests.conftest import post_form

    earlier, later, _ = merged
    response = post_form(
        client, "/help/status?lang=en", {"reference": later.reference, "contact": EMAIL}
    )
    page = response.get_data(as_text=True)
    assert "cancelled" not in page
    assert f"We keep it under reference number {earlier.reference}" in page
