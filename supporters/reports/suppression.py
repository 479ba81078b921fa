"""Small-cell suppression: what officials and municipal officers see instead of exact counts.

A count from 1 to ``threshold - 1`` in a cell that could point at a person becomes the text
``"<3"`` (for the default threshold 3); zero stays zero. Which cells:

- always: every per-municipality and per-language cell, the municipality × category cross-tab,
  and the request counts of the coverage gaps (a municipality × language cell), in the period
  and in each month;
- for a report limited to some municipalities (a municipal officer's) also every count of
  cases and requests, since there they describe one small area;
- a median time to assignment based on fewer requests than the threshold is left out.

Prefecture-wide totals by category and mode, people reached, request counts, certified
supporters (a public figure) and stipends stay exact. The exact report is never changed.
"""

import copy

SUPPRESSED_MEDIAN = None


def mark(threshold: int) -> str:
    """How a suppressed cell reads: ``<3``."""
    return f"<{threshold}"


def _hide(value, threshold: int):
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold:
        return mark(threshold)
    return value


def _hide_cases(cases: dict, threshold: int, scoped: bool) -> None:
    for cell in cases["by_municipality"]:
        cell["total"] = _hide(cell["total"], threshold)
        cell["by_category"] = {k: _hide(v, threshold) for k, v in cell["by_category"].items()}
    for cell in cases["by_language"]:
        cell["total"] = _hide(cell["total"], threshold)
    if scoped:
        for key in ("total", "people_reached"):
            cases[key] = _hide(cases[key], threshold)
        for key in ("by_category", "by_mode"):
            cases[key] = {k: _hide(v, threshold) for k, v in cases[key].items()}


def _hide_requests(requests: dict, threshold: int, scoped: bool) -> None:
    timing = requests["time_to_assignment"]
    if 0 < timing["assigned"] < threshold:
        timing["median_hours"] = SUPPRESSED_MEDIAN
        timing["suppressed"] = True
    if scoped:
        timing["assigned"] = _hide(timing["assigned"], threshold)
        for key in ("received", "assigned", "unfilled", "referred"):
            requests[key] = _hide(requests[key], threshold)


def suppressed(report: dict, threshold: int) -> dict:
    """A copy of ``report`` with small cells replaced by ``"<threshold"`` (see module doc)."""
    out = copy.deepcopy(report)
    threshold = max(int(threshold), 0)
    out["suppression"] = {"below": threshold, "mark": mark(threshold)}
    scoped = report["scope"] is not None
    for block in [out, *out["months"]]:
        _hide_cases(block["cases"], threshold, scoped)
        _hide_requests(block["requests"], threshold, scoped)
    for gap in out.get("gaps") or []:
        for key in ("requests", "unfilled_requests"):
            gap[key] = _hide(gap[key], threshold)
    return out
