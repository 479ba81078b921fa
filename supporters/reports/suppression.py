"""The report officials and municipal officers read: small counts hidden (``disclosure.py``).

Every count of cases, requests and people reached is protected — prefecture-wide or scoped —
each month as one set of tables with its margins:

- cases: the total = Σ categories = Σ modes = Σ languages = Σ municipalities; each
  municipality's total = Σ its categories; each category = Σ its municipalities' cells;
- requests received, assigned, unfilled and referred (each on its own; the number of timed
  assignments equals the number assigned), and people reached;

a figure for the whole period is hidden when it is hidden in any of its months. A median time
to assignment over fewer requests than the threshold is left out. The coverage gaps (and
their map) come from the protected coverage matrix (``coverage/protected.py``).

Not counts of residents, so exact: certified supporters and the target (public figures),
stipends (the programme's expense), published resident figures, supporters in reach.
The exact report is never changed.
"""

import copy
import gc
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from supporters.reports.disclosure import MARK, is_small, protect, shown, union

SUPPRESSED_MEDIAN = None
REQUEST_KEYS = ("received", "assigned", "unfilled", "referred")


def mark(threshold: int) -> str:
    """How a hidden cell reads (the same for every hidden cell, whatever the threshold)."""
    return MARK


def block_table(block: dict) -> tuple[dict, list]:
    """One month's (or the period's) counts by key, and the equations between them."""
    cases, requests = block["cases"], block["requests"]
    values = {("cases",): cases["total"], ("people",): cases["people_reached"]}
    categories = [("category", code) for code in cases["by_category"]]
    modes = [("mode", code) for code in cases["by_mode"]]
    languages = [("language", cell["code"]) for cell in cases["by_language"]]
    municipalities = [("municipality", cell["code"]) for cell in cases["by_municipality"]]
    values.update({("category", k): v for k, v in cases["by_category"].items()})
    values.update({("mode", k): v for k, v in cases["by_mode"].items()})
    values.update({("language", c["code"]): c["total"] for c in cases["by_language"]})
    equations = [
        (("cases",), categories),
        (("cases",), modes),
        (("cases",), languages),
        (("cases",), municipalities),
    ]
    columns: dict = {key: [] for key in categories}
    for cell in cases["by_municipality"]:
        row = ("municipality", cell["code"])
        values[row] = cell["total"]
        members = []
        for code, n in cell["by_category"].items():
            key = ("cross", cell["code"], code)
            values[key] = n
            members.append(key)
            columns[("category", code)].append(key)
        equations.append((row, members))
    equations += list(columns.items())
    for key in REQUEST_KEYS:
        values[("requests", key)] = requests[key]
    values[("timed",)] = requests["time_to_assignment"]["assigned"]
    equations.append((("requests", "assigned"), [("timed",)]))
    return values, equations


def hidden_cells(block: dict, threshold: int, already: set = frozenset()) -> set:
    """The keys of ``block`` (one month, or a period with ``already`` its months' hidden keys)
    to hide."""
    values, equations = block_table(block)
    return protect(values, equations, threshold, already)


def _apply(block: dict, hidden: set, threshold: int) -> None:
    """Write the mark into ``block`` (a copy) for every hidden key; languages re-ordered so the
    order says nothing about hidden counts (published counts first, largest first; then the
    hidden ones by code)."""
    cases, requests = block["cases"], block["requests"]
    cases["total"] = shown(cases["total"], ("cases",) in hidden)
    cases["people_reached"] = shown(cases["people_reached"], ("people",) in hidden)
    for name, prefix in (("by_category", "category"), ("by_mode", "mode")):
        cases[name] = {k: shown(v, (prefix, k) in hidden) for k, v in cases[name].items()}
    for cell in cases["by_language"]:
        cell["total"] = shown(cell["total"], ("language", cell["code"]) in hidden)
    cases["by_language"].sort(
        key=lambda c: (
            c["total"] == MARK,
            -c["total"] if c["total"] != MARK else 0,
            c["code"] or "",
        )
    )
    for cell in cases["by_municipality"]:
        cell["total"] = shown(cell["total"], ("municipality", cell["code"]) in hidden)
        cell["by_category"] = {
            k: shown(v, ("cross", cell["code"], k) in hidden)
            for k, v in cell["by_category"].items()
        }
    for key in REQUEST_KEYS:
        requests[key] = shown(requests[key], ("requests", key) in hidden)
    timing = requests["time_to_assignment"]
    few = is_small(timing["assigned"], threshold)
    if ("timed",) in hidden or few:
        timing["median_hours"] = SUPPRESSED_MEDIAN
        timing["suppressed"] = True
        # Why, for the reader: over 1-2 assignments, or hidden with the count it would reveal.
        timing["withheld"] = "few" if few else "protect"
    timing["assigned"] = shown(timing["assigned"], ("timed",) in hidden)


