"""Words for request history lines stored as a code and parameters (``RequestEvent.code``).

The row keeps ``("offer_withdrawn", {"supporter_id": 7, "reason": "supporter_suspended"})``;
the page renders it in the viewer's language, with the supporter's name as it is today.

What the system writes is always a code (``offers_sent``, ``offer_accepted``, ``case_logged``,
``no_acceptance`` …); ``note`` only keeps what a person typed (a reason for a cancellation, the
service a request was referred to). Rows written before codes existed carry the words in the
actor's language ("3 offer(s)", "accepted", "Người hỗ trợ đã ghi nhật ký hoạt động."): the known
ones are read back to their code by :func:`legacy_code`, so they too show in the viewer's
language; anything else stays the typed note it is.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.support import Translations
from flask import current_app
from flask_babel import gettext as _

from supporters.extensions import db
from supporters.help_requests.labels import REQUEST_STATUS_LABELS
from supporters.models import RequestEvent, Supporter

# The English words the services wrote before the codes (and the msgid the case log used).
_CASE_LOGGED_MSGID = "Case logged by the supporter."
_OFFER_COUNT = re.compile(r"^(\d+) offer\(s\)$")


@dataclass(frozen=True)
class HistoryLine:
    """One line of a request's history as the viewer reads it.

    ``status`` is the status the request moved to (None for a line that is not a move);
    ``text`` the coded detail in the viewer's language, or the note a person typed (``typed``,
    shown only to who may read notes); ``code`` names the line for pages and tests.
    """

    status: str | None
    text: str
    code: str
    typed: bool = False


def history_line(
    event: RequestEvent, detailed: bool = True, *, notes: bool | None = None
) -> HistoryLine:
    """The line ``event`` makes in the viewer's language; ``detailed`` adds who, why and notes.

    ``notes`` shows the typed notes without naming supporters (the resident's own disclosure);
    by default it follows ``detailed``.
    """
    notes = detailed if notes is None else notes
    moved = event.from_status != event.to_status or not event.code
    status = str(REQUEST_STATUS_LABELS[event.to_status]) if moved else None
    code, params = event.code, event.params or {}
    if not code:
        code, params = legacy_code(event.note or "")
    if code:
        return HistoryLine(status, _coded_text(code, params, detailed), code)
    if event.note and notes:
        return HistoryLine(status, event.note, "", typed=True)
    return HistoryLine(status, "", "")


def event_text(event: RequestEvent, detailed: bool = True) -> str:
    """The history line of a coded event; ``detailed`` (coordinators) adds who and why."""
    return _coded_text(event.code, event.params or {}, detailed)


def legacy_code(note: str) -> tuple[str, dict]:
    """The code a note written before codes existed stands for, or ``("", {})``.

    Cheap enough per line: three fixed English words and the case log's message in each
    catalogue (read once per process).
    """
    text = note.strip()
    if not text:
        return "", {}
    if text == "accepted":
        return "offer_accepted", {}
    if text == "no acceptance":
        return "no_acceptance", {}
    counted = _OFFER_COUNT.match(text)
    if counted:
        return "offers_sent", {"count": int(counted.group(1))}
    if text in _case_logged_words(current_app.config.get("BABEL_TRANSLATION_DIRECTORIES", "")):
        return "case_logged", {}
    return "", {}


@cache
def _case_logged_words(directories: str) -> frozenset[str]:
    """The case log's old history note in every catalogue (English included)."""
    words = {_CASE_LOGGED_MSGID}
    for folder in filter(None, directories.split(";")):
        for catalogue in Path(folder).glob("*/LC_MESSAGES/messages.mo"):
            locale = catalogue.parent.parent.name
            words.add(Translations.load(folder, [locale]).gettext(_CASE_LOGGED_MSGID))
    return frozenset(words)


def _coded_text(code: str, params: dict, detailed: bool) -> str:
    if code == "offers_sent":
        return _("%(n)d offer(s) sent.", n=params.get("count", 0))
    if code == "offer_accepted":
        name = _supporter_name(params) if detailed else None
        return f"{_('Offer accepted')} · {name}" if name else _("Offer accepted")
    if code == "case_logged":
        return _("Case logged by the supporter.")
    if code == "no_acceptance":
        return _("Nobody accepted in time.")
    if code == "offer_withdrawn":
        if not detailed:
            return _("An offer was withdrawn.")
        return _withdrawal(params)
    if code == "escalated":
        return _(
            "No answer in time: offered to %(count)s more supporter(s) (round %(round)s).",
            count=params.get("offered", 0),
            round=params.get("round", 1),
        )
    if code in ("merged_into", "merged_from"):
        return _merge_text(code, params)
    return code


def _merge_text(code: str, params: dict) -> str:
    """A duplicate merged (help_requests/duplicates.py): the other request by its reference."""
    reference = params.get("reference", "—")
    if code == "merged_into":
        return _("Closed as a duplicate: merged into request %(ref)s.", ref=reference)
    return _("Request %(ref)s was merged into this one as a duplicate.", ref=reference)


def _supporter_name(params: dict) -> str | None:
    supporter = db.session.get(Supporter, params.get("supporter_id") or 0)
    return supporter.display_name if supporter is not None else None


def _withdrawal(params: dict) -> str:
    name = _supporter_name(params) or "—"
    reason = params.get("reason")
    if reason == "supporter_suspended":
        return _("The offer to %(name)s was withdrawn because they were suspended.", name=name)
    if reason == "supporter_retired":
        return _("The offer to %(name)s was withdrawn because they retired.", name=name)
    if reason == "deactivated":
        return _(
            "The offer to %(name)s was withdrawn because their account was deactivated.",
            name=name,
        )
    return _("The offer to %(name)s was withdrawn.", name=name)
