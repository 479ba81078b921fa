"""Two programmes in one installation: nothing of one is visible or writable from the other.

User story: "As Ibaraki's coordinator I share the installation with Gunma's programme, and I can
neither see nor change a single record of theirs — not by opening an address with their record's
number, not in a list, an export, a report or a search — and neither can they see mine."

The isolation matrix is generated from the app's own URL map, like tests/test_access_matrix.py
(whose world each programme gets a copy of): every route that names a record is asked, by every
role of programme A, about programme B's record, and must answer 404 (or the refusal that role
gets anyway, for a route it may not use at all). Every page and API list without a record in its
address is read by every role of A and must not name anything of B's; B's records are the same
after every cell as before.
"""

import io
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import event, func, select

from supporters import tenancy
from supporters.extensions import db
from supporters.models import Activity, HelpRequest, Offer, Supporter, User
from supporters.models.programme import Programme
from supporters.programme.settings import NEUTRAL, SETTING_FIELDS
from tests.conftest import csrf_token, make_app
from tests.test_access_matrix import (
    FORBIDDEN,
    INVALID,
    LOGIN,
    NO_TOKEN,
    NOT_FOUND,
    POST_DATA,
    ROLES,
    RULES,
    TOKEN_PAGE,
    Cell,
    _outcome,
    _url,
    _url_variants,
    build_world,
)

TAG = "-gunma"
# The URL arguments that name one record (the others name a month, an action, a language …).
RECORD_ARGUMENTS = {
    "supporter_id",
    "request_id",
    "offer_id",
    "activity_id",
    "user_id",
    "cohort_id",
    "session_id",
}
# The refusals a role gets whatever the record: asking about B's record may give these too.
REFUSED_ANYWAY = {LOGIN, FORBIDDEN, NO_TOKEN}


def _programme(prefecture: str, name_ja: str, name_en: str) -> Programme:
    values = {key: getattr(NEUTRAL, key) for key in SETTING_FIELDS}
    values.update(prefecture_code=prefecture, name_ja=name_ja, name_en=name_en)
    return Programme(**values)


class Worlds:
    """Programme A (Ibaraki) and programme B (Gunma), each with the access matrix's world."""

    def __init__(self, app, a, b, ids):
        self.app, self.a, self.b, self.ids = app, a, b, ids

    def b_fingerprint(self) -> tuple:
        """What could change if A wrote into B: B's records' states, read across programmes."""
        with self.app.app_context(), tenancy.using(None):
            rows = []
            for model, columns in (
                (Supporter, (Supporter.id, Supporter.status, Supporter.display_name)),
                (HelpRequest, (HelpRequest.id, HelpRequest.status, HelpRequest.need)),
                (Offer, (Offer.id, Offer.status)),
                (Activity, (Activity.id, Activity.duration_minutes, Activity.notes)),
                (User, (User.id, User.active, User.email, User.role)),
            ):
                rows.append(
                    tuple(
                        db.session.execute(
                            select(*columns)
                            .where(model.programme_id == self.ids["b"])
                            .order_by(columns[0])
                        ).all()
                    )
                )
            return tuple(rows)

    def b_markers(self) -> list[str]:
        """Words only B's records hold: names, addresses, request references."""
        with self.app.app_context(), tenancy.using(self.ids["b"]):
            references = db.session.scalars(select(HelpRequest.reference)).all()
            emails = db.session.scalars(select(User.email)).all()
        return [TAG, *references, *emails]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("tenancy"))
    with app.app_context():
        a = _programme("08", "茨城県外国人材支援", "Ibaraki programme")
        # B builds the same world in the same municipalities (so B takes requests in A's
        # prefecture): a municipal officer of A and B's records then share every area, and only
        # the programme's scoping can keep them apart.
        b = _programme("08", "群馬県母国語サポーター", "Gunma programme")
        db.session.add_all([a, b])
        db.session.commit()
        ids = {"a": a.id, "b": b.id}
        with tenancy.using(a.id):
            world_a = build_world(app)
        with tenancy.using(b.id):
            world_b = build_world(app, TAG)
        counts = {
            model.__name__: db.session.scalar(
                select(func.count()).select_from(model).where(model.programme_id == b.id)
            )
            for model in (Supporter, HelpRequest, Offer, Activity, User)
        }
    assert all(counts.values()), counts  # B really has records of every kind
    built = Worlds(app, world_a, world_b, ids)
    built.before = built.b_fingerprint()
    yield built
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _record_cells():
    for rule in RULES:
        if not RECORD_ARGUMENTS & set(rule.arguments):
            continue
        method = next(m for m in ("GET", "POST", "PATCH") if m in rule.methods)
        for values in _url_variants(rule):
            for role in ROLES[1:]:
                label = ",".join(values.values())
                yield pytest.param(
                    Cell(rule.endpoint, method, tuple(values.items()), role),
                    id=f"{rule.endpoint}[{label}]-{role}",
                )


