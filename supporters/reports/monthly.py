"""The monthly report for officials: every figure is a SQL aggregate, kept per month.

``build_report`` returns a JSON-able dict with exact figures. Each month of the period has its
own block (``months``) holding every additive figure, and the period's figures are the sum of
those blocks, so a report over April–December always equals the sum of its nine months.
Suppression of small cells for officials is a separate step (``suppression.suppressed``).
The case figures of closed months are summed from their rollups (``rollups``: written when a
month is closed, dropped when it is re-opened), the other months counted live; request figures,
medians and stocks are always live (they can change after a close, or cannot be summed).
No Flask request objects here: the routes, the CLI and the benchmark all call the same function.
"""

import bisect
import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import (
    and_,
    case,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from supporters import tenancy
from supporters.clock import JST, fiscal_year, today_jst
from supporters.extensions import db
from supporters.help_requests.duplicates import MERGED_INTO, merged_away
from supporters.models import (
    Activity,
    ActivityCategory,
    HelpRequest,
    Language,
    Mode,
    Municipality,
    ProgrammeTarget,
    RequestEvent,
    RequestStatus,
    ResidentCount,
    StipendLine,
    Supporter,
    SupporterStatus,
    SupporterStatusChange,
)
from supporters.models.supporter import supporter_served_municipality as served
from supporters.programme.settings import current as programme_settings
from supporters.reports import first_moves, rollups
from supporters.stipends.months import month_text, months_between
from supporters.stipends.rules import next_month

CATEGORIES = tuple(category.value for category in ActivityCategory)
MODES = tuple(mode.value for mode in Mode)
# Request outcomes counted by the month of the request's *first* move into that status.
OUTCOMES = (RequestStatus.ASSIGNED, RequestStatus.UNFILLED, RequestStatus.REFERRED)
GAP_LIMIT = 10


def _value(obj) -> str | None:
    return getattr(obj, "value", obj)


def utc_start_of(day: date) -> datetime:
    """Midnight in Japan at the start of ``day``, as an aware instant (to compare ``*_at``)."""
    return datetime.combine(day, datetime.min.time(), JST)


# --- SQL helpers ----------------------------------------------------------------------------------


def _month_index(column, bounds: list):
    """CASE giving the index of the month a row falls in (rows are already within the bounds).

    The index is rendered inline, so the outer GROUP BY names a plain column of the subquery.
    """
    whens = [(column < bound, literal_column(str(i))) for i, bound in enumerate(bounds[1:])]
    return case(*whens, else_=literal_column("-1"))


def _grouped(column, bounds: list, dims: dict, where=(), sums: dict | None = None, from_=None):
    """Rows ``(month index, *dims, count, *sums)`` grouped in SQL over ``bounds[0] ≤ column <
    bounds[-1]``."""
    sums = sums or {}
    inner = select(
        _month_index(column, bounds).label("m"),
        *(expr.label(name) for name, expr in dims.items()),
        *(expr.label(name) for name, expr in sums.items()),
    )
    if from_ is not None:
        inner = inner.select_from(from_)
    inner = inner.where(column >= bounds[0], column < bounds[-1], *where).subquery()
    keys = [inner.c.m, *(inner.c[name] for name in dims)]
    stmt = select(
        *keys,
        func.count().label("n"),
        *(func.coalesce(func.sum(inner.c[name]), 0).label(name) for name in sums),
    ).group_by(*keys)
    return db.session.execute(stmt).all()


def _hours_between(later, earlier):
    """Hours from ``earlier`` to ``later`` (two timestamp columns) in this database's SQL."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _first_transition(event):
    """True for the earliest event of its request into its ``to_status`` (ties by id)."""
    earlier = aliased(RequestEvent)
    return not_(
        exists().where(
            earlier.request_id == event.request_id,
            earlier.to_status == event.to_status,
            or_(earlier.at < event.at, and_(earlier.at == event.at, earlier.id < event.id)),
        )
    )


def _is_merged(request_id):
    """``merged_away(request_id)`` as ``IN`` one list of merged requests."""
    return request_id.in_(select(RequestEvent.request_id).where(RequestEvent.code == MERGED_INTO))


def _not_merged(request_id):
    """``not merged_away(request_id)`` as ``NOT IN`` one list of merged requests: the same rows
    (``request_event.request_id`` is never NULL), but one scan instead of a lookup per row."""
    merged = select(RequestEvent.request_id).where(RequestEvent.code == MERGED_INTO)
    return request_id.not_in(merged)


# --- The report -----------------------------------------------------------------------------------


def _empty_cases() -> dict:
    return {
        "total": 0,
        "by_category": dict.fromkeys(CATEGORIES, 0),
        "by_mode": dict.fromkeys(MODES, 0),
        "people_reached": 0,
        "by_municipality": {},
        "by_language": {},
    }


def _empty_requests() -> dict:
    return {"received": 0, "assigned": 0, "unfilled": 0, "referred": 0}


def _add_cell(cell: dict, total: int, counts) -> None:
    """Add a municipality's cases (``counts`` in the order of ``CATEGORIES``) into ``cell``."""
    cell["total"] += total
    by_category = cell["by_category"]
    for name, n in zip(CATEGORIES, counts, strict=True):
        by_category[name] += n


_CASE_COLUMNS = {
    "category": Activity.category,
    "mode": Activity.mode,
    "municipality_code": Activity.municipality_code,
    "language_code": Activity.language_code,
}


def _case_rows(bounds: list[date], dims: tuple[str, ...], scope, rolled: set[date], people=False):
    """Rows ``(month index, *dims, n[, people])`` of the case log: summed from the rollups for
    the months in ``rolled`` (closed, see ``rollups``), counted live for each run of the others."""
    months = bounds[:-1]
    where = [Activity.municipality_code.in_(sorted(scope))] if scope is not None else []
    columns = {name: _CASE_COLUMNS[name] for name in dims}
    sums = {"people": Activity.people_reached} if people else None
    rows = []
    for i, j in _runs(months, rolled):
        for m, *rest in _grouped(Activity.happened_on, bounds[i : j + 1], columns, where, sums):
            rows.append((m + i, *rest))
    index = {month: i for i, month in enumerate(months)}
    for month, *rest in rollups.grouped(sorted(rolled), dims, scope):
        rows.append((index[month], *(rest if people else rest[:-1])))
    return rows


def _runs(months: list[date], rolled: set[date]) -> list[tuple[int, int]]:
    """``(i, j)`` for each run ``months[i:j]`` of months not in ``rolled`` (counted live)."""
    runs, i = [], 0
    while i < len(months):
        if months[i] in rolled:
            i += 1
            continue
        j = i
        while j < len(months) and months[j] not in rolled:
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _municipality_rows(bounds: list[date], scope, rolled: set[date]) -> list[tuple]:
    """Rows ``(month index, municipality code, cases, *cases of each of CATEGORIES)``: the rows
    of ``_case_rows(bounds, ("municipality_code", "category"), …)`` pivoted in SQL, one per
    month and municipality with cases (a national year: 21,000 rows, not 92,000; #17)."""
    months = bounds[:-1]
    where = [Activity.municipality_code.in_(sorted(scope))] if scope is not None else []
    columns = {"municipality_code": Activity.municipality_code}
    sums = {
        f"c{k}": case((Activity.category == ActivityCategory(name), 1), else_=0)
        for k, name in enumerate(CATEGORIES)
    }
    rows = []
    for i, j in _runs(months, rolled):
        for m, code, n, *counts in _grouped(
            Activity.happened_on, bounds[i : j + 1], columns, where, sums
        ):
            rows.append((m + i, code, int(n), *map(int, counts)))
    index = {month: i for i, month in enumerate(months)}
    for month, *rest in rollups.by_municipality(sorted(rolled), CATEGORIES, scope):
        rows.append((index[month], *rest))
    return rows


def _fill_cases(blocks: list[dict], bounds: list[date], scope, live: bool = False) -> None:
    rolled = set() if live else rollups.rolled_up_months(bounds[0], bounds[-2])
    for m, category, mode, n, people in _case_rows(
        bounds, ("category", "mode"), scope, rolled, people=True
    ):
        cases = blocks[m]["cases"]
        category, mode = _value(category), _value(mode)
        cases["total"] += n
        cases["by_category"][category] += n
        cases["by_mode"][mode] += n
        if category == ActivityCategory.INFORMATION.value:
            cases["people_reached"] += people
    for m, code, n, *counts in _municipality_rows(bounds, scope, rolled):
        if n != sum(counts):
            raise ValueError(f"cases of {code} in a category the report does not know")
        cells = blocks[m]["cases"]["by_municipality"]
        if code in cells:  # one row per month and place; kept additive all the same
            _add_cell(cells[code], n, counts)
        else:
            by_category = dict(zip(CATEGORIES, counts, strict=True))
            cells[code] = {"code": code, "total": n, "by_category": by_category}
    for m, code, n in _case_rows(bounds, ("language_code",), scope, rolled):
        blocks[m]["cases"]["by_language"][code] = {"code": code, "total": n}


def _fill_requests(
    blocks: list[dict], bounds: list[datetime], scope, sensitive_only: bool = False
) -> None:
    """Requests received (by ``created_at``) and their first moves into each outcome (by
    ``first_<outcome>_at``, kept on the request by ``first_moves``) per month: each month one
    index range count, less the merged requests of that range (a request merged into another
    is that one's repeat: counted once, through the other). The same figures as grouping the
    requests that are not merged, without a pass over every request or event."""
    in_scope = []
    if scope is not None:
        in_scope = [HelpRequest.municipality_code.in_(sorted(scope))]
    if sensitive_only:
        in_scope.append(HelpRequest.sensitive.is_(True))
    columns = {"received": HelpRequest.created_at}
    columns.update({status.value: _first_at(status) for status in OUTCOMES})
    if in_scope:  # a few places: one pass over their requests beats a range per month
        for key, column in columns.items():
            where = [*in_scope, _not_merged(HelpRequest.id)]
            for m, n in _grouped(column, bounds, {}, where):
                blocks[m]["requests"][key] = n
        return
    parts = [
        select(literal_column(f"'{key}'").label("key"), literal_column(str(i)).label("m"))
        .add_columns(func.count().label("n"))
        .select_from(HelpRequest)
        .where(column >= bounds[i], column < bounds[i + 1], *in_scope)
        for key, column in columns.items()
        for i in range(len(bounds) - 1)
    ]
    for key, m, n in db.session.execute(union_all(*parts)).all():
        blocks[int(m)]["requests"][key] = int(n)
    merged = select(*columns.values()).where(_is_merged(HelpRequest.id), *in_scope)
    for row in db.session.execute(merged).all():
        for key, at in zip(columns, row, strict=True):
            m = _month_of(at, bounds)
            if m is not None:
                blocks[m]["requests"][key] -= 1


def _month_of(at: datetime | None, bounds: list[datetime]) -> int | None:
    """The index of the month ``bounds[i] ≤ at < bounds[i + 1]`` (None: outside, or no ``at``)."""
    if at is None or not bounds[0] <= at < bounds[-1]:
        return None
    return bisect.bisect_right(bounds, at) - 1


def _first_at(status: RequestStatus):
    """``help_request.first_<status>_at``: the request's first event into ``status``."""
    return getattr(HelpRequest, first_moves.COLUMNS[status])


def sensitive_request_counts(first_month: date, last_month: date, scope) -> list[dict]:
    """Per month, the request figures counting hospital (sensitive) requests only — what a
    municipal officer, who lists the others one by one, could work out from a scoped total."""
    months = months_between(first_month, last_month)
    bounds = [utc_start_of(day) for day in [*months, next_month(months[-1])]]
    blocks = [{"requests": _empty_requests()} for _month in months]
    _fill_requests(blocks, bounds, scope, sensitive_only=True)
    return [block["requests"] for block in blocks]


def times_to_assignment(bounds: list[datetime], scope) -> tuple[list[dict], dict]:
    """``time_to_assignment`` for each month of ``bounds`` and for the whole period: the same
    durations (from ``first_assigned_at``, kept on the request: an index range per month),
    sorted here (cheaper than ranking them in SQL), and the same median rule."""
    at = _first_at(RequestStatus.ASSIGNED)
    hours = _hours_between(at, HelpRequest.created_at).label("hours")
    where = [_not_merged(HelpRequest.id)]
    if scope is not None:
        where.append(HelpRequest.municipality_code.in_(sorted(scope)))
    programme = tenancy.current_programme_id()  # Core statements below: named here
    if programme is not None:
        where.append(HelpRequest.programme_id == programme)
    if scope is None:  # an index range per month
        by_month = [
            sorted(_column_values(select(hours).where(at >= start, at < end, *where)))
            for start, end in itertools.pairwise(bounds)
        ]
    else:  # a few places: one pass over their requests
        month = _month_index(at, bounds).label("m")
        by_month = [[] for _ in bounds[1:]]
        statement = select(hours, month).where(at >= bounds[0], at < bounds[-1], *where)
        for value, m in _column_values(statement, with_second=True):
            by_month[m].append(value)
        by_month = [sorted(values) for values in by_month]
    period = sorted(itertools.chain.from_iterable(by_month))
    return [_median_figure(values) for values in by_month], _median_figure(period)


def _column_values(statement, with_second: bool = False) -> list:
    """The values of ``statement``'s first column (with ``with_second``: pairs with its second,
    returned as the driver gives it), read from the driver's cursor and converted as SQLAlchemy
    converts that column (a year is 160,000 durations: a ``Row`` each cost three times the
    query). Core: the caller names the programme (``tenancy``)."""
    result = db.session.connection().execute(statement)
    try:
        cursor = result.cursor
        column_type = statement.selected_columns[0].type
        convert = column_type._cached_result_processor(db.engine.dialect, cursor.description[0][1])
        rows = cursor.fetchall()
    finally:
        result.close()
    if with_second:
        return [(row[0] if convert is None else convert(row[0]), int(row[1])) for row in rows]
    values = [row[0] for row in rows]
    return values if convert is None else [convert(value) for value in values]


def _median_figure(durations: list) -> dict:
    """The figure of sorted ``durations``: their count, and the middle one or the two middle
    ones averaged (``time_to_assignment``'s rule), rounded to 0.1 h."""
    count = len(durations)
    if not count:
        return {"assigned": 0, "median_hours": None}
    middle = durations[(count - 1) // 2 : count // 2 + 1]
    return {"assigned": count, "median_hours": round(sum(middle) / len(middle), 1)}


def time_to_assignment(start: datetime, end: datetime, scope) -> dict:
    """Median hours from a request's creation to its first assignment, for first assignments
    made from ``start`` to before ``end`` (the median read by ORDER BY … LIMIT in SQL)."""
    event = aliased(RequestEvent)
    hours = _hours_between(event.at, HelpRequest.created_at).label("hours")
    stmt = (
        select(hours)
        .select_from(event)
        .join(HelpRequest, HelpRequest.id == event.request_id)
        .where(
            event.to_status == RequestStatus.ASSIGNED,
            event.at >= start,
            event.at < end,
            _first_transition(event),
            not_(merged_away(HelpRequest.id)),
        )
    )
    if scope is not None:
        stmt = stmt.where(HelpRequest.municipality_code.in_(sorted(scope)))
    durations = stmt.subquery()
    count = db.session.scalar(select(func.count()).select_from(durations)) or 0
    if not count:
        return {"assigned": 0, "median_hours": None}
    middle = db.session.scalars(
        select(durations.c.hours)
        .order_by(durations.c.hours)
        .limit(2 - count % 2)
        .offset((count - 1) // 2)
    ).all()
    return {"assigned": count, "median_hours": round(sum(middle) / len(middle), 1)}


def _fill_stipends(blocks: list[dict], bounds: list[date]) -> None:
    dims = {"paid": StipendLine.payment_id.is_not(None)}
    sums = {"yen": StipendLine.amount_yen}
    for m, paid, _n, yen in _grouped(StipendLine.month, bounds, dims, (), sums):
        stipends = blocks[m]["stipends"]
        stipends["booked_yen"] += yen
        if paid:
            stipends["paid_yen"] += yen


def certified_at(day: date, scope) -> int:
    """Supporters whose status on ``day`` was certified: the latest recorded change on or before
    the day, or for supporters without recorded changes the dated columns (as the stipend rule
    reads them, see ``stipends.close.status_histories``)."""
    change = SupporterStatusChange
    latest = (
        select(
            change.supporter_id.label("supporter_id"),
            change.to_status.label("status"),
            func.row_number()
            .over(
                partition_by=change.supporter_id,
                order_by=(change.effective_on.desc(), change.id.desc()),
            )
            .label("rank"),
        )
        .where(change.effective_on <= day)
        .subquery()
    )
    from_history = select(func.count()).where(
        latest.c.rank == 1, latest.c.status == SupporterStatus.CERTIFIED
    )
    s = Supporter
    from_columns = select(func.count()).where(
        ~exists().where(change.supporter_id == s.id),
        s.certified_on <= day,
        not_(
            and_(
                s.suspended_on.is_not(None), s.suspended_on <= day, s.suspended_on >= s.certified_on
            )
        ),
        not_(and_(s.retired_on.is_not(None), s.retired_on <= day, s.retired_on >= s.certified_on)),
    )
    if scope is not None:
        serving = select(served.c.supporter_id).where(served.c.municipality_code.in_(sorted(scope)))
        from_history = from_history.where(latest.c.supporter_id.in_(serving))
        from_columns = from_columns.where(s.id.in_(serving))
    return (db.session.scalar(from_history) or 0) + (db.session.scalar(from_columns) or 0)


def supporters_against_target(day: date, scope) -> dict:
    """Certified supporters on ``day`` and the target of ``day``'s fiscal year (the
    ``programme_target`` row, else the programme's target in its settings)."""
    year = fiscal_year(day)
    row = tenancy.get_keyed(ProgrammeTarget, year)
    if row is not None:
        target, target_year, source = row.certified_supporters, year, "programme_target"
    else:
        programme = programme_settings()
        target, target_year = programme.target_supporters, programme.target_fiscal_year
        source = "programme"
    certified = certified_at(day, scope)
    return {
        "certified": certified,
        "as_of": day.isoformat(),
        "fiscal_year": year,
        "target": target,
        "target_fiscal_year": target_year,
        "target_source": source,
        "percent": round(100 * certified / target) if target else None,
    }


def residents_as_of(day: date) -> date | None:
    """The latest resident figures published on or before ``day`` (None: the latest there are)."""
    return db.session.scalar(
        select(func.max(ResidentCount.as_of)).where(ResidentCount.as_of <= day)
    )


def coverage_gaps(
    first: date, last: date, as_of: date | None, scope, names: dict, threshold: int | None = None
) -> list[dict] | None:
    """The top coverage gaps from ``coverage.analysis`` for the resident figures of ``as_of``
    (None while that module is missing); with ``threshold``, from the matrix officials see
    (``coverage.protected``: small request counts hidden, scores from what is shown)."""
    try:
        from supporters.coverage.analysis import coverage_matrix, gaps_of
        from supporters.coverage.protected import protected_matrix
    except ImportError:
        return None
    matrix = coverage_matrix(as_of, first, last, municipalities=scope)
    if threshold is not None:
        matrix = protected_matrix(matrix, threshold, sensitive_too=scope is not None)
    gaps = gaps_of(matrix, GAP_LIMIT)
    rows = []
    for gap in gaps:
        municipality = names["municipality"].get(gap.municipality_code)
        language = names["language"].get(gap.language_code)
        rows.append(
            {
                "municipality_code": gap.municipality_code,
                "municipality_name": municipality or gap.municipality_name,
                "language_code": gap.language_code,
                "language_name": language or gap.language_name,
                "residents": gap.residents,
                "in_person_supporters": gap.in_person_supporters,
                "remote_supporters": gap.remote_supporters,
                "nearest_supporter_km": gap.nearest_supporter_km,
                "requests": gap.requests,
                "unfilled_requests": gap.unfilled_requests,
                "score": gap.score,
                "reasons": [str(reason) for reason in gap.reasons],
                "illustrative": bool(getattr(gap, "illustrative", False)),
            }
        )
    return rows


def _names(locale: str) -> dict:
    """Municipality and language names in ``locale``, by code (reference tables are small)."""
    ja = locale.startswith("ja")
    m_name = Municipality.name_ja if ja else Municipality.name_en
    l_name = Language.name_ja if ja else Language.name_en
    return {
        "municipality": dict(db.session.execute(select(Municipality.code, m_name)).all()),
        "language": dict(db.session.execute(select(Language.code, l_name)).all()),
    }


def _finish_cases(cases: dict, names: dict) -> None:
    """Turn the keyed cells into lists: municipalities by code, languages by count."""
    municipalities = sorted(cases["by_municipality"].values(), key=lambda cell: cell["code"])
    for cell in municipalities:
        cell["name"] = names["municipality"].get(cell["code"], cell["code"])
    cases["by_municipality"] = municipalities
    languages = sorted(
        cases["by_language"].values(), key=lambda cell: (-cell["total"], cell["code"] or "")
    )
    for cell in languages:
        cell["name"] = names["language"].get(cell["code"], cell["code"]) if cell["code"] else None
    cases["by_language"] = languages


def _add_into(total: dict, block: dict) -> None:
    """Add one month's additive figures into the period's (the period is their sum)."""
    cases, month_cases = total["cases"], block["cases"]
    for key in ("total", "people_reached"):
        cases[key] += month_cases[key]
    for key in ("by_category", "by_mode"):
        for name, n in month_cases[key].items():
            cases[key][name] += n
    cells = cases["by_municipality"]
    for code, cell in month_cases["by_municipality"].items():
        if code in cells:
            into = cells[code]
            into["total"] += cell["total"]
            by_category = into["by_category"]
            for name, n in cell["by_category"].items():
                by_category[name] += n
        else:
            cells[code] = {
                "code": code,
                "total": cell["total"],
                "by_category": dict(cell["by_category"]),
            }
    for code, cell in month_cases["by_language"].items():
        into = cases["by_language"].setdefault(code, {"code": code, "total": 0})
        into["total"] += cell["total"]
    for key, n in block["requests"].items():
        total["requests"][key] += n
    if block["stipends"] is not None:
        for key, n in block["stipends"].items():
            total["stipends"][key] += n


def help_given(first_day: date, end_day: date) -> dict | None:
    """Cases this programme's supporters, lent to other programmes, logged for those programmes'
    requests from ``first_day`` until ``end_day`` ([6/6]): they count in the requesting
    programme's figures, and here as the help this programme gave. None without a programme in
    context (an installation of one programme lends nobody)."""
    programme = tenancy.current_programme_id()
    if programme is None:
        return None
    cases, people = db.session.execute(
        tenancy.across_programmes(
            select(func.count(Activity.id), func.coalesce(func.sum(Activity.people_reached), 0))
            .join(Supporter, Supporter.id == Activity.supporter_id)
            .where(
                Supporter.programme_id == programme,
                Activity.programme_id != programme,
                Activity.happened_on >= first_day,
                Activity.happened_on < end_day,
            )
        )
    ).one()
    return {"cases": int(cases), "people": int(people)}


def build_report(
    first_month: date,
    last_month: date,
    scope: frozenset[str] | None = None,
    locale: str = "ja",
    *,
    live: bool = False,
    gaps: bool = True,
) -> dict:
    """The report for ``first_month`` to ``last_month`` (first days, inclusive), exact figures.

    ``scope`` limits it to municipalities (a municipal officer's); None is the whole programme,
    an empty set is nothing. Names are in ``locale``; labels are left to the renderers.
    Closed months' cases come from their rollups (``rollups``); ``live`` counts every month
    from the case log instead (the same figures: the tests and the benchmark compare them).
    ``gaps=False`` leaves the gap list empty, for a caller that draws it from the protected
    matrix (``suppression.suppressed_report``): the matrix is then built once, not twice.
    """
    if last_month < first_month:
        raise ValueError("the last month is before the first")
    months = months_between(first_month, last_month)
    day_bounds = [*months, next_month(months[-1])]
    time_bounds = [utc_start_of(day) for day in day_bounds]
    with_stipends = scope is None  # the programme's expense, not a municipality's

    def empty_block(month: date | None) -> dict:
        block = {"cases": _empty_cases(), "requests": _empty_requests()}
        block["stipends"] = {"booked_yen": 0, "paid_yen": 0} if with_stipends else None
        if month is not None:
            block = {"month": month_text(month), **block}
        return block

    blocks = [empty_block(month) for month in months]
    _fill_cases(blocks, day_bounds, scope, live)
    _fill_requests(blocks, time_bounds, scope)
    if with_stipends:
        _fill_stipends(blocks, day_bounds)
    total = empty_block(None)
    for block in blocks:
        _add_into(total, block)

    names = _names(locale)
    for block in [total, *blocks]:
        _finish_cases(block["cases"], names)
    monthly_times, period_time = times_to_assignment(time_bounds, scope)
    for block, timing in zip(blocks, monthly_times, strict=True):
        block["requests"]["time_to_assignment"] = timing
    total["requests"]["time_to_assignment"] = period_time

    last_day = day_bounds[-1] - timedelta(days=1)
    as_of = min(last_day, today_jst())
    figures_of = residents_as_of(last_day)
    return {
        "period": {
            "from": month_text(months[0]),
            "to": month_text(months[-1]),
            "first_day": months[0].isoformat(),
            "last_day": last_day.isoformat(),
            "months": [month_text(month) for month in months],
            "fiscal_year": fiscal_year(last_day),
            "residents_as_of": figures_of.isoformat() if figures_of else None,
        },
        "scope": sorted(scope) if scope is not None else None,
        "locale": locale,
        "suppression": None,  # exact figures; see suppression.suppressed
        "generated_on": today_jst().isoformat(),
        **total,
        "supporters": supporters_against_target(as_of, scope),
        "help_given": help_given(day_bounds[0], day_bounds[-1]) if scope is None else None,
        "gaps": coverage_gaps(months[0], months[-1], figures_of, scope, names) if gaps else [],
        "months": blocks,
    }
