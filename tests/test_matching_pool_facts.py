"""The certified supporters matching keeps in memory are never stale, whichever process changed
them (``help_requests/pool_facts.py``).

Another process is played by another app context that commits the change, after which this
process's kept pool is put back as it was: a process elsewhere would not have dropped it, only
the token in the database tells it. The facts of the day (a pause, weekly slots) are not kept,
so they need no token.
"""

from datetime import time

from sqlalchemy import update

from supporters import tenancy
from supporters.clock import JST
from supporters.extensions import db as _db
from supporters.help_requests import pool_facts
from supporters.help_requests.candidates import match_exhaustive, match_request
from supporters.models import (
    HelpRequest,
    LanguageLevel,
    Municipality,
    Supporter,
    SupporterLanguage,
    SupporterStatus,
    WeeklySlot,
)
from tests.test_tenancy import _programme

KOGA, BANDO, MITO = "08204", "08228", "08201"


def _ranked_ids(request) -> list[int]:
    fresh = _db.session.get(HelpRequest, request.id)
    return [r.candidate.supporter_id for r in match_request(fresh).ranked]


def _elsewhere(app, change) -> None:
    """Commit ``change(session)`` in another session, then put this process's kept pools
    back as they were."""
    kept_here = dict(pool_facts._kept)
    with app.app_context():
        change(_db.session)
        _db.session.commit()
    pool_facts._kept.clear()
    pool_facts._kept.update(kept_here)


def test_a_language_removed_elsewhere_is_seen_by_the_next_match(
    app, db, make_supporter, make_request
):
    lan = make_supporter(name="Lan", home=KOGA)
    minh = make_supporter(name="Minh", home=KOGA)
    request = make_request(days_ahead=5)
    assert set(_ranked_ids(request)) == {lan.id, minh.id}
    assert pool_facts._kept  # the pool is kept now

    def forget_vietnamese(session):
        session.delete(session.get(SupporterLanguage, (lan.id, "vi")))

    _elsewhere(app, forget_vietnamese)
    assert _ranked_ids(request) == [minh.id]


def test_a_supporter_certified_or_suspended_elsewhere_is_seen(
    app, db, make_supporter, make_request
):
    lan = make_supporter(name="Lan", home=KOGA)
    request = make_request(days_ahead=5)
    assert _ranked_ids(request) == [lan.id]
    newcomer = make_supporter(name="Hoa", home=KOGA, status="applicant")
    assert _ranked_ids(request) == [lan.id]

    def certify_and_suspend(session):
        session.get(Supporter, newcomer.id).status = SupporterStatus.CERTIFIED
        session.get(Supporter, lan.id).status = SupporterStatus.SUSPENDED

    _elsewhere(app, certify_and_suspend)
    assert _ranked_ids(request) == [newcomer.id]


def test_a_home_or_served_place_changed_elsewhere_is_seen(app, db, make_supporter, make_request):
    lan = make_supporter(name="Lan", home=KOGA)
    request = make_request(days_ahead=5, municipality=MITO)  # Mito is ~60 km from Koga
    assert _ranked_ids(request) == []

    def serve_mito(session):
        supporter = session.get(Supporter, lan.id)
        supporter.served_municipalities.append(session.get(Municipality, MITO))

    _elsewhere(app, serve_mito)
    assert _ranked_ids(request) == [lan.id]


def test_the_day_s_facts_are_read_fresh_without_a_new_token(app, db, make_supporter, make_request):
    lan = make_supporter(name="Lan", home=KOGA)
    request = make_request(days_ahead=5)
    assert _ranked_ids(request) == [lan.id]
    before = pool_facts.tokens()[1]
    weekday = request.starts_at.astimezone(JST).weekday()

    def only_another_day(session):
        session.add(WeeklySlot(supporter_id=lan.id, weekday=(weekday + 1) % 7,
                               starts=time(9), ends=time(17)))  # fmt: skip

    _elsewhere(app, only_another_day)
    assert pool_facts.tokens()[1] == before  # not a lasting fact
    assert _ranked_ids(request) == []


def test_every_way_a_lasting_fact_changes_renews_the_token(db, make_supporter):
    lan = make_supporter(name="Lan", home=KOGA)
    token = pool_facts.tokens()[1]
    assert token is not None
    # An unwatched column (the notes) keeps it.
    lan.notes = "prefers mornings"
    db.session.flush()
    assert pool_facts.tokens()[1] == token
    # A watched column through the unit of work.
    lan.monthly_case_cap = 6
    db.session.flush()
    assert pool_facts.tokens()[1] != token
    token = pool_facts.tokens()[1]
    # A spoken language added.
    db.session.add(SupporterLanguage(supporter_id=lan.id, language_code="en",
                                     level=LanguageLevel.FLUENT))  # fmt: skip
    db.session.flush()
    assert pool_facts.tokens()[1] != token
    token = pool_facts.tokens()[1]
    # An UPDATE statement of a watched column, and of an unwatched one.
    db.session.execute(update(Supporter).where(Supporter.id == lan.id).values(notes="x"))
    assert pool_facts.tokens()[1] == token
    db.session.execute(update(Supporter).where(Supporter.id == lan.id).values(gender="female"))
    assert pool_facts.tokens()[1] != token
    db.session.commit()
    token = pool_facts.tokens()[1]
    # A rolled-back change takes its token with it.
    lan.home_municipality_code = BANDO
    db.session.flush()
    assert pool_facts.tokens()[1] != token
    db.session.rollback()
    assert pool_facts.tokens()[1] == token


