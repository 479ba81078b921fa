"""The coverage matrix as officials and municipal officers see it: request counts protected.

A cell's requests (or unfilled requests) of a period are hidden when, in any month of the
period, the cell had from 1 to ``threshold - 1`` of them — so comparing two periods gives
nothing away (see ``reports/disclosure.py``). For a municipal officer, who lists the requests
of their area one by one except hospital ones, a cell is also hidden when in any month it held
from 1 to ``threshold - 1`` hospital (sensitive) requests: the difference would be those.

A gap's severity and score are then worked out again from what is shown, a hidden count
counting as 1 (the least a hidden count can be), so neither colour nor score can be inverted
to recover it. The matrix has no request margins, so no complementary cells are needed.
"""

from dataclasses import replace

from sqlalchemy import and_, case, func, literal, select

from supporters.coverage.analysis import (
    CoverageCell,
    CoverageMatrix,
    not_merged,
    score_of,
    severity_of,
)
from supporters.extensions import db
from supporters.models import HelpRequest, RequestStatus
from supporters.reports.disclosure import MARK, is_count
from supporters.reports.monthly import _month_index, utc_start_of
from supporters.stipends.months import months_between
from supporters.stipends.rules import next_month

HIDDEN_AS = 1  # what a hidden count weighs in severity and score


def small_request_cells(
    first_month, last_month, threshold: int, municipalities, sensitive_too: bool
) -> tuple[set, set]:
    """(cells whose requests to hide, cells whose unfilled requests to hide) of the period.

    One statement: the requests grouped by place × language × month, then by place × language
    with "small in some month" worked out in SQL (a national year: 17,000 rows back instead of
    64,000 month cells, #17). The same rule as :func:`disclosure.is_small` on each month's
    counts (every group has at least one request, so its count is never 0)."""
    months = months_between(first_month.replace(day=1), last_month.replace(day=1))
    bounds = [utc_start_of(month) for month in [*months, next_month(months[-1])]]
    where = [
        HelpRequest.created_at >= bounds[0],
        HelpRequest.created_at < bounds[-1],
        HelpRequest.language_code.is_not(None),
        not_merged(HelpRequest.id),
    ]
    if municipalities is not None:
        where.append(HelpRequest.municipality_code.in_(sorted(municipalities)))
    unfilled = HelpRequest.status == RequestStatus.UNFILLED
    sensitive = HelpRequest.sensitive.is_(True)
    rows = select(
        _month_index(HelpRequest.created_at, bounds).label("m"),
        HelpRequest.municipality_code.label("place"),
        HelpRequest.language_code.label("lang"),
        case((unfilled, 1), else_=0).label("u"),
        case((sensitive, 1), else_=0).label("s"),
        case((sensitive & unfilled, 1), else_=0).label("su"),
    ).where(*where)
    rows = rows.subquery()
    keys = (rows.c.place, rows.c.lang)
    per_month = (
        select(
            *keys,
            func.count().label("n"),
            func.sum(rows.c.u).label("u"),
            func.sum(rows.c.s).label("s"),
            func.sum(rows.c.su).label("su"),
        )
        .group_by(*keys, rows.c.m)
        .subquery()
    )
    c = per_month.c
    limit = literal(threshold)

    def small(column):
        return and_(column > 0, column < limit)

    hide_requests = small(c.n) | small(c.s) if sensitive_too else small(c.n)
    hide_unfilled = small(c.u) | small(c.su) if sensitive_too else small(c.u)
    flags = select(
        c.place,
        c.lang,
        func.max(case((hide_requests, 1), else_=0)),
        func.max(case((hide_unfilled, 1), else_=0)),
    ).group_by(c.place, c.lang)
    requests, unfilled_cells = set(), set()
    for code, lang, hide_n, hide_u in db.session.execute(flags):
        if hide_n:
            requests.add((code, lang))
        if hide_u:
            unfilled_cells.add((code, lang))
    return requests, unfilled_cells


def protected_matrix(
    matrix: CoverageMatrix, threshold: int, sensitive_too: bool = False
) -> CoverageMatrix:
    """A copy of ``matrix`` with hidden request counts and severities and scores drawn from
    what is shown. ``sensitive_too``: for a viewer who sees the non-hospital requests one by
    one (a municipal officer)."""
    scope = frozenset(place.code for place in matrix.places)
    hide_requests, hide_unfilled = small_request_cells(
        matrix.first_month, matrix.last_month, threshold, scope, sensitive_too
    )
    cells = {}
    for key, cell in matrix.cells.items():
        requests = MARK if key in hide_requests and cell.requests else cell.requests
        unfilled = (
            MARK if key in hide_unfilled and cell.unfilled_requests else cell.unfilled_requests
        )
        cells[key] = _rescored(cell, requests, unfilled, matrix.min_residents)
    return replace(matrix, cells=cells)


def _weight(value) -> int:
    return value if is_count(value) else HIDDEN_AS


def _rescored(cell: CoverageCell, requests, unfilled, min_residents: int) -> CoverageCell:
    severity = severity_of(
        cell.residents,
        cell.in_person_supporters,
        cell.remote_supporters,
        _weight(requests),
        _weight(unfilled),
        min_residents,
    )
    score = score_of(
        cell.residents,
        cell.in_person_supporters,
        cell.remote_supporters,
        _weight(unfilled),
        severity,
    )
    unchanged = (
        requests is cell.requests
        and unfilled is cell.unfilled_requests
        and severity == cell.severity
        and type(score) is type(cell.score)
        and score == cell.score
    )
    if unchanged:  # most cells at national scale: the (frozen) cell itself, not a copy (#17)
        return cell
    return replace(
        cell, requests=requests, unfilled_requests=unfilled, severity=severity, score=score
    )


def matrix_for(user, matrix: CoverageMatrix) -> CoverageMatrix:
    """The matrix ``user`` may see: exact for coordinators and admins, protected otherwise."""
    from flask import current_app

    from supporters.access import coverage_scope, sees_exact_report

    if sees_exact_report(user):
        return matrix
    return protected_matrix(
        matrix,
        current_app.config["REPORT_SUPPRESS_BELOW"],
        sensitive_too=coverage_scope(user) is not None,
    )


def progress_for(user, progress):
    """Target progress as ``user`` may see it: the fiscal year's case count is the protected
    report's total for those months (hidden when the report hides it), so the targets page
    can never be subtracted from a report."""
    from datetime import date

    from flask import current_app

    from supporters.access import sees_exact_report
    from supporters.i18n import current_locale
    from supporters.reports.monthly import build_report
    from supporters.reports.suppression import suppressed
    from supporters.stipends.months import current_month

    if sees_exact_report(user):
        return progress
    first = date(progress.fiscal_year, 4, 1)
    last = min(date(progress.fiscal_year + 1, 3, 1), current_month())
    if last < first:
        return progress
    threshold = current_app.config["REPORT_SUPPRESS_BELOW"]
    report = build_report(first, last, locale=current_locale(), gaps=False)
    report["gaps"] = None  # only the cases are needed; spares drawing the gap list at all
    report = suppressed(report, threshold)
    return replace(progress, cases_so_far=report["cases"]["total"])
