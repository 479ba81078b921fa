"""Tables leaving the application as CSV (UTF-8 with BOM, CRLF) or XLSX, safe to open in Excel.

The one writer of tables: the payments files, the monthly report, the data exports and the
audit trail all write through :func:`csv_bytes` and :func:`xlsx_bytes`: a text cell that a
spreadsheet would run as a formula gets a leading apostrophe, and XLSX text cells are typed as
text, so codes keep their leading zeros and nothing is ever evaluated.
"""

import csv
import io
from collections.abc import Sequence

# Characters that make Excel (or LibreOffice) read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` on a cell read back from one of our files."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF, so Excel in Japan opens it without garbling."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    title: str = "Sheet1",
    widths: Sequence[int] = (),
    more_sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]] = (),
) -> bytes:
    """The same table as an Excel workbook; text cells typed as text (never formulas).

    ``widths`` sets the first columns' widths (in characters), for tables read on screen;
    ``more_sheets`` adds sheets after it, each ``(title, headers, rows)`` written the same way.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    for number, (name, head, body) in enumerate(((title, headers, rows), *more_sheets)):
        sheet = sheet if number == 0 else workbook.create_sheet()
        sheet.title = name[:31]
        sheet.append(list(head))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            sheet.append([neutralise(value) for value in row])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths if number == 0 else (), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
