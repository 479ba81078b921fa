"""Certified supporters' lasting facts, kept per process: who could take a request, from memory.

Matching a request reads the same facts again and again: who is certified, which languages at
which level, which modes, where they live, which municipalities they serve. They change when a
coordinator edits a profile or certifies somebody, not when a supporter sets their week. So
each process keeps them per programme, indexed by home, served place and language, and
:mod:`.candidates_topk` walks the pool in memory; only the facts of the day (weekly slots, a
pause, days away, assignments) are read from the database, for the few supporters it looks at.

**Correct across processes**, as :mod:`.experience`: every change to a watched fact writes a
fresh random token of kind :data:`KIND` for the supporter's programme
(:mod:`supporters.cache_tokens`) in the same transaction (the unit of work's flushes;
ORM-enabled and Core ``insert``/``update``/``delete`` statements on the three tables, run
through the session — those the programme scoping does not limit renew every programme's). A
process reuses its copy only while the database holds the token it was read under: one small
read per match, shared with the experience token (:func:`tokens`). No token yet means nothing
is kept. Raw SQL that bypasses the session must not change these tables.

**Tenancy.** The facts are read through the ORM, so they are scoped to the programme in
context, and kept under that programme's id (None: across programmes). A profile edited in one
programme renews that programme's token alone: the others keep their pools.

**Watched:** a supporter's status, name, Japanese level, modes, home, gender, monthly cap,
programme and served municipalities, and every row of their languages. Not watched (read per
match): weekly slots, the pause, days away, assignments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from supporters import cache_tokens, tenancy
from supporters.extensions import db
from supporters.help_requests import experience
from supporters.models import Supporter, SupporterLanguage, SupporterStatus
from supporters.models.reference import changed, updated_columns
from supporters.models.supporter import supporter_served_municipality

# The kind of cache token that names the state of a programme's supporters' lasting facts.
KIND = "pool"
WATCHED = frozenset(
    {
        "status",
        "display_name",
        "japanese_level",
        "offers_in_person",
        "offers_phone",
        "offers_video",
        "home_municipality_code",
        "gender",
        "monthly_case_cap",
        "programme_id",
        "served_municipalities",
    }
)
TABLES = frozenset({"supporter", "supporter_language", "supporter_served_municipality"})
MODE_BIT = {"in_person": 1, "phone": 2, "video": 4}


@dataclass(frozen=True, slots=True)
class Facts:
    """One certified supporter's lasting facts, as the matching engine reads them."""

    name: str
    japanese_level: str | None
    modes: int  # MODE_BIT flags
    home: str
    gender: str | None
    cap: int
    languages: dict[str, str]  # language code → level ("native", "fluent", "conversational")
    served: frozenset[str]


@dataclass
class Pool:
    """Every certified supporter of the programme in context, with the indexes the top-k walks
    (ids sorted ascending in each list)."""

    facts: dict[int, Facts]
    by_home: dict[str, list[int]]
    serving: dict[str, list[int]]
    speakers: dict[str, list[int]]
    by_home_language: dict[tuple[str, str], list[int]]
    derived: dict = field(default_factory=dict)  # per-shape lists, built on first use


_kept: dict[int | None, tuple[object, Pool]] = {}


def tokens() -> tuple[object, object]:
    """(the requests' outcomes token, the supporters' facts token) of the programme in
    context, in one read."""
    found = cache_tokens.read(db.session, (experience.KIND, KIND))
    return found[experience.KIND], found[KIND]


def current(token: object) -> Pool:
    """The pool of the programme in context, read afresh unless kept under ``token``.

    Read-only: callers must not change what it holds (it is shared by the process)."""
    programme = tenancy.current_programme_id()
    kept = _kept.get(programme)
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    pool = _read()
    if token is not None:
        _kept[programme] = (token, pool)
    return pool


def _read() -> Pool:
    s = Supporter
    certified = s.status == SupporterStatus.CERTIFIED
    languages: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, code, level in db.session.execute(
        select(
            SupporterLanguage.supporter_id, SupporterLanguage.language_code, SupporterLanguage.level
        )
        .join(s, s.id == SupporterLanguage.supporter_id)
        .where(certified)
    ):
        languages[sid][code] = level.value
    served_col = supporter_served_municipality.c
    served: dict[int, set[str]] = defaultdict(set)
    for sid, code in db.session.execute(
        select(served_col.supporter_id, served_col.municipality_code)
        .join(s, s.id == served_col.supporter_id)
        .where(certified)
    ):
        served[sid].add(code)
    facts: dict[int, Facts] = {}
    by_home: dict[str, list[int]] = defaultdict(list)
    serving: dict[str, list[int]] = defaultdict(list)
    speakers: dict[str, list[int]] = defaultdict(list)
    by_home_language: dict[tuple[str, str], list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(
            s.id,
            s.display_name,
            s.japanese_level,
            s.offers_in_person,
            s.offers_phone,
            s.offers_video,
            s.home_municipality_code,
            s.gender,
            s.monthly_case_cap,
        )
        .where(certified)
        .order_by(s.id)
    )
    for sid, name, japanese, in_person, phone, video, home, gender, cap in rows:
        spoken = languages.get(sid, {})
        places = frozenset(served.get(sid, ()))
        modes = (1 if in_person else 0) | (2 if phone else 0) | (4 if video else 0)
        facts[sid] = Facts(name, japanese, modes, home, gender, cap, spoken, places)
        by_home[home].append(sid)
        for code in places:
            serving[code].append(sid)
        for code in spoken:
            speakers[code].append(sid)
            by_home_language[home, code].append(sid)
    return Pool(facts, dict(by_home), dict(serving), dict(speakers), dict(by_home_language))


def forget() -> None:
    """Drop every kept pool (tests; never needed for correctness)."""
    _kept.clear()


def renew_token(connection, programmes=cache_tokens.EVERY_PROGRAMME) -> None:
    """Write fresh tokens for ``programmes`` on ``connection`` (in its transaction)."""
    cache_tokens.renew(connection, KIND, programmes)
    if programmes == cache_tokens.EVERY_PROGRAMME:
        _kept.clear()
        return
    for programme in [p for p in _kept if p is None or p in programmes]:
        del _kept[programme]


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    """A new token for their programmes when the flush added or deleted supporters or spoken
    languages, or changed a watched fact."""
    touched = [
        o for o in session.new | session.deleted if isinstance(o, Supporter | SupporterLanguage)
    ]
    touched += [
        o
        for o in session.dirty
        if isinstance(o, SupporterLanguage) or (isinstance(o, Supporter) and changed(o, WATCHED))
    ]
    if touched:
        renew_token(session.connection(), cache_tokens.programmes_of(touched))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """A new token before an INSERT, UPDATE or DELETE statement on the watched tables (ORM or
    Core, run through the session)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in TABLES:
        return
    if state.is_update and table.name == "supporter":
        names = updated_columns(state.statement)
        if names and not names & WATCHED:
            return
    renew_token(state.session.connection(), cache_tokens.programmes_of_statement(state))