def suppressed_report(
    first_month: date, last_month: date, threshold: int, scope=None, locale: str = "ja"
) -> dict:
    """``suppressed(build_report(…), threshold)``, the coverage matrix built once (for the
    protected gap list only, not also for the exact one that is replaced)."""
    from supporters.reports.monthly import build_report

    report = build_report(first_month, last_month, scope, locale, gaps=False)
    return suppressed(report, threshold)


@contextmanager
def _cyclic_gc_paused():
    """The audit allocates hundreds of thousands of small tuples and dicts, and a national
    year's report is itself ~500,000 objects: collections triggered meanwhile cost ~0.8 s of
    a 2 s audit (#17) and find nothing to free. Paused for the audit, then as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def suppressed(report: dict, threshold: int) -> dict:
    """A copy of ``report`` with small counts, and the counts that would give them away,
    replaced by the mark (see module doc)."""
    with _cyclic_gc_paused():
        return _suppressed(report, threshold)


class _Shared(Exception):
    """A dict or list reached twice: only ``copy.deepcopy`` keeps such sharing."""


def _tree_copy(value, seen: set):
    """``copy.deepcopy`` of a tree of dicts and lists over immutable leaves, at a third of its
    cost (no memo lookups per leaf). Anything else is deep-copied; a container met twice
    raises :class:`_Shared`."""
    kind = type(value)
    if kind is dict or kind is list:
        if id(value) in seen:
            raise _Shared
        seen.add(id(value))
        if kind is dict:
            return {key: _tree_copy(item, seen) for key, item in value.items()}
        return [_tree_copy(item, seen) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), date, Decimal})


def _copy_of(report: dict) -> dict:
    try:
        return _tree_copy(report, set())
    except _Shared:
        return copy.deepcopy(report)


def _suppressed(report: dict, threshold: int) -> dict:
    out = _copy_of(report)
    threshold = max(int(threshold), 0)
    out["suppression"] = {"below": threshold, "mark": mark(threshold), "method": "complementary"}
    known = _officer_knowledge(report, threshold)
    by_month = [
        hidden_cells(block, threshold, extra)
        for block, extra in zip(report["months"], known, strict=True)
    ]
    period = union(by_month)
    if len(by_month) != 1:
        # Rarely hides more than the months do; it makes the period's own table pass the audit.
        period = hidden_cells(report, threshold, period)
    for block, hidden in zip(out["months"], by_month, strict=True):
        _apply(block, hidden, threshold)
    _apply(out, period, threshold)
    if out.get("gaps") is not None:
        out["gaps"] = _protected_gaps(report, threshold)
    if out.get("help_given"):  # a figure of its own, in no sum: small counts are hidden alone
        given = out["help_given"]
        for key in ("cases", "people"):
            given[key] = shown(given[key], 0 < given[key] < threshold)
    return out


def _officer_knowledge(report: dict, threshold: int) -> list[set]:
    """Per month, the cells to hide because the reader already knows their other part.

    A municipal officer (a scoped report) lists their area's cases and requests one by one,
    except hospital ones. Any figure that may include hospital cases is then "known part +
    hospital part": when a month's hospital cases (or hospital requests) are from 1 to
    ``threshold - 1``, every such figure of that month is hidden, all of them alike so the
    pattern tells nothing. Officials (the whole prefecture) list nothing, so nothing extra.
    """
    if report["scope"] is None:
        return [set() for _block in report["months"]]
    from supporters.reports.monthly import sensitive_request_counts
    from supporters.stipends.months import parse_month

    period = report["period"]
    requests = sensitive_request_counts(
        parse_month(period["from"]), parse_month(period["to"]), frozenset(report["scope"])
    )
    out = []
    for block, sensitive in zip(report["months"], requests, strict=True):
        cases, extra = block["cases"], set()
        if is_small(cases["by_category"].get("hospital", 0), threshold):
            extra |= {("cases",), ("category", "hospital")}
            extra |= {("mode", code) for code in cases["by_mode"]}
            extra |= {("language", cell["code"]) for cell in cases["by_language"]}
            extra |= {("municipality", cell["code"]) for cell in cases["by_municipality"]}
            extra |= {("cross", cell["code"], "hospital") for cell in cases["by_municipality"]}
        if any(is_small(n, threshold) for n in sensitive.values()):
            extra |= {("requests", key) for key in REQUEST_KEYS} | {("timed",)}
        out.append(extra)
    return out


def _protected_gaps(report: dict, threshold: int) -> list[dict] | None:
    """The report's gap list, drawn again from the protected coverage matrix."""
    from supporters.reports.monthly import _names, coverage_gaps
    from supporters.stipends.months import parse_month

    period = report["period"]
    as_of = period.get("residents_as_of")
    scope = frozenset(report["scope"]) if report["scope"] is not None else None
    return coverage_gaps(
        parse_month(period["from"]),
        parse_month(period["to"]),
        date.fromisoformat(as_of) if as_of else None,
        scope,
        _names(report["locale"]),
        threshold=threshold,
    )
