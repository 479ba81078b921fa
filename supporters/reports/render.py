"""The report's formats, each drawn from the same dict so they can never disagree.

HTML and PDF share one template partial (``reports/_report.html``) and the same SVG charts; CSV
and XLSX share one table (``rows``); JSON is the dict itself. Call these inside ``force_locale``
when the labels must be in a language other than the request's.
"""

import json
import re
import warnings
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from supporters import spreadsheets
from supporters.extensions import db
from supporters.i18n import list_sep
from supporters.programme.settings import current as programme_settings
from supporters.reports import charts
from supporters.reports.labels import (
    CATEGORY_LABELS,
    MODE_LABELS,
    NO_LANGUAGE,
    REQUEST_LABELS,
    SECTION_LABELS,
)
from supporters.spreadsheets import neutralise
from supporters.stipends.months import parse_month
from supporters.wareki import month_short, period_text

MIME = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FORMATS = tuple(MIME)
# A national report lists over a thousand municipalities: the printed copy keeps the ones with
# the most cases and says where the full table is (CSV, XLSX, JSON and the page have every row).
PDF_MUNICIPALITY_ROWS = 80
TITLE = re.compile(r"<title>.*?</title>", re.S)


def period_label(report: dict) -> str:
    """``2025-04`` for one month, ``2025-04/2025-12`` (an ISO 8601 interval) for a range."""
    period = report["period"]
    return period["from"] if period["from"] == period["to"] else f"{period['from']}/{period['to']}"


def filename(report: dict, fmt: str) -> str:
    """``yorisoi-report-2025-04_2025-12.pdf``."""
    return f"yorisoi-report-{period_label(report).replace('/', '_')}.{fmt}"


def language_name(cell: dict) -> str:
    return cell["name"] if cell["code"] else str(NO_LANGUAGE)


def number(value) -> str:
    """A count as printed: ``1,806``; a hidden cell as it is (``X``); nothing as ``—``."""
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


# --- HTML and PDF ---------------------------------------------------------------------------------


def coverage_map(report: dict) -> Markup | None:
    """The coverage map of ``coverage/svgmap.py`` for the report's period and scope.

    In a suppressed report the colours come from the protected matrix (``coverage.protected``:
    a colour never depends on a hidden count) and the hover texts are removed.
    """
    if report.get("gaps") is None:
        return None
    try:
        from supporters.coverage.analysis import coverage_matrix
        from supporters.coverage.svgmap import gap_map_svg
    except ImportError:
        return None
    as_of = report["period"].get("residents_as_of")
    scope = report["scope"]
    matrix = coverage_matrix(
        date.fromisoformat(as_of) if as_of else None,
        parse_month(report["period"]["from"]),
        parse_month(report["period"]["to"]),
        municipalities=frozenset(scope) if scope is not None else None,
    )
    if report["suppression"]:
        from supporters.coverage.protected import protected_matrix

        matrix = protected_matrix(
            matrix, report["suppression"]["below"], sensitive_too=scope is not None
        )
    svg = gap_map_svg(matrix, width=640, title=_("Coverage gaps"))
    if report["suppression"]:
        svg = TITLE.sub("", svg)
    return Markup(svg)


def median_text(report: dict, timing: dict) -> str:
    """The median time to assignment as printed, or plainly why there is none."""
    if timing.get("median_hours") is not None:
        return number(timing["median_hours"])
    if timing.get("suppressed"):
        below = (report.get("suppression") or {}).get("below", 0)
        if timing.get("withheld") == "few":
            return _("Not shown: fewer than %(n)s assignments", n=below)
        return _("Not shown, like the number of assignments it is based on")
    return _("No assignments")


