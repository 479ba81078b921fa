"""The cell-suppression audit's faster steps hide exactly the cells the old ones hid (#17).

``disclosure._complete_lines`` now keeps each equation's hidden members and published sum as
cells are hidden (it used to walk the whole line on every check), and ``disclosure.bounds``
keeps "the other members' highest" as a count and a sum (it used to walk the line once per
hidden member). Since 2026-11-29 ``bounds`` also works a line through again only when one of
its cells moved, and keeps each line's sums as its members move (it summed every line every
round). Here the old steps, copied as they were, are run against the new ones on random
tables with margins (Hypothesis): the same bounds, the same cells hidden by each step and by
the whole of ``protect``; dropping any of the kept sums' updates or of the re-marked lines
makes it fail.
"""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from supporters.reports import disclosure

# --- The steps as they were before (issue #17, 2026-11-28 night) ----------------------------


def _exposed_line_before(total, members, values, hidden) -> bool:
    hidden_members, published = 0, 0
    for m in members:
        if m in hidden:
            hidden_members += 1
        else:
            published += values[m]
    if total in hidden:
        return not hidden_members
    if not hidden_members:
        return False
    left = values[total] - published
    return hidden_members == 1 or left <= hidden_members


def _complete_lines_before(values, equations, touching, hidden, member_of=None) -> None:
    queue = sorted({i for key in hidden for i in touching[key]})
    waiting = set(queue)
    while queue:
        i = queue.pop()
        waiting.discard(i)
        total, members = equations[i]
        while _exposed_line_before(total, members, values, hidden):
            extra = disclosure._candidate(total, members, values, hidden)
            if extra is None:
                break
            hidden.add(extra)
            for j in touching[extra]:
                if j not in waiting:
                    waiting.add(j)
                    queue.append(j)


def _bounds_before(values, equations, hidden):
    equations = [(total, tuple(members)) for total, members in equations]
    low = {key: (1.0 if key in hidden else float(values[key])) for key in values}
    high = {key: (math.inf if key in hidden else float(values[key])) for key in values}
    relevant = [eq for eq in equations if any(k in hidden for k in (eq[0], *eq[1]))]
    for _round in range(1000):
        changed = False
        for total, members in relevant:
            sum_low = sum(low[m] for m in members)
            sum_high = sum(high[m] for m in members)
            if total in hidden:
                changed |= disclosure._tighten(low, high, total, sum_low, sum_high)
            for m in members:
                if m not in hidden:
                    continue
                rest_low, rest_high = sum_low - low[m], sum_high - high[m]
                if math.isinf(high[m]):
                    rest_high = sum(high[o] for o in members if o != m)
                changed |= disclosure._tighten(
                    low, high, m, low[total] - rest_high, high[total] - rest_low
                )
        if not changed:
            break
    return {key: (low[key], high[key]) for key in hidden}


# --- Random tables ---------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 3), st.integers(0, 40), st.integers(0, 2000))


@st.composite
def tables(draw):
    """A two-way table with its margins (the report's municipality × category shape), and
    sometimes a second split of the grand total (as by mode or language)."""
    rows, columns = draw(st.integers(1, 9)), draw(st.integers(1, 6))
    cells = {(r, c): draw(counts) for r in range(rows) for c in range(columns)}
    values = dict(cells)
    row_members = {("row", r): [(r, c) for c in range(columns)] for r in range(rows)}
    column_members = {("col", c): [(r, c) for r in range(rows)] for c in range(columns)}
    for key, members in (*row_members.items(), *column_members.items()):
        values[key] = sum(cells[m] for m in members)
    grand = sum(cells.values())
    values[("total",)] = grand
    equations = disclosure.margins(("total",), row_members, column_members)
    if draw(st.booleans()) and grand:  # another split of the grand total
        parts = draw(st.integers(1, 4))
        cuts = sorted(draw(st.lists(st.integers(0, grand), min_size=parts - 1, max_size=parts - 1)))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, grand], strict=True)]
        keys = [("split", k) for k in range(parts)]
        values.update(zip(keys, sizes, strict=True))
        equations.append((("total",), keys))
    threshold = draw(st.sampled_from((2, 3, 5, 10)))
    already = draw(st.sets(st.sampled_from(sorted(values, key=repr)), max_size=3))
    return values, equations, threshold, already


