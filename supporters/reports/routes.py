"""Views of the monthly report: pick a period, read it, download it (PDF, CSV, XLSX, JSON).

Officials and municipal officers get the suppressed report (officers only for their
municipalities); coordinators and admins the exact one. The rules are in ``access.py``.
"""

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import report_required, report_scope, sees_exact_report
from supporters.i18n import current_locale
from supporters.reports import render
from supporters.reports.monthly import build_report
from supporters.reports.suppression import suppressed
from supporters.stipends.months import current_month, month_text, months_between, parse_month
from supporters.stipends.rules import fiscal_months

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = "any(pdf, csv, xlsx, json)"
MAX_MONTHS = 60


class PeriodError(ValueError):
    """A period that cannot be reported; the message says why (translated)."""


def _locale() -> str:
    """``?lang=en`` or ``?lang=ja`` if given, else the user's language."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in current_app.config["SUPPORTED_LOCALES"] else current_locale()


def _default_period() -> tuple[date, date]:
    """The fiscal year so far, up to the last finished month."""
    months = fiscal_months(current_month().replace(day=1))
    last = months[-2] if len(months) > 1 else months[-1]
    return months[0], last


def _period_from_args() -> tuple[date, date]:
    """``?from=YYYY-MM&to=YYYY-MM`` (``to`` defaults to ``from``); PeriodError when wrong."""
    first_text = request.args.get("from", "").strip()
    last_text = request.args.get("to", "").strip()
    if not first_text and not last_text:
        return _default_period()
    try:
        first = parse_month(first_text or last_text)
        last = parse_month(last_text) if last_text else first
    except ValueError as error:
        raise PeriodError(_("Write months as YYYY-MM, for example 2025-04.")) from error
    if last < first:
        raise PeriodError(_("The first month must not be after the last month."))
    if len(months_between(first, last)) > MAX_MONTHS:
        raise PeriodError(_("A report covers at most %(n)s months.", n=MAX_MONTHS))
    return first, last


def _report(first: date, last: date, locale: str) -> dict:
    """The report the signed-in user may see for the period."""
    report = build_report(first, last, scope=report_scope(current_user), locale=locale)
    if sees_exact_report(current_user):
        return report
    return suppressed(report, current_app.config["REPORT_SUPPRESS_BELOW"])


def _picker(error: str | None = None, status: int = 200, first=None, last=None):
    recent = [month_text(m) for m in months_between(*_default_period())][::-1]
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
    first, last = _default_period()
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
    except PeriodError as error:
        return _picker(str(error), 422)
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
    except PeriodError as error:
        return _picker(str(error), 422)
    return _file(first, last, action)