def _list_cells():
    for rule in RULES:
        if rule.arguments or "GET" not in rule.methods:
            continue
        for role in ROLES[1:]:
            yield pytest.param(rule.endpoint, role, id=f"{rule.endpoint}-{role}")


def _ask(world, client, cell: Cell, url: str):
    if cell.method == "GET":
        return client.get(url)
    if cell.endpoint.startswith("api_"):
        return client.open(url, method=cell.method, json={})
    data = {"csrf_token": csrf_token(client, TOKEN_PAGE), **POST_DATA.get(cell.endpoint, {})}
    return client.post(url, data=data)


@pytest.mark.parametrize("cell", list(_record_cells()))
def test_a_record_of_the_other_programme_is_not_found(worlds, cell):
    """A's people ask about B's record: 404, as if it did not exist (or the refusal the role
    gets for any record); and nothing of B changed."""
    a, b = worlds.a, worlds.b
    api = cell.endpoint.startswith("api_")
    own_answer = cell.expected
    client = a.api_client(cell.role) if api else a.client(cell.role)
    url = _url(b, replace(cell, role=cell.role))  # B's record, asked by A's role
    response = _ask(a, client, cell, url)
    outcome = _outcome(response)
    # An API body checked before the record is looked up is refused alike for every record.
    allowed = {NOT_FOUND} | ({own_answer} & (REFUSED_ANYWAY | {INVALID}))
    assert outcome in allowed, f"{cell.method} {url} as programme A's {cell.role}: {outcome}"
    assert worlds.b_fingerprint() == worlds.before