def _touching(equations):
    touching, member_of = {}, {}
    for i, (total, members) in enumerate(equations):
        touching.setdefault(total, []).append(i)
        for key in members:
            touching.setdefault(key, []).append(i)
            member_of.setdefault(key, []).append(i)
    return touching, member_of


@settings(max_examples=300, deadline=None)
@given(table=tables(), data=st.data())
def test_each_step_equals_the_old_one(table, data):
    values, equations, _threshold, _already = table
    equations = [(total, tuple(members)) for total, members in equations]
    keys = sorted(values, key=repr)
    hidden = data.draw(st.sets(st.sampled_from(keys), max_size=len(keys)))
    hidden = {key for key in hidden if values[key]}  # zeros are published
    assert disclosure.bounds(values, equations, hidden) == _bounds_before(values, equations, hidden)
    touching, member_of = _touching(equations)
    touching = {key: touching.get(key, []) for key in values}
    member_of = {key: member_of.get(key, []) for key in values}
    new, old = set(hidden), set(hidden)
    disclosure._complete_lines(values, equations, touching, new, member_of)
    _complete_lines_before(values, equations, touching, old)
    assert new == old


@settings(max_examples=300, deadline=None)
@given(table=tables())
def test_protect_hides_the_same_cells(table):
    values, equations, threshold, already = table
    new = disclosure.protect(values, equations, threshold, already)
    steps = disclosure._complete_lines, disclosure.bounds
    disclosure._complete_lines, disclosure.bounds = _complete_lines_before, _bounds_before
    try:
        old = disclosure.protect(values, equations, threshold, already)
    finally:
        disclosure._complete_lines, disclosure.bounds = steps
    assert new == old


def test_a_national_shaped_table_gives_the_same_cells():
    """A seeded table of the report's shape at scale (300 places × 6 categories, counts from
    a few to thousands, most places small, a split by mode and by language): long lines with
    many hidden members, where the kept sums and the lines worked through again matter."""
    import random

    rng = random.Random(17)
    rows, columns = 300, 6
    cells = {}
    for r in range(rows):
        size = int(3000 / (r + 1))  # Zipf-like: a few large places, many small ones
        for c in range(columns):
            cells[(r, c)] = rng.randint(0, max(size // (c + 1), 2))
    values = dict(cells)
    row_members = {("row", r): [(r, c) for c in range(columns)] for r in range(rows)}
    column_members = {("col", c): [(r, c) for r in range(rows)] for c in range(columns)}
    for key, members in (*row_members.items(), *column_members.items()):
        values[key] = sum(cells[m] for m in members)
    grand = sum(cells.values())
    values[("total",)] = grand
    equations = disclosure.margins(("total",), row_members, column_members)
    for split, parts in (("mode", 3), ("language", 12)):
        cuts = sorted(rng.randint(0, grand) for _ in range(parts - 1))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, grand], strict=True)]
        keys = [(split, k) for k in range(parts)]
        values.update(zip(keys, sizes, strict=True))
        equations.append((("total",), keys))
    for threshold in (3, 10):
        new = disclosure.protect(values, equations, threshold)
        assert disclosure.bounds(values, equations, new) == _bounds_before(values, equations, new)
        steps = disclosure._complete_lines, disclosure.bounds
        disclosure._complete_lines, disclosure.bounds = _complete_lines_before, _bounds_before
        try:
            old = disclosure.protect(values, equations, threshold)
        finally:
            disclosure._complete_lines, disclosure.bounds = steps
        assert new == old
        assert len(new) > rows  # many hidden cells: the long lines were worked through