def test_the_pool_is_kept_per_programme(app, db, make_supporter, make_request):
    a, b = _programme("08", "茨城", "Ibaraki"), _programme("10", "群馬", "Gunma")
    db.session.add_all([a, b])
    db.session.commit()
    with tenancy.using(a.id):
        lan = make_supporter(name="Lan", home=KOGA)
        token = pool_facts.tokens()[1]
        assert set(pool_facts.current(token).facts) == {lan.id}
    with tenancy.using(b.id):
        assert pool_facts.current(token).facts == {}  # not programme A's kept pool
    with tenancy.using(a.id):
        assert set(pool_facts.current(token).facts) == {lan.id}


def test_nobody_qualifies_from_the_pool_equals_the_exhaustive_answer(
    db, make_supporter, make_request
):
    make_supporter(name="Lan", home=KOGA, modes=("phone",))
    make_supporter(name="Dara", home=BANDO, languages=(("km", "native"),))
    request = make_request(days_ahead=5, municipality=MITO)
    fresh = _db.session.get(HelpRequest, request.id)
    fast, exhaustive = match_request(fresh), match_exhaustive(fresh)
    assert fast.ranked == exhaustive.ranked == []
    assert fast.counts_after_each_filter == exhaustive.counts_after_each_filter
    assert fast.emptied_by == exhaustive.emptied_by
    assert fast.fallbacks == exhaustive.fallbacks
    assert any(f.kind == "remote" for f in fast.fallbacks)


# --- A token per programme (cache_tokens.py) ------------------------------------------------------


def _two_programmes(db):
    # Both in Ibaraki's municipalities (as in test_tenancy): only the programme keeps them apart.
    a, b = _programme("08", "茨城", "Ibaraki"), _programme("08", "群馬", "Gunma")
    db.session.add_all([a, b])
    db.session.commit()
    return a.id, b.id


def test_a_change_in_one_programme_leaves_the_other_programmes_kept_data(
    db, make_supporter, make_request
):
    """Gunma edits a profile and completes a request: Gunma's tokens are renewed, Ibaraki's are
    not, and Ibaraki's kept pool is used as it is; a reader across programmes sees the change."""
    a, b = _two_programmes(db)
    with tenancy.using(a):
        make_supporter(name="Lan", home=KOGA)
        make_request()
        tokens_a = pool_facts.tokens()
        pool_a = pool_facts.current(tokens_a[1])
    with tenancy.using(b):
        dara = make_supporter(name="Dara", home=KOGA)
        request = make_request()
        tokens_b = pool_facts.tokens()
    with tenancy.using(None):
        across = pool_facts.tokens()
    assert None not in (*tokens_a, *tokens_b, *across)
    with tenancy.using(b):
        dara = db.session.get(Supporter, dara.id)
        dara.monthly_case_cap = 3
        fresh = db.session.get(HelpRequest, request.id)
        fresh.assigned_supporter_id = dara.id
        db.session.commit()
        renewed_b = pool_facts.tokens()
    assert renewed_b[0] != tokens_b[0] and renewed_b[1] != tokens_b[1]
    with tenancy.using(a):
        assert pool_facts.tokens() == tokens_a
        assert pool_facts.current(tokens_a[1]) is pool_a  # not read again
    with tenancy.using(None):
        assert pool_facts.tokens()[0] != across[0] and pool_facts.tokens()[1] != across[1]


def test_a_statement_the_scoping_does_not_limit_renews_every_programme(db, make_supporter):
    """A Core statement on the served places (no programme scoping applies to it) can change
    any programme's supporters: every programme's pool token is renewed."""
    from sqlalchemy import insert

    from supporters.models.supporter import supporter_served_municipality

    a, b = _two_programmes(db)
    with tenancy.using(a):
        lan = make_supporter(name="Lan", home=KOGA)
        before_a = pool_facts.tokens()[1]
    with tenancy.using(b):
        make_supporter(name="Dara", home=KOGA)
        before_b = pool_facts.tokens()[1]
    with tenancy.using(a):
        db.session.execute(
            insert(supporter_served_municipality).values(
                supporter_id=lan.id, municipality_code=BANDO
            )
        )
        db.session.commit()
        assert pool_facts.tokens()[1] != before_a
    with tenancy.using(b):
        assert pool_facts.tokens()[1] != before_b


def test_writers_of_two_programmes_do_not_wait_for_each_other(app, db):
    """PostgreSQL holds a row's lock from the UPDATE to the commit: with one row for the
    installation, every programme's profile edits queued behind each other. Each programme has
    its own row now; only a second writer of the same programme waits."""
    import pytest
    from sqlalchemy.exc import OperationalError

    from supporters import cache_tokens

    if _db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite locks the whole database for a write anyway")
    a, b = _two_programmes(db)
    for programme in (a, b):
        with _db.engine.begin() as connection:
            cache_tokens.renew(connection, pool_facts.KIND, {programme})
    with _db.engine.connect() as first, _db.engine.connect() as second:
        first.begin()
        cache_tokens.renew(first, pool_facts.KIND, {a})  # not committed: holds A's row
        second.begin()
        second.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
        cache_tokens.renew(second, pool_facts.KIND, {b})  # B's own row: no wait
        with pytest.raises(OperationalError):  # A's row: waits, and gives up
            cache_tokens.renew(second, pool_facts.KIND, {a})
        second.rollback()
        first.rollback()
