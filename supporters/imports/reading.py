"""Reading an uploaded table: size limit, encoding, NFKC, the header and rows with line numbers.

Files come as Japanese offices write them: UTF-8 (with or without BOM) or CP932 (Shift_JIS from
Excel), full-width digits and spaces, quoted cells holding commas and line breaks. Nothing here
touches the database; each importer checks the values of the rows it is given.
"""

import base64
import binascii
import csv
import re
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from supporters.imports import sheets
from supporters.refusals import FORM, Refused
from supporters.spreadsheets import unneutralise

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, encoding, empty); the message is translated."""


class FileTooLarge(ImportFileError):
    """The file is larger than ``IMPORT_MAX_BYTES``."""


@dataclass(frozen=True)
class RowError:
    """A wrong row: its line number in the file (where the record starts) and why (translated);
    ``fields`` names the service's fields when the refusal came from a service."""

    line: int
    message: str
    fields: tuple[tuple[str, str], ...] = ()


def row_error(line: int, refusal: Refused, hints: Mapping[str, str] | None = None) -> RowError:
    """The import's form of a service's :class:`Refused`: every message, on the row's line.

    ``hints`` (field → text) is what the import adds to a refused field's message (e.g.
    suggestions for a misspelt name); ``fields`` keeps the service's messages alone."""
    messages = refusal.field_messages() or {FORM: str(refusal.message)}
    hints = hints or {}
    text = " ".join(
        f"{message} {hints[name]}" if hints.get(name) else message
        for name, message in messages.items()
    )
    return RowError(line, text, tuple(messages.items()))


@dataclass(frozen=True)
class Column:
    """A column an importer reads: its name, other spellings accepted in the header, whether
    the header must have it."""

    name: str
    synonyms: tuple[str, ...] = ()
    required: bool = True


@dataclass
class Table:
    """The rows of a file as {column name: normalised text}, with the line each starts on."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def max_bytes() -> int:
    """The configured size limit of an imported file (``IMPORT_MAX_BYTES``)."""
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    """``10485760`` → ``"10"``, ``1572864`` → ``"1.5"`` (for messages)."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def too_large_message(limit: int | None = None) -> str:
    """The message for a file over the limit, naming the limit."""
    return _(
        "The file is larger than the limit of %(size)s MB. Split it into smaller files.",
        size=megabytes(limit or max_bytes()),
    )


def read_limited(stream, limit: int | None = None) -> bytes:
    """At most ``limit`` bytes of ``stream``; never reads more than one byte past the limit."""
    limit = limit or max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(too_large_message(limit))
    return data