def scope_names(report: dict) -> list[str]:
    """The names of a scoped report's municipalities in the report's language (codes if unknown)."""
    if not report.get("scope"):
        return []
    from supporters.models import Municipality

    ja = report.get("locale", "ja").startswith("ja")
    column = Municipality.name_ja if ja else Municipality.name_en
    found = dict(
        db.session.execute(
            select(Municipality.code, column).where(Municipality.code.in_(report["scope"]))
        ).all()
    )
    return [found.get(code) or code for code in report["scope"]]


def page_context(report: dict) -> dict:
    """Everything the template partial needs: the report, its labels and its charts."""
    cases = report["cases"]
    categories = [(str(CATEGORY_LABELS[code]), code) for code in cases["by_category"]]
    category_chart = charts.horizontal_bars(
        _("Cases by category"),
        [(label, cases["by_category"][code]) for label, code in categories],
    )
    month_chart = charts.vertical_bars(
        _("Cases by month"),
        [(month_short(block["month"]), block["cases"]["total"]) for block in report["months"]],
    )
    return {
        "report": report,
        "period": period_text(report["period"]["from"], report["period"]["to"]),
        "categories": categories,
        "modes": [(str(MODE_LABELS[code]), code) for code in cases["by_mode"]],
        "request_rows": [(str(label), key) for key, label in REQUEST_LABELS.items()],
        "sections": SECTION_LABELS,
        "number": number,
        "language_name": language_name,
        "category_chart": category_chart,
        "month_chart": month_chart,
        "map_svg": coverage_map(report),
        "programme": programme_settings().name(report["locale"]),
        "scope_names": scope_names(report),
        "median_text": lambda timing: median_text(report, timing),
    }


