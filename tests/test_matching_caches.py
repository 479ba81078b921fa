"""What matching keeps per process is never stale, whichever process changed the data.

Two caches: the category's experience map (``help_requests/experience.py``, renewed by a token
written with every completion) and the distance parts per origin municipality
(``candidates_topk._distance_parts``, kept with the reference data's token). Another process is
played by another session (a new app context) that commits the change, after which this
process's kept copies are put back as they were: a process elsewhere would not have dropped
them, only the token in the database tells it.
"""

from sqlalchemy import select, update

from supporters import reference_data as reference_module
from supporters import tenancy
from supporters.extensions import db as _db
from supporters.help_requests import experience, lifecycle, offers
from supporters.help_requests.candidates import centroids, match_request
from supporters.help_requests.candidates_topk import _distance_parts
from supporters.matching import Need
from supporters.models import HelpRequest, Municipality
from supporters.models.reference import ReferenceVersion
from tests.conftest import jst_at
from tests.test_requests import offers_of
from tests.test_tenancy import _programme

KOGA, BANDO = "08204", "08228"


def _fresh(request):
    return _db.session.get(HelpRequest, request.id)


def _assign_and_complete(request, supporter, coordinator):
    offers.send_offers(request, [supporter.id], coordinator)
    offers.accept(offers_of(request)[0].id, supporter.id, None)
    lifecycle.complete(_fresh(request), coordinator)


def _experience_part(result, supporter_id):
    ranked = {r.candidate.supporter_id: r for r in result.ranked}
    return ranked[supporter_id].parts["experience"]


def test_a_completion_in_another_session_changes_the_next_ranking(
    app, db, make_supporter, make_user, make_request
):
    lan = make_supporter(name="Lan", home=KOGA)
    coordinator = make_user("coordinator")
    done_later = make_request(category="labor", days_ahead=1, contact="080-1000-0001")
    offers.send_offers(done_later, [lan.id], coordinator)
    offers.accept(offers_of(done_later)[0].id, lan.id, None)
    db.session.commit()
    # A token exists once any request was written through the ORM.
    assert experience.current_token() is not None
    asked = make_request(category="labor", days_ahead=5, contact="080-1000-0002")
    assert _experience_part(match_request(asked), lan.id) == 0  # the map is kept now
    assert experience._kept
    kept_here = dict(experience._kept)

    with app.app_context():  # another session, as another process would have
        lifecycle.complete(_db.session.get(HelpRequest, done_later.id), coordinator)
        _db.session.commit()
    experience._kept.update(kept_here)  # this process never heard of it

    assert _experience_part(match_request(_fresh(asked)), lan.id) > 0


def test_every_way_a_request_completes_or_reopens_renews_the_token(
    db, make_supporter, make_user, make_request
):
    lan = make_supporter(name="Lan", home=KOGA)
    coordinator = make_user("coordinator")
    request = make_request(category="labor", days_ahead=1)
    before = experience.current_token()
    offers.send_offers(request, [lan.id], coordinator)
    offers.accept(offers_of(request)[0].id, lan.id, None)  # the conditional UPDATE
    assigned = experience.current_token()
    assert assigned != before
    lifecycle.complete(_fresh(request), coordinator)  # lifecycle's conditional UPDATE
    completed = experience.current_token()
    assert completed != assigned
    db.session.commit()
    # An UPDATE of other columns only (the escalation's claim) keeps it.
    db.session.execute(
        update(HelpRequest).where(HelpRequest.id == request.id).values(updated_at=jst_at(0, 9))
    )
    assert experience.current_token() == completed
    # A rolled-back completion takes its token with it: the kept map is read again.
    _fresh(request).status = "assigned"
    db.session.flush()
    assert experience.current_token() != completed
    db.session.rollback()
    assert experience.current_token() == completed


def test_the_map_is_kept_per_programme(app, db, make_supporter, make_user, make_request):
    a, b = _programme("08", "茨城", "Ibaraki"), _programme("10", "群馬", "Gunma")
    db.session.add_all([a, b])
    db.session.commit()
    with tenancy.using(a.id):
        lan = make_supporter(name="Lan", home=KOGA)
        coordinator = make_user("coordinator")
        request = make_request(category="labor", days_ahead=1)
        _assign_and_complete(request, lan, coordinator)
        db.session.commit()
        assert experience.experience("labor") == {lan.id: 1}
    with tenancy.using(b.id):
        assert experience.experience("labor") == {}  # not programme A's kept map
    with tenancy.using(a.id):
        assert experience.experience("labor") == {lan.id: 1}


def _need(origin: str) -> Need:
    return Need(
        category="labor",
        mode="in_person",
        language="vi",
        municipality=origin,
        starts_at=jst_at(3, 10),
        ends_at=jst_at(3, 11),
    )


def test_a_municipality_edit_elsewhere_renews_the_distance_parts(app, db):
    db.session.add(Municipality(code="08999", prefecture_code="08", name_ja="試験町",
                                name_en="Test Town", kana="しけんまち", kind="town",
                                latitude=36.20, longitude=139.70))  # fmt: skip
    db.session.commit()
    parts = _distance_parts(_need(KOGA), centroids())
    assert KOGA in parts and "08999" in parts
    near = parts["08999"]
    kept_here = reference_module._kept
    assert kept_here is not None and kept_here.token is not None

    with app.app_context():  # another process moves the test town next to Koga
        town = _db.session.get(Municipality, "08999")
        town.latitude, town.longitude = centroids()[KOGA]
        _db.session.commit()
    reference_module._kept = kept_here  # this process's copy is as it was

    moved = _distance_parts(_need(KOGA), centroids())
    assert moved["08999"] > near
    assert moved["08999"] == moved[KOGA]
    token = db.session.scalar(select(ReferenceVersion.token).where(ReferenceVersion.id == 1))
    assert reference_module._kept.token == token != kept_here.token
