"""The request page lists the first ten candidates (found without ranking the whole pool,
issue #17) and, on request, everyone who qualifies; any of them can be offered the request."""

import re

from sqlalchemy import select

from supporters.models import Offer
from tests.conftest import CSRF_RE


def test_ten_first_then_everyone_and_the_twelfth_can_be_offered(
    client, auth, db, users, make_supporter, make_request
):
    for i in range(12):
        make_supporter(name=f"Supporter {i:02d}", email=f"list{i}@example.jp")
    request = make_request()
    auth.login("coordinator@example.jp")

    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    shown = re.findall(r'name="supporter_ids" value="(\d+)"', page)
    assert len(shown) == 10
    assert 'data-testid="all-candidates"' in page

    everyone = client.get(f"/requests/{request.id}?candidates=all").get_data(as_text=True)
    all_ids = re.findall(r'name="supporter_ids" value="(\d+)"', everyone)
    assert len(all_ids) > 10 and all_ids[:10] == shown  # the same ten first
    assert 'data-testid="all-candidates"' not in everyone

    last = all_ids[-1]
    token = CSRF_RE.search(everyone).group(1)
    response = client.post(
        f"/requests/{request.id}/offers", data={"csrf_token": token, "supporter_ids": [last]}
    )
    assert response.status_code in (302, 303)
    offered = db.session.scalars(select(Offer.supporter_id).where(Offer.request_id == request.id))
    assert list(offered) == [int(last)]
