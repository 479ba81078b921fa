"""National aggregates read no coverage matrix, and give the same rows as before (#17).

``programme.national.national_rows`` reads each programme's counts only (cases, people
reached, requests, certified supporters, help given); it used to build the report with its gap
list and then the protected gap list as well — two coverage matrices per programme, never
shown. Here the rows equal those of the old way, on two programmes with small counts.
"""

from datetime import date

from supporters import tenancy
from supporters.extensions import db as _db
from supporters.models.programme import Programme
from supporters.programme import national
from supporters.programme.national import HEADER, _figures, _hide, national_rows
from supporters.programme.service import add_programme, draft_for_prefecture
from supporters.reports.monthly import build_report
from supporters.reports.suppression import suppressed
from supporters.stipends.months import current_month


def _national_rows_before(first_month: date, last_month: date, threshold: int) -> list[tuple]:
    """``national_rows`` as it was: the report with its gaps, suppressed with its gaps."""
    programmes = _db.session.scalars(
        tenancy.across_programmes(_db.select(Programme).order_by(Programme.prefecture_code))
    ).all()
    rows: list[tuple] = [HEADER]
    totals = [0, 0, 0, 0, 0]
    for programme in programmes:
        _db.session.expunge_all()
        with tenancy.using(programme.id):
            exact = build_report(first_month, last_month, locale="en")
        figures = _figures(exact)
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        shown = _figures(suppressed(exact, threshold))
        rows.append((programme.prefecture_code, programme.name_en, *shown))
    rows.append(("", "total", *(_hide(n, threshold) for n in totals)))
    return rows


def test_national_rows_equal_the_old_ones_without_a_coverage_matrix(
    db, set_programme, make_supporter, make_request, monkeypatch
):
    set_programme()
    make_supporter(name="Lê Thị Hoa")
    make_supporter(email="second@example.jp")
    for k in range(4):
        make_request(contact=f"080-2222-{k:04d}", municipality=("08201", "08204")[k % 2])
    add_programme(draft_for_prefecture("10"), None)
    _db.session.commit()
    month = current_month()
    first = date(month.year if month.month >= 4 else month.year - 1, 4, 1)
    for threshold in (2, 3, 10):
        for period in ((month, month), (first, month)):
            expected = _national_rows_before(*period, threshold)
            built = []

            def counted(*args, built=built, **kwargs):
                built.append(kwargs.get("gaps", True))
                return build_report(*args, **kwargs)

            monkeypatch.setattr(national, "build_report", counted)
            assert national_rows(*period, threshold) == expected
            monkeypatch.undo()
            assert built == [False, False]  # no gap list asked for, for either programme
    assert any(n and n != "X" for row in expected[1:] for n in row[2:]), expected
