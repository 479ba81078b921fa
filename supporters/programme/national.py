"""National aggregates across programmes ([6/6]): what a national administrator may see.

One row per programme and a national total, from each programme's own monthly report (built in
that programme's context), with small counts hidden as for officials. Counts only, never a name,
a municipality's case or a request.
"""

from datetime import date

from flask_babel import lazy_gettext as _l

from supporters import tenancy
from supporters.extensions import db
from supporters.models.programme import Programme
from supporters.reports.monthly import build_report
from supporters.reports.suppression import suppressed

HEADER = (
    "prefecture_code",
    "programme",
    "cases",
    "people_reached",
    "requests_received",
    "certified_supporters",
    "help_given",
)
# The same columns in the reader's words (the national pages and their CSV).
HEADER_LABELS = (
    _l("Prefecture code"),
    _l("Programme name"),
    _l("Cases"),
    _l("People reached by information dissemination"),
    _l("Requests received"),
    _l("Certified supporters"),
    _l("Help given to other programmes"),
)


def national_rows(first_month: date, last_month: date, threshold: int) -> list[tuple]:
    """The header, one row per programme (by prefecture code) and the national total.

    A programme's hidden cell ("X") stays hidden in its row; the total adds the exact figures,
    and is itself hidden when below the threshold."""
    programmes = db.session.scalars(
        tenancy.across_programmes(db.select(Programme).order_by(Programme.prefecture_code))
    ).all()
    rows: list[tuple] = [HEADER]
    totals = [0, 0, 0, 0, 0]
    for programme in programmes:
        db.session.expunge_all()
        with tenancy.using(programme.id):
            # Only counts are read here: no gap list, so no coverage matrix at all (it was
            # built twice per programme, exact then protected, and never shown; #17).
            exact = build_report(first_month, last_month, locale="en", gaps=False)
        exact["gaps"] = None
        figures = _figures(exact)
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        shown = _figures(suppressed(exact, threshold))
        rows.append((programme.prefecture_code, programme.name_en, *shown))
    rows.append(("", "total", *(_hide(n, threshold) for n in totals)))
    return rows


def _figures(report: dict) -> list:
    given = report.get("help_given") or {"cases": 0}
    return [
        report["cases"]["total"],
        report["cases"]["people_reached"],
        report["requests"]["received"],
        report["supporters"]["certified"],
        given["cases"],
    ]


def _hide(value: int, threshold: int):
    return "X" if 0 < value < threshold else value
