"""Municipalities and languages, kept by each process for as long as they do not change.

Console pages name a municipality or a language on almost every row, and offer all of them in
their filters; reading the 44 + 21 rows as ORM objects on every request cost more than the rest of
such a page. Here they are read once per process into plain read-only records
(:class:`MunicipalityRef`, :class:`LanguageRef`: the same ``code``, names and ``name(locale)``
as the models, so ``localized_name`` takes either) and kept with what pages derive from them
(:meth:`ReferenceData.derive`, e.g. a form's option list in one language).

**Correct across processes.** Every flush that adds, changes or deletes a ``Municipality`` or a
``Language`` also writes a fresh random token into the one row of
:class:`~supporters.models.reference.ReferenceVersion`, in the same transaction (the hook below;
a rolled-back change takes its token with it). The token names the state of the reference data:
a process reuses its copy only while the database's token is the one it was read under. A
request learns the token from the sign-in check's statement (``auth/sessions.py`` folds
:data:`LATEST_TOKEN` into it), so a signed-in page pays no statement for it; anywhere else it
costs one small read. A database whose reference rows were never written through the ORM has no
token: then nothing is kept and every request reads them (slow, never stale). Writes that bypass
the ORM's unit of work (``update(Municipality)`` statements, raw SQL) would not be seen: none
exist, keep it that way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from itertools import chain
from typing import Any

from flask import g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from supporters.extensions import db
from supporters.models.programme import Programme
from supporters.models.reference import Language, Municipality, ReferenceVersion, write_token

# The current token, as a scalar sub-select to fold into a statement a request runs anyway.
LATEST_TOKEN = (
    select(ReferenceVersion.token)
    .where(ReferenceVersion.id == 1)
    .scalar_subquery()
    .label("reference_token")
)
_UNKNOWN = object()


@dataclass(frozen=True, slots=True)
class MunicipalityRef:
    """A municipality as read at the token's time (read-only; not attached to any session)."""

    code: str
    prefecture_code: str
    name_ja: str
    name_en: str
    kana: str
    kind: str
    latitude: float
    longitude: float
    valid_until: date | None = None
    successor_code: str | None = None
    # Not columns: the successor's names, filled in by _load (a merged one shows "old → new").
    successor_name_ja: str = ""
    successor_name_en: str = ""

    def name(self, locale: str) -> str:
        """The name to show in the given UI locale (as :meth:`Municipality.name`)."""
        ja = locale.startswith("ja")
        own = self.name_ja if ja else self.name_en
        if self.successor_code:
            return f"{own} → {self.successor_name_ja if ja else self.successor_name_en}"
        return own


@dataclass(frozen=True, slots=True)
class LanguageRef:
    """A language as read at the token's time (read-only; not attached to any session)."""

    code: str
    name_en: str
    name_ja: str
    name_native: str
    retired_on: date | None = None

    def name(self, locale: str) -> str:
        """The name to show in the given UI locale (as :meth:`Language.name`)."""
        return self.name_ja if locale.startswith("ja") else self.name_en


@dataclass
class ReferenceData:
    """Every municipality and language (each in code order), and what pages derived from them."""

    token: str | None
    municipalities: dict[str, MunicipalityRef]
    languages: dict[str, LanguageRef]
    _derived: dict[Any, Any] = field(default_factory=dict, repr=False)

    def derive(self, key, build: Callable[[], Any]) -> Any:
        """``build()``, once for this state of the reference data (``key`` names what it is)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
            return value


_kept: ReferenceData | None = None


def reference_data() -> ReferenceData:
    """The municipalities and languages as the database holds them now."""
    global _kept
    in_request = has_request_context()
    if in_request and (found := g.get("reference_data")) is not None:
        return found
    token = g.get("reference_token", _UNKNOWN) if in_request else _UNKNOWN
    if token is _UNKNOWN:
        token = db.session.scalar(select(LATEST_TOKEN))
        if in_request:
            g.reference_token = token
    kept = _kept
    if kept is None or token is None or kept.token != token:
        kept = _load(token)
        if token is not None:
            _kept = kept
    if in_request:
        g.reference_data = kept
    return kept


def forget() -> None:
    """Drop this process's copy (after reference rows were written around the ORM's hook)."""
    global _kept
    _kept = None
    if has_request_context():
        g.pop("reference_data", None)


def remember_token(token: str | None) -> None:
    """Note the newest token, read by a statement the request ran anyway (the sign-in check)."""
    if has_request_context() and "reference_data" not in g:
        g.reference_token = token


def _load(token: str | None) -> ReferenceData:
    columns = [f.name for f in fields(MunicipalityRef) if not f.name.startswith("successor_name")]
    municipalities = db.session.execute(
        select(*(getattr(Municipality, name) for name in columns)).order_by(Municipality.code)
    )
    languages = db.session.execute(
        select(*(getattr(Language, f.name) for f in fields(LanguageRef))).order_by(Language.code)
    )
    by_code = {row[0]: MunicipalityRef(*row) for row in municipalities}
    for code, ref in by_code.items():
        if (successor := by_code.get(ref.successor_code or "")) is not None:
            by_code[code] = replace(
                ref, successor_name_ja=successor.name_ja, successor_name_en=successor.name_en
            )
    return ReferenceData(
        token=token,
        municipalities=by_code,
        languages={row[0]: LanguageRef(*row) for row in languages},
    )


@event.listens_for(Session, "after_flush")
def _note_reference_change(session: Session, _flush_context) -> None:
    """Write a new token in the flush's transaction when it touched a municipality or language
    (or the programme's settings, which ``programme/settings.py`` keeps with them)."""
    global _kept
    touched = chain(session.new, session.dirty, session.deleted)
    if not any(isinstance(obj, Municipality | Language | Programme) for obj in touched):
        return
    token = write_token(session.connection(), 1)
    _kept = None
    if has_request_context():  # the rest of this request reads the data it has just written
        g.pop("reference_data", None)
        g.reference_token = token