def normalise(text: str | None) -> str:
    """NFKC (full-width → ASCII, half-width kana → full-width), trimmed, and a formula guard
    added by our own exports (a leading apostrophe) taken off again."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    return unneutralise(value).strip()


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else CP932 (Shift_JIS as Windows writes it)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode, but hold NULs
            return text
    raise ImportFileError(_("The file is neither UTF-8 nor Shift_JIS (CP932)."))


def header_key(cell: str) -> str:
    """A header cell as compared with column names: NFKC, lower case, spaces → ``_``."""
    return re.sub(r"[\s\-]+", "_", normalise(cell).lower())


def match_header(header: list[str], columns: list[Column]) -> list[str] | str:
    """The column each header cell names, or a translated reason why the header is wrong."""
    names = {}
    for column in columns:
        for spelling in (column.name, *column.synonyms):
            names[header_key(spelling)] = column.name
    found = [names.get(header_key(cell), "") for cell in header]
    unknown = [normalise(cell) or "-" for cell, name in zip(header, found, strict=True) if not name]
    missing = [c.name for c in columns if c.required and c.name not in found]
    doubled = sorted({name for name in found if name and found.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("Missing columns: %(names)s.", names=", ".join(missing)))
    if unknown:
        problems.append(_("Unknown columns: %(names)s.", names=", ".join(unknown)))
    if doubled:
        problems.append(_("Columns named twice: %(names)s.", names=", ".join(doubled)))
    if problems:
        expected = ", ".join(c.name if c.required else f"[{c.name}]" for c in columns)
        problems.append(_("Expected: %(names)s.", names=expected))
        return " ".join(problems)
    return found


def read_table(data: bytes, columns: list[Column], sheet: str | None = None) -> Table:
    """Read the header and rows of a CSV file or an XLSX workbook (its first sheet, or
    ``sheet``); blank lines are skipped.

    Raises :class:`ImportFileError` for an unreadable or empty file; a wrong header or a row
    with too few or too many values is a :class:`RowError`.
    """
    if len(data) > max_bytes():
        raise FileTooLarge(too_large_message())
    table = Table()
    workbook = sheets.is_workbook(data)
    try:
        reader = sheets.records(data, text=None if workbook else decode(data), sheet=sheet)
        header_line, header = _first_filled(reader)
    except sheets.SheetError as error:
        raise ImportFileError(str(error)) from error
    except csv.Error as error:
        table.errors.append(RowError(1, _("Unreadable CSV: %(error)s", error=str(error))))
        return table
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if workbook:
        header = _trim(header)
    found = match_header(header, columns)
    if isinstance(found, str):
        table.errors.append(RowError(header_line, found))
        return table
    table.columns = found
    line = header_line + 1
    while True:
        try:
            start, cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.errors.append(RowError(line, _("Unreadable CSV: %(error)s", error=str(error))))
            break
        line = start + 1
        if not any(str(cell).strip() for cell in cells):
            continue
        if workbook:  # a sheet's rows are as wide as its widest row: pad or drop empty cells
            cells = _trim(cells)
            cells += [""] * (len(found) - len(cells))
        if len(cells) != len(found):
            message = _(
                "%(found)d values instead of %(expected)d.", found=len(cells), expected=len(found)
            )
            table.errors.append(RowError(start, message))
            continue
        table.rows.append((start, {n: normalise(c) for n, c in zip(found, cells, strict=True)}))
    if not table.rows and not table.errors:
        table.errors.append(RowError(line, _("The file has no rows.")))
    return table


def rows_table(rows: list[dict[str, str]], columns: list[Column]) -> Table:
    """Rows given as values by column name (the API's JSON rows) as a :class:`Table`: numbered
    from 1, each value normalised as a file's cell is, a required column missing from a row
    read as an empty cell (the importer's rules then say what is wrong)."""
    required = [column.name for column in columns if column.required]
    table = Table(columns=[column.name for column in columns])
    for number, row in enumerate(rows, start=1):
        values = dict.fromkeys(required, "")
        values.update({name: normalise(str(value)) for name, value in row.items()})
        table.rows.append((number, values))
    if not table.rows:
        table.errors.append(RowError(1, _("The file has no rows.")))
    return table


def _first_filled(reader) -> tuple[int, list[str] | None]:
    """The first record with any text in it (the header), and its line."""
    for line, cells in reader:
        if any(str(cell).strip() for cell in cells):
            return line, cells
    return 1, None


def _trim(cells: list[str]) -> list[str]:
    """``cells`` without the empty cells at the end of a sheet's row."""
    end = len(cells)
    while end and not str(cells[end - 1]).strip():
        end -= 1
    return list(cells[:end])


# --- The checked file between the preview and the confirmation ---------------------------------
# The preview page carries the file back compressed in a hidden field (no server-side temporary
# files); the confirmation checks it again from scratch, so a changed field can do no harm.


def pack(data: bytes) -> str:
    """``data`` for a hidden form field."""
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def unpack(text: str) -> bytes:
    """The file from a hidden form field; refuses more than the size limit once inflated."""
    limit = max_bytes()
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(text, validate=True), limit + 1)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise ImportFileError(_("Upload the file again.")) from error
    if len(data) > limit or not inflater.eof:
        raise FileTooLarge(too_large_message(limit))
    return data