def pdf_bytes(report: dict) -> bytes:
    """The report as an A4 PDF (WeasyPrint; local Japanese fonts; nothing fetched)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
        from weasyprint import CSS, HTML

    # Rendered without the page context processors (language switcher, sign-out form), which
    # need a request: the CLI prints reports outside one.
    template = current_app.jinja_env.get_template("reports/monthly_pdf.html")
    context = page_context(report)
    rows = report["cases"]["by_municipality"]
    if len(rows) > PDF_MUNICIPALITY_ROWS:
        top = sorted(rows, key=lambda c: -c["total"] if isinstance(c["total"], int) else 0)
        context["municipality_rows"] = sorted(
            top[:PDF_MUNICIPALITY_ROWS], key=lambda cell: cell["code"]
        )
        context["municipalities_left_out"] = len(rows) - PDF_MUNICIPALITY_ROWS
    html = template.render(**context)
    stylesheet = CSS(filename=str(Path(current_app.static_folder) / "css" / "report-pdf.css"))
    return HTML(string=html).write_pdf(stylesheets=[stylesheet])


# --- CSV, XLSX and JSON ---------------------------------------------------------------------------


def _block_rows(block: dict, when: str, report: dict | None = None) -> list[list]:
    """The rows of one block (the period or one month): section, item, code, period, value."""
    s = SECTION_LABELS
    cases, requests = block["cases"], block["requests"]
    rows = [[s["cases_total"], s["cases_total"], "total", when, cases["total"]]]
    rows += [
        [s["cases_by_category"], CATEGORY_LABELS[code], code, when, n]
        for code, n in cases["by_category"].items()
    ]
    rows += [
        [s["cases_by_mode"], MODE_LABELS[code], code, when, n]
        for code, n in cases["by_mode"].items()
    ]
    rows.append(
        [s["people_reached"], s["people_reached"], "people_reached", when, cases["people_reached"]]
    )
    for cell in cases["by_municipality"]:
        rows.append([s["cases_by_municipality"], cell["name"], cell["code"], when, cell["total"]])
        rows += [
            [
                s["cases_by_municipality_category"],
                f"{cell['name']} / {CATEGORY_LABELS[code]}",
                f"{cell['code']}/{code}",
                when,
                n,
            ]
            for code, n in cell["by_category"].items()
        ]
    rows += [
        [s["cases_by_language"], language_name(cell), cell["code"] or "none", when, cell["total"]]
        for cell in cases["by_language"]
    ]
    rows += [
        [s["requests"], REQUEST_LABELS[key], key, when, requests[key]] for key in REQUEST_LABELS
    ]
    timing = requests["time_to_assignment"]
    median = timing["median_hours"]
    if median is None and report is not None:
        median = median_text(report, timing)  # the reason, never an empty cell
    rows.append([s["time_to_assignment"], s["time_to_assignment"], "median_hours", when, median])
    if block["stipends"] is not None:
        rows.append(
            [
                s["stipends_booked"],
                s["stipends_booked"],
                "booked_yen",
                when,
                block["stipends"]["booked_yen"],
            ]
        )
        rows.append(
            [
                s["stipends_paid"],
                s["stipends_paid"],
                "paid_yen",
                when,
                block["stipends"]["paid_yen"],
            ]
        )
    return rows


def rows(report: dict) -> tuple[list[str], list[list]]:
    """One long table for CSV and XLSX: the period's figures, then each month's (for a range),
    then supporters against target and the coverage gaps. Labels translated, codes kept."""
    s = SECTION_LABELS
    headers = [_("Section"), _("Item"), _("Code"), _("Period"), _("Value")]
    when = period_label(report)
    body = _block_rows(report, when, report)
    if report.get("scope") is not None:
        body.insert(
            0,
            [
                _("Municipalities"),
                list_sep().join(scope_names(report)) or _("none"),
                "/".join(report["scope"]),
                when,
                "",
            ],
        )
    supporters = report["supporters"]
    body.append(
        [
            s["supporters"],
            s["supporters"],
            "certified",
            supporters["as_of"],
            supporters["certified"],
        ]
    )
    target_item = s["target"]
    if report.get("scope") is not None:  # the programme's target is not a municipality's
        target_item = _("Target of certified supporters (whole prefecture)")
    body.append(
        [
            s["target"],
            target_item,
            f"FY{supporters['target_fiscal_year']}",
            when,
            supporters["target"],
        ]
    )
    for gap in report["gaps"] or []:
        item = f"{gap['municipality_name']} / {gap['language_name']}"
        code = f"{gap['municipality_code']}/{gap['language_code']}"
        body.append([s["gaps"], item, code, when, "; ".join(gap["reasons"])])
    given = report.get("help_given")
    if given and given["cases"]:  # lent supporters' cases for other programmes ([6/6])
        body.append([s["help_given"], s["cases_total"], "help_given_cases", when, given["cases"]])
        item = s["people_reached"]
        body.append([s["help_given"], item, "help_given_people", when, given["people"]])
    if len(report["months"]) > 1:
        for block in report["months"]:
            body += _block_rows(block, block["month"], report)
    table = [[_cell(value) for value in row] for row in body]
    return [str(header) for header in headers], table


def _cell(value):
    """Lazy labels to text; text a spreadsheet would run as a formula gets an apostrophe."""
    if value is None:
        return ""
    if not isinstance(value, int | float | str):
        value = str(value)
    return neutralise(value)


def csv_bytes(report: dict) -> bytes:
    """The report's table as CSV (UTF-8 with a byte-order mark and CRLF, for Excel in Japan)."""
    return spreadsheets.csv_bytes(*rows(report))


def xlsx_bytes(report: dict) -> bytes:
    """The same table as an Excel workbook; text cells typed as text (never formulas)."""
    title = period_label(report).replace("/", "_")
    return spreadsheets.xlsx_bytes(*rows(report), title=title, widths=(34, 40, 22, 18, 14))


def json_bytes(report: dict) -> bytes:
    """The report dict itself, UTF-8, readable."""
    return json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")


RENDERERS = {"pdf": pdf_bytes, "csv": csv_bytes, "xlsx": xlsx_bytes, "json": json_bytes}


def render(report: dict, fmt: str) -> bytes:
    """The report in ``fmt`` (one of ``FORMATS``)."""
    return RENDERERS[fmt](report)
