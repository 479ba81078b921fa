"""The residents' form when one installation runs several programmes ([6/6]).

User story: "As a Brazilian resident of Oizumi, I open Gunma's form (the link my prefecture
publishes, or /help/ and then 'Gunma'), I am offered Gunma's towns, and my request reaches
Gunma's coordinators — not Ibaraki's, whose programme was there first."
"""

from sqlalchemy import select

from supporters import tenancy
from supporters.models import HelpRequest
from supporters.models.programme import Programme
from supporters.programme.service import add_programme, draft_for_prefecture
from tests.conftest import post_form
from tests.test_public_form import REFERENCE, request_data

OIZUMI, KOGA = "10524", "08204"


def _two_programmes(db, set_programme) -> dict[str, int]:
    set_programme()  # the demo's Ibaraki (08), the first programme
    add_programme(draft_for_prefecture("10", contact_phone="0276-00-1234"), None)
    db.session.commit()
    return dict(db.session.execute(select(Programme.prefecture_code, Programme.id)).all())


def test_the_resident_chooses_the_prefecture_and_the_request_is_its(app, client, db, set_programme):
    ids = _two_programmes(db, set_programme)

    chooser = client.get("/help/?lang=en").get_data(as_text=True)
    assert 'data-testid="programme-choices"' in chooser
    assert "Gunma" in chooser and "Ibaraki" in chooser
    assert 'href="/help/?programme=10&amp;lang=en"' in chooser
    assert 'name="municipality"' not in chooser  # no form before a prefecture is chosen
    assert "029-000-0000" not in chooser and "0276-00-1234" not in chooser  # nobody's office yet

    form = client.get("/help/?programme=10&lang=en").get_data(as_text=True)
    assert f'value="{OIZUMI}"' in form and f'value="{KOGA}"' not in form  # Gunma's towns only
    assert "0276-00-1234" in form  # Gunma's office phone

    sent = post_form(
        client, "/help/?programme=10&lang=en", request_data(municipality=OIZUMI, language="pt")
    )
    assert sent.status_code == 302
    assert "programme=10" in sent.headers["Location"]  # the next pages stay Gunma's
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    reference = REFERENCE.search(page).group(0)
    assert "0276-00-1234" in page
    with tenancy.using(None):
        stored = db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference))
        assert stored.programme_id == ids["10"] and stored.municipality_code == OIZUMI
        assert stored.consent.programme_id == ids["10"]


def test_a_town_of_another_prefecture_is_refused_and_nothing_is_stored(
    app, client, db, set_programme
):
    _two_programmes(db, set_programme)
    refused = post_form(client, "/help/?programme=10&lang=en", request_data(municipality=KOGA))
    assert refused.status_code == 422
    assert "Choose your city, town or village." in refused.get_data(as_text=True)
    # Without a programme in the address the form is not taken either: the chooser is shown.
    unnamed = post_form(client, "/help/?lang=en", request_data(), token_from="/help/?programme=08")
    assert unnamed.status_code == 422
    assert 'data-testid="programme-choices"' in unnamed.get_data(as_text=True)
    with tenancy.using(None):
        assert db.session.scalar(select(HelpRequest.id)) is None


def test_with_one_programme_the_form_is_as_before(client, db, set_programme):
    set_programme()
    form = client.get("/help/?lang=en").get_data(as_text=True)
    assert 'name="municipality"' in form and "programme-choices" not in form
    assert f'value="{KOGA}"' in form


def test_the_consoles_lists_are_the_programmes_area_too(app, db, set_programme, make_user):
    """Gunma's coordinator is offered Gunma's towns when taking a request and when filtering
    supporters (the intake refuses another prefecture's town whatever the channel: above)."""
    from tests.conftest import Auth

    ids = _two_programmes(db, set_programme)
    with tenancy.using(ids["10"]):
        make_user("coordinator", email="coordinator.gunma@example.jp")
    client = app.test_client()
    Auth(client).login("coordinator.gunma@example.jp")
    form = client.get("/requests/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'value="{OIZUMI}"' in form and f'value="{KOGA}"' not in form
    listed = client.get("/supporters/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'value="{OIZUMI}"' in listed and f'value="{KOGA}"' not in listed
