"""The cells of an uploaded table, whether it is a CSV file or an Excel workbook (XLSX).

:func:`records` yields each record with the line (CSV) or row (XLSX) where it starts, so an
error can name the place the coordinator sees in their own program. A workbook is read from its
first sheet unless a sheet is named. Cells come back as text the way Excel shows them: whole
numbers without ``.0``, dates as ``YYYY-MM-DD``, empty cells as ``""``. Nothing is normalised
here (:func:`supporters.imports.reading.normalise` does that per cell).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class SheetError(ValueError):
    """The workbook cannot be read, or has no sheet of the name asked for (translated)."""


def is_workbook(data: bytes) -> bool:
    """Whether ``data`` is a ZIP container (an XLSX workbook) rather than text."""
    return data.startswith(XLSX_MAGIC)


def records(data: bytes, text: str | None = None, sheet: str | None = None):
    """``(line, cells)`` for every record: of the workbook ``data``, or of the CSV ``text``.

    For CSV the caller decodes the bytes first (encodings are its business) and passes
    ``text``; :class:`csv.Error` propagates with the reader's line so the caller can name it.
    """
    if is_workbook(data):
        return _workbook_rows(data, sheet)
    return _csv_rows(text if text is not None else data.decode("utf-8-sig"))


def sheet_names(data: bytes) -> list[str]:
    """The workbook's sheet names, in order (empty for a CSV file)."""
    if not is_workbook(data):
        return []
    return _open(data).sheetnames


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _open(data: bytes):
    from openpyxl import load_workbook  # only workbooks need it

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SheetError(_("The file is not a readable Excel workbook (XLSX).")) from error


def _workbook_rows(data: bytes, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    book = _open(data)
    try:
        if sheet:
            if sheet not in book.sheetnames:
                raise SheetError(
                    _(
                        "The workbook has no sheet named %(sheet)s (it has: %(names)s).",
                        sheet=sheet,
                        names=", ".join(book.sheetnames),
                    )
                )
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in row]
    finally:
        book.close()


def cell_text(value) -> str:
    """A cell's value as Excel shows it: 12.0 → "12", a date → "2026-04-01", None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
