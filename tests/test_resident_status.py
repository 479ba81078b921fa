"""Residents look up their request's status by reference number and the contact they gave.

User story: "As a resident who sent the form, I can check on my phone, in my language, where my
request is, with the office's phone and e-mail on the page, without calling; nobody who only
knows my reference number learns anything."
"""

import re

from sqlalchemy import select

from supporters.extensions import db as _db
from supporters.models import HelpRequest, RequestStatus, Supporter
from tests.conftest import make_app, post_form
from tests.test_public_form import REFERENCE, lang_of, page, request_data

CONTACT = "０９０ー１２３４ー５６７８"  # as typed on the form: full-width, with Japanese dashes


def _sent(client, lang="vi", **changes) -> str:
    assert post_form(client, f"/help/?lang={lang}", request_data(**changes)).status_code == 302
    return REFERENCE.search(page(client.get("/help/sent"))).group(0)


def test_confirmation_gives_reference_contact_and_status_link(client, db):
    _sent(client)
    sent = page(client.get("/help/sent"))
    assert 'data-testid="sent-contact"' in sent and "090-1234-5678" in sent
    link = re.search(r'href="(/help/status\?[^"]+)"', sent).group(1)
    assert "ref=R-" in link
    form = page(client.get(link.replace("&amp;", "&")))
    assert REFERENCE.search(form)  # the reference is filled in


def test_status_in_the_residents_language_with_the_office_contact(client, db, set_programme):
    set_programme(contact_phone="027-000-0000", contact_email="office@example.jp")
    reference = _sent(client)
    response = post_form(
        client, "/help/status?lang=vi", {"reference": reference, "contact": "09012345678"}
    )
    assert response.status_code == 200 and lang_of(response) == "vi"
    text = page(response)
    assert 'data-testid="status-words"' in text and 'data-testid="status-date"' in text
    assert "027-000-0000" in text and "office@example.jp" in text
    # Only status and dates: nothing typed on the form comes back (the need, the name, place).
    for private in ("Nguyễn Thị Mai", "Đăng ký địa chỉ mới", "古河市役所"):
        assert private not in text


def test_no_supporter_name_even_when_assigned(client, db, make_supporter):
    reference = _sent(client, lang="en")
    helper = make_supporter(name="Helper Secretname")
    with client.application.app_context():
        found = _db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference))
        found.status = RequestStatus.ASSIGNED
        found.assigned_supporter_id = _db.session.get(Supporter, helper.id).id
        _db.session.commit()
    response = post_form(
        client, "/help/status?lang=en", {"reference": reference, "contact": CONTACT}
    )
    text = page(response)
    assert "A supporter will help you" in text and "Secretname" not in text


def test_wrong_contact_and_wrong_reference_get_the_same_answer(client, db):
    reference = _sent(client, lang="en")
    wrong_contact = post_form(
        client, "/help/status?lang=en", {"reference": reference, "contact": "080-9999-9999"}
    )
    wrong_reference = post_form(
        client, "/help/status?lang=en", {"reference": "R-AAAA-BBBB", "contact": CONTACT}
    )
    assert wrong_contact.status_code == wrong_reference.status_code == 422
    for response in (wrong_contact, wrong_reference):
        assert 'data-testid="status-problem"' in page(response)
        assert 'data-testid="status-result"' not in page(response)


def test_lookups_are_rate_limited_like_the_form(tmp_path):
    app = make_app(tmp_path, PUBLIC_REQUEST_RATE_LIMIT="3 per hour")
    try:
        client = app.test_client()
        data = {"reference": "R-AAAA-BBBB", "contact": CONTACT}
        for _ in range(3):
            assert post_form(client, "/help/status?lang=vi", data).status_code == 422
        limited = post_form(client, "/help/status?lang=vi", data)
        assert limited.status_code == 429 and lang_of(limited) == "vi"
        assert client.get("/help/status?lang=vi").status_code == 200
    finally:
        with app.app_context():
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()
