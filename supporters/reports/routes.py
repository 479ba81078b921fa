"""Views of the monthly report: pick a period, read it, download it (PDF, CSV, XLSX, JSON).

Officials and municipal officers get the suppressed report (officers only for their
municipalities); coordinators and admins the exact one. The rules are in ``access.py``.
"""

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from supporters.access import report_required
from supporters.i18n import current_locale
from supporters.refusals import Refused
from supporters.reports import render
from supporters.reports.visible import default_period, parse_period, report_for
from supporters.stipends.months import month_text, months_between

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = "any(pdf, csv, xlsx, json)"


def _locale() -> str:
    """``?lang=en`` or ``?lang=ja`` if given, else the user's language."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in current_app.config["SUPPORTED_LOCALES"] else current_locale()


def _period_from_args() -> tuple[date, date]:
    """``?from=YYYY-MM&to=YYYY-MM`` (``to`` defaults to ``from``); ``Refused`` when wrong."""
    return parse_period(request.args.get("from", "").strip(), request.args.get("to", "").strip())


def _report(first: date, last: date, locale: str) -> dict:
    """The report the signed-in user may see for the period."""
    return report_for(current_user, first, last, locale)


def _picker(error: str | None = None, status: int = 200, first=None, last=None):
    recent = [month_text(m) for m in months_between(*default_period())][::-1]
    return (
        render_template(
            "reports/index.html",
            error=error,
            first=first or request.args.get("from", ""),
            last=last or request.args.get("to", ""),
            recent=recent,
        ),
        status,
    )


def _page(first: date, last: date, downloads: list[tuple[str, str]]):
    locale = _locale()
    with force_locale(locale):
        report = _report(first, last, locale)
        return render_template(
            "reports/monthly.html", downloads=downloads, **render.page_context(report)
        )


def _file(first: date, last: date, fmt: str) -> Response:
    locale = _locale()
    with force_locale(locale):
        report = _report(first, last, locale)
        data = render.render(report, fmt)
    response = Response(data, mimetype=render.MIME[fmt])
    disposition = "inline" if fmt == "json" else "attachment"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{render.filename(report, fmt)}"'
    )
    return response


@bp.get("/")
@report_required
def index():
    """Pick a month or a range of months."""
    first, last = default_period()
    return _picker(first=month_text(first), last=month_text(last))


@bp.get("/monthly/<month:month>")
@report_required
def month(month: date):
    """The report of one month, as a page."""
    downloads = [
        (fmt, url_for("reports.month_file", month=month, action=fmt)) for fmt in render.FORMATS
    ]
    return _page(month, month, downloads)


@bp.get(f"/monthly/<month:month>.<{FORMATS}:action>")
@report_required
def month_file(month: date, action: str):
    """The report of one month as a PDF, CSV, XLSX or JSON file."""
    return _file(month, month, action)


@bp.get("/period")
@report_required
def period():
    """The report of a range of months (``?from=2025-04&to=2025-12``), as a page."""
    try:
        first, last = _period_from_args()
    except Refused as refusal:
        return _picker(str(refusal.message), 422)
    values = {"from": month_text(first), "to": month_text(last)}
    if "lang" in request.args:
        values["lang"] = request.args["lang"]
    downloads = [
        (fmt, url_for("reports.period_file", action=fmt, **values)) for fmt in render.FORMATS
    ]
    return _page(first, last, downloads)


@bp.get(f"/period.<{FORMATS}:action>")
@report_required
def period_file(action: str):
    """The report of a range of months as a PDF, CSV, XLSX or JSON file."""
    try:
        first, last = _period_from_args()
    except Refused as refusal:
        return _picker(str(refusal.message), 422)
    return _file(first, last, action)