def _text_of(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # a spreadsheet: its strings are in the zipped XML
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "".join(
                book.read(name).decode("utf-8", "replace")
                for name in book.namelist()
                if name.endswith(".xml")
            )
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize(("endpoint", "role"), list(_list_cells()))
def test_a_list_names_nothing_of_the_other_programme(worlds, endpoint, role):
    """Every page, export, report and API list without a record in its address, read by A's
    people, names nothing of B's (names, addresses, references)."""
    from flask import url_for

    a = worlds.a
    api = endpoint.startswith("api_")
    client = a.api_client(role) if api else a.client(role)
    with worlds.app.test_request_context():
        url = url_for(endpoint)
    response = client.get(url)
    if response.status_code != 200:
        return  # refused or redirected: nothing shown (the access matrix checks which)
    text = _text_of(response)
    leaked = [marker for marker in worlds.b_markers() if marker in text]
    assert leaked == [], f"GET {url} as programme A's {role} shows B's {leaked[:3]}"


def test_search_finds_only_the_own_programme(worlds):
    """The header's search: a name both programmes' supporters share finds only A's; B's
    request reference finds nothing."""
    a, b = worlds.a, worlds.b
    client = a.client("coordinator")
    page = client.get("/search/", query_string={"q": "Trần Văn Hùng"}).get_data(as_text=True)
    assert f"/supporters/{a.supporters['own']}" in page
    assert f"/supporters/{b.supporters['own']}" not in page
    with worlds.app.app_context(), tenancy.using(worlds.ids["b"]):
        reference = db.session.get(HelpRequest, b.requests["koga"]).reference
    page = client.get("/search/", query_string={"q": reference}).get_data(as_text=True)
    assert f"/requests/{b.requests['koga']}" not in page


def test_each_programme_sees_its_own_records(worlds):
    """The other half of isolation: scoping hides only the other programme's records."""
    page = worlds.a.client("coordinator").get("/supporters/").get_data(as_text=True)
    assert "Trần Văn Hùng" in page and TAG not in page
    with worlds.app.app_context(), tenancy.using(worlds.ids["b"]):
        names = db.session.scalars(select(Supporter.display_name)).all()
    assert names and all(name.endswith(TAG) for name in names)


def test_new_records_belong_to_the_programme_in_context(worlds):
    """A row read in B's context is B's, and A's context cannot load it by its id."""
    with worlds.app.app_context():
        with tenancy.using(worlds.ids["b"]):
            supporter_id = db.session.scalar(select(Supporter.id).limit(1))
        db.session.expunge_all()
        with tenancy.using(worlds.ids["a"]):
            assert db.session.get(Supporter, supporter_id) is None
        with tenancy.using(None):  # across programmes: there it is, B's
            assert db.session.get(Supporter, supporter_id).programme_id == worlds.ids["b"]


def test_months_and_targets_are_each_programmes_own(worlds):
    """A's closed month, target and nationality mapping are not B's: each programme closes its
    own May, with its own supporters' lines, and keeps its own targets."""
    from datetime import date

    from supporters.coverage.targets import TargetDraft, save_target
    from supporters.models import NationalityLanguage, ProgrammeTarget, StipendLine, StipendMonth
    from supporters.stipends.close import close_month
    from supporters.tenancy import get_keyed

    may = date(2025, 5, 1)
    a, b = worlds.ids["a"], worlds.ids["b"]
    with worlds.app.app_context():
        with tenancy.using(a):
            assert close_month(may, None).lines_added > 0
            save_target(TargetDraft(2031, 40, 0, 100, languages=["vi"]), None)
            db.session.add(NationalityLanguage(nationality="KH", language_code="vi"))
            db.session.commit()
        db.session.expunge_all()
        with tenancy.using(b):
            assert get_keyed(StipendMonth, may) is None  # A's close is not B's
            assert get_keyed(ProgrammeTarget, 2031) is None
            assert get_keyed(NationalityLanguage, "KH", "vi") is None
            result = close_month(may, None)
            assert not result.already_closed and result.lines_added > 0
            db.session.commit()
            own = select(StipendLine.supporter_id).where(StipendLine.month == may)
            assert set(db.session.scalars(own)) <= set(worlds.b.supporters.values())
        db.session.expunge_all()
        with tenancy.using(a):
            assert get_keyed(StipendMonth, may).programme_id == a
            assert get_keyed(ProgrammeTarget, 2031).certified_supporters == 40
            lines = set(db.session.scalars(select(StipendLine.supporter_id)))
            assert lines and lines <= set(worlds.a.supporters.values())


def test_sqlite_never_drives_a_join_by_the_programme_index(worlds):
    """One programme is every row: on SQLite (which plans without statistics) the criterion must
    not be an index key, or a join scans every offer per request (the supporter's home went from
    2 ms to 900 ms when it was)."""
    from supporters.models import Offer

    with worlds.app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL plans from its statistics")
        seen = []

        def note(_conn, _cursor, sql, parameters, _context, _many):
            seen.append((sql, parameters))

        statement = (
            select(HelpRequest.id, Offer.id)
            .outerjoin(Offer, Offer.request_id == HelpRequest.id)
            .where(HelpRequest.status == "offered")
        )
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            with tenancy.using(worlds.ids["a"]):
                db.session.execute(statement).all()
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        sql, parameters = seen[-1]
        assert "programme_id" in sql  # scoped …
        plan = " ".join(
            str(row)
            for row in db.session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}", parameters
            )
        )
    assert "programme_id" not in plan, plan


def test_a_statement_built_once_is_scoped_for_each_programme(worlds):
    """A statement kept at module level (the home's, the sign-in check's) is scoped once per
    programme and reused: run in A, then B, then A again, each sees only its own rows, and the
    scoped form kept for a programme is the one its second run used."""
    statement = select(Supporter.display_name).order_by(Supporter.id)
    with worlds.app.app_context():
        seen = {}
        dialect = db.engine.dialect.name
        for programme in ("a", "b", "a", "b"):
            with tenancy.using(worlds.ids[programme]):
                names = db.session.scalars(statement).all()
                kept = tenancy._SCOPED[statement][((worlds.ids[programme],), dialect)]
            seen.setdefault(programme, []).append((names, kept))
        with tenancy.using(None):  # no programme in context: not scoped at all
            everyone = db.session.scalars(statement).all()
    (a1, kept_a1), (a2, kept_a2) = seen["a"]
    (b1, _), (b2, _) = seen["b"]
    assert a1 == a2 and b1 == b2
    assert a1 and b1 and not set(a1) & set(b1)
    assert all(name.endswith(TAG) for name in b1) and not any(name.endswith(TAG) for name in a1)
    assert sorted(everyone) == sorted(a1 + b1)
    assert kept_a1 is kept_a2
