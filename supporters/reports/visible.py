"""The report a user may see, and the period a caller asked for — shared by the report pages,
their downloads and the JSON API, so the suppression and scope rules exist once."""

from datetime import date

from flask import current_app
from flask_babel import gettext as _

from supporters.access import report_scope, sees_exact_report
from supporters.models import User
from supporters.refusals import Refused
from supporters.reports.monthly import build_report
from supporters.reports.suppression import suppressed_report
from supporters.stipends.months import current_month, months_between, parse_month
from supporters.stipends.rules import fiscal_months

MAX_MONTHS = 60


def default_period() -> tuple[date, date]:
    """The fiscal year so far, up to the last finished month."""
    months = fiscal_months(current_month().replace(day=1))
    last = months[-2] if len(months) > 1 else months[-1]
    return months[0], last


def parse_period(first_text: str, last_text: str) -> tuple[date, date]:
    """``YYYY-MM`` texts → (first, last) months; ``last`` defaults to ``first``; neither
    given: :func:`default_period`. A period that cannot be reported is :class:`Refused`
    (field ``from``)."""
    if not first_text and not last_text:
        return default_period()
    try:
        first = parse_month(first_text or last_text)
        last = parse_month(last_text) if last_text else first
    except ValueError as error:
        raise Refused(_("Write months as YYYY-MM, for example 2025-04."), "from") from error
    if last < first:
        raise Refused(_("The first month must not be after the last month."), "from")
    if len(months_between(first, last)) > MAX_MONTHS:
        raise Refused(_("A report covers at most %(n)s months.", n=MAX_MONTHS), "from")
    return first, last


def report_for(user: User, first: date, last: date, locale: str) -> dict:
    """The report ``user`` may see: their scope, and small cells suppressed unless staff."""
    scope = report_scope(user)
    if sees_exact_report(user):
        return build_report(first, last, scope=scope, locale=locale)
    threshold = current_app.config["REPORT_SUPPRESS_BELOW"]
    return suppressed_report(first, last, threshold, scope, locale)
