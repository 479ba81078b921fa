"""Hostile input stops at the door: ids the database cannot hold, JSON bodies no view can use.

* :class:`IdConverter` replaces Flask's ``int`` URL converter: an id outside the database's
  integer column (``2**31 - 1`` on PostgreSQL, ``INTEGER``) does not match the route, so
  ``/supporters/99999999999999999999`` is a 404 like any unknown id — on pages and in the API
  alike — instead of an overflow inside the driver. :func:`parse_id` is the same rule for an id
  given as text (a query, a hidden field, a CSV cell).
* :func:`_guard_input` reads a JSON body once, in one walk, before any view sees it, and
  refuses in the API's error shape: more than :data:`MAX_JSON_BYTES` (413; a bulk import's
  view, marked :func:`takes_large_json`, up to the import file limit), bytes that are not
  UTF-8 or not JSON, nesting deeper than :data:`MAX_JSON_DEPTH` (deep enough, Python's parser
  raises RecursionError) — all 400 — and lone surrogates (``"\\ud800"``), which no database
  can store (422, naming the field). NUL characters in a query, a form or the JSON body are
  refused the same way (422): PostgreSQL cannot store them (a 500 found by the API fuzzer) and
  no person types one.
"""

import json
from typing import NoReturn

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnprocessableEntity
from werkzeug.routing import IntegerConverter

# Ids are ``INTEGER`` columns: 32-bit signed on PostgreSQL, so larger numbers can name no row.
MAX_ID = 2**31 - 1
# No input schema of the API nests more than a few levels; 32 leaves room and stops the abuse.
MAX_JSON_DEPTH = 32
# The API's largest body (a supporter profile, a request) is a few KB; files come as uploads.
MAX_JSON_BYTES = 1024 * 1024
NUL = "\x00"


class IdConverter(IntegerConverter):
    """``<int:…>`` with the database's range: 0 to ``MAX_ID`` unless the rule says otherwise."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(text: str | None) -> int | None:
    """An id given as text (a query, a hidden field, a CSV cell): ASCII digits naming a row the
    database could hold (1 … MAX_ID), else None. ``"²".isdigit()`` is true, ``int("²")`` fails."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _walk(value) -> tuple[int, list[str], list[str]]:
    """How deep ``value`` nests, and the paths of strings (keys too) holding a lone surrogate,
    and those holding a NUL character.

    Walks iteratively, so a hostile document cannot exhaust the stack here either.
    """
    deepest, surrogates, nuls = 0, [], []
    stack = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, str):
            if _has_surrogate(item):
                surrogates.append(path or "body")
            if NUL in item:
                nuls.append(path or "body")
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{path}.{key}" if path else str(key)
                if _has_surrogate(key):
                    surrogates.append(_printable(inner_path))
                if NUL in key:
                    nuls.append(inner_path)
                stack.append((inner, depth + 1, inner_path))
        elif isinstance(item, list):
            for index, inner in enumerate(item):
                stack.append((inner, depth + 1, f"{path}.{index}" if path else str(index)))
    return deepest, sorted(_printable(path) for path in surrogates), nuls


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _printable(path: str) -> str:
    """A field path safe to put in a JSON answer: lone surrogates shown as U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in path)


def _unreadable(message: str) -> NoReturn:
    error = BadRequest(description=message)
    error.data = {"code": "invalid_json", "message": message, "fields": {"_": message}}
    raise error


def takes_large_json(view):
    """Mark a view whose JSON body is a whole table (the API's bulk imports): it may be as large
    as an import file (``IMPORT_MAX_BYTES``) instead of :data:`MAX_JSON_BYTES`."""
    view.takes_large_json = True
    return view


def json_limit() -> int:
    """The largest JSON body the matched view accepts."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "takes_large_json", False):
        return max(MAX_JSON_BYTES, int(current_app.config.get("IMPORT_MAX_BYTES", 0)))
    return MAX_JSON_BYTES


def _json_nuls() -> list[str]:
    """Refuse a JSON body that is too large, not UTF-8, not JSON, too deep, or holds lone
    surrogates; return the paths of its strings holding a NUL character."""
    if not request.is_json:
        return []
    limit = json_limit()
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > limit:  # sent without a length (chunked)
        raise RequestEntityTooLarge()
    if not raw.strip():
        return []
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:  # thousands of levels: the parser's own guard fired
        _too_deep()
    except ValueError:  # UnicodeDecodeError is a ValueError too
        _unreadable(_("The body is not valid JSON in UTF-8."))
    depth, surrogates, nuls = _walk(document)
    if depth > MAX_JSON_DEPTH:
        _too_deep()
    if surrogates:
        _refuse(surrogates, _("Text may not contain unpaired surrogate characters."))
    return nuls


def _guard_input():
    """before_request: hostile JSON bodies, then NUL characters anywhere, stop before any view."""
    nuls = _json_nuls()
    for source in (request.args, request.form):
        for key in source:
            if NUL in key or any(NUL in value for value in source.getlist(key)):
                nuls.append(key)
    if nuls:
        _refuse(nuls, _("Text may not contain the NUL character."))


def _refuse(paths: list[str], message: str) -> NoReturn:
    """A 422 naming each field, in the API's error shape (pages show the plain message)."""
    error = UnprocessableEntity(description=message)
    error.data = {"code": "invalid", "message": message, "fields": dict.fromkeys(paths, message)}
    raise error


def _too_deep() -> NoReturn:
    _unreadable(_("The JSON body nests too deeply (at most %(n)s levels).", n=MAX_JSON_DEPTH))


def init_app(app: Flask) -> None:
    """Install the guard; called first from ``safety.init_app``."""
    app.before_request(_guard_input)
