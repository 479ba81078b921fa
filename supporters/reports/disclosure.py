"""Statistical disclosure control for officials: small counts hidden so that no subtraction
from a published total can bring them back.

One method, used by every output an official or a municipal officer can reach (report pages
and files, the report API, coverage pages and API, the targets page):

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is hidden.
2. **Complementary suppression.** A table comes with its margins as *equations*
   (``total = member + member + …``: a row, a column, the grand total). Wherever a hidden
   count could be worked out from the published cells of one of its equations, another cell of
   that equation is hidden too — the smallest non-zero published member, or the total when no
   member is left.
3. **Audit.** The attack itself is then run on the whole table: bounds are propagated through
   every equation (a hidden cell is known to be at least 1, since zeros are published), and
   while any protected cell is pinned to a single value, one more cell of one of its equations
   (or, when those are all hidden already, of the equations one step further out) is hidden
   and steps 2–3 repeat.

Every hidden cell reads the same (``X``, the mark of Japanese official statistics for 秘匿), so
a reader cannot tell a primary cell (1 or 2) from a complementary one (any size).

Tables over several months are protected **month by month**, and a figure for a longer period
is hidden whenever it is hidden in any of its months (:func:`union`). A published figure for a
period is then a sum of published monthly figures, so it adds nothing an attacker could
subtract, and a month always looks the same whatever period it is shown in.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

MARK = "X"

Key = Hashable
Equation = tuple[Key, Sequence[Key]]  # (total, members): total = sum(members)


def is_count(value) -> bool:
    """An integer count (not a bool, not an already hidden mark)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_small(value, threshold: int) -> bool:
    """A count from 1 to ``threshold - 1``."""
    return is_count(value) and 0 < value < threshold


def shown(value, hidden: bool):
    """What an official reads for ``value``: the count, or the mark."""
    return MARK if hidden else value


def margins(
    total: Key, rows: dict[Key, Sequence[Key]], columns: dict[Key, Sequence[Key]]
) -> list[Equation]:
    """The equations of a two-way table with its margins: each row total is the sum of its
    cells, each column total the sum of its cells, and ``total`` the sum of the row totals and
    of the column totals."""
    equations: list[Equation] = [(total, list(rows)), (total, list(columns))]
    equations += [(row, list(cells)) for row, cells in rows.items()]
    equations += [(column, list(cells)) for column, cells in columns.items()]
    return equations


def protect(
    values: dict[Key, int],
    equations: Iterable[Equation],
    threshold: int,
    already: Iterable[Key] = (),
) -> set[Key]:
    """The cells of ``values`` to hide: every small count, and enough others that none of them
    can be pinned down from the published cells through ``equations`` (see module doc).
    ``already``: cells hidden for another reason (e.g. in one of the period's months); they are
    protected like the small ones."""
    equations = [(total, tuple(members)) for total, members in equations]
    # The cells that must not be pinned: the small ones, and those hidden elsewhere (a month's
    # complementary cell pinned in the period's table would give that month's small cell away).
    already = {key for key in already if key in values}
    zeros = {key for key in already if values[key] == 0}  # hidden alike, nothing to protect
    primary = frozenset(key for key, value in values.items() if is_small(value, threshold))
    primary |= already - zeros
    hidden = set(primary)
    if not primary:
        return hidden | zeros
    touching: dict[Key, list[int]] = defaultdict(list)
    member_of: dict[Key, list[int]] = defaultdict(list)
    for i, (total, members) in enumerate(equations):
        touching[total].append(i)
        for key in members:
            touching[key].append(i)
            member_of[key].append(i)
    in_order = sorted(primary, key=repr)  # once: repr of thousands of keys per round adds up
    while True:
        _complete_lines(values, equations, touching, hidden, member_of)
        known = bounds(values, equations, hidden)
        pinned = [key for key in in_order if known[key][0] >= known[key][1]]
        # One more cell around each pinned one per round: a round costs a whole audit.
        added = [_hide_one_more(key, values, equations, touching, hidden) for key in pinned]
        if not any(added):
            return hidden | zeros


def _exposed_line(total: Key, members: Sequence[Key], values: dict, hidden: set) -> bool:
    """Whether subtraction within this one equation pins a hidden cell."""
    hidden_members, published = 0, 0  # one pass: a line can have 1,741 members (#17)
    for m in members:
        if m in hidden:
            hidden_members += 1
        else:
            published += values[m]
    if total in hidden:
        return not hidden_members  # every member published: the total is their sum
    if not hidden_members:
        return False
    left = values[total] - published
    # Each hidden member is at least 1; with one hidden, or all of them forced to 1, each is pinned.
    return hidden_members == 1 or left <= hidden_members


def _candidate(total: Key, members: Sequence[Key], values: dict, hidden: set) -> Key | None:
    """The cell to hide next in an equation: the smallest non-zero published member, else the
    total."""
    published = [m for m in members if m not in hidden and values[m] > 0]
    if published:
        return min(published, key=lambda m: (values[m], repr(m)))
    if total not in hidden and values[total] > 0:
        return total
    return None


def _complete_lines(values, equations, touching, hidden, member_of=None) -> None:
    """Step 2: hide cells until no single equation pins a hidden cell.

    Each equation's hidden members and published sum are kept as cells get hidden (``hidden``
    only grows here), so a check is :func:`_exposed_line` without walking the line (#17: a line
    can have 1,741 members, and is checked again each time one of its cells is hidden)."""
    if member_of is None:
        member_of = defaultdict(list)
        for i, (_total, members) in enumerate(equations):
            for key in members:
                member_of[key].append(i)
    hidden_members = [0] * len(equations)
    published = [0] * len(equations)
    for i, (_total, members) in enumerate(equations):
        for m in members:
            if m in hidden:
                hidden_members[i] += 1
            else:
                published[i] += values[m]

    def exposed(i: int) -> bool:  # _exposed_line(*equations[i], values, hidden)
        total, count = equations[i][0], hidden_members[i]
        if total in hidden:
            return not count
        if not count:
            return False
        return count == 1 or values[total] - published[i] <= count

    queue = sorted({i for key in hidden for i in touching[key]})
    waiting = set(queue)
    while queue:
        i = queue.pop()
        waiting.discard(i)
        total, members = equations[i]
        while exposed(i):
            extra = _candidate(total, members, values, hidden)
            if extra is None:
                break
            hidden.add(extra)
            for j in member_of[extra]:
                hidden_members[j] += 1
                published[j] -= values[extra]
            for j in touching[extra]:
                if j not in waiting:
                    waiting.add(j)
                    queue.append(j)


def bounds(
    values: dict[Key, int], equations: Iterable[Equation], hidden: set[Key]
) -> dict[Key, tuple[float, float]]:
    """What an attacker can say about each hidden cell: (lowest, highest) value consistent with
    every published cell and every equation, by propagating bounds until nothing changes.

    A hidden cell starts at (1, ∞): zeros are published, so a hidden cell is not zero.
    """
    equations = [(total, tuple(members)) for total, members in equations]
    low = {key: (1.0 if key in hidden else float(values[key])) for key in values}
    high = {key: (math.inf if key in hidden else float(values[key])) for key in values}
    relevant = [eq for eq in equations if any(k in hidden for k in (eq[0], *eq[1]))]
    # Per equation: its hidden members in order, and whether its members are distinct (then
    # "the others' highest" is kept as a count of unbounded ones and a sum of the rest, exact
    # on these integer-valued floats, instead of a walk of the line per hidden member, #17).
    lines = [
        (total, members, [m for m in members if m in hidden], len(set(members)) == len(members))
        for total, members in relevant
    ]
    # A line is worked through again only when one of its cells moved since it last was (by
    # another line, or by itself): working through it is a function of its cells' bounds
    # alone, so otherwise it would change nothing. The same rounds, the same bounds, without
    # summing unchanged lines of 1,741 members round after round (#17). Only hidden cells move.
    # Each line's sums are kept as its members move: the lowest values' sum, and its highest
    # values' as a count of unbounded members and a sum of the others (exact: the values are
    # counts, so every bound is an integer-valued float).
    lines_of: dict[Key, list[int]] = defaultdict(list)  # lines to work through again
    member_in: dict[Key, list[int]] = defaultdict(list)  # lines whose sums hold it (repeats too)
    sum_lows, unbounded_counts, finite_highs = [], [], []
    for i, (total, members, hidden_members, _distinct) in enumerate(lines):
        for key in {total, *hidden_members} & hidden:
            lines_of[key].append(i)
        for key in hidden_members:
            member_in[key].append(i)
        sum_lows.append(sum(low[m] for m in members))
        finite = [high[m] for m in members if not math.isinf(high[m])]
        unbounded_counts.append(len(members) - len(finite))
        finite_highs.append(sum(finite))

    def moved(key: Key, low_before: float, high_before: float) -> None:
        for j in member_in[key]:
            sum_lows[j] += low[key] - low_before
            if high[key] != high_before:
                if math.isinf(high_before):
                    unbounded_counts[j] -= 1
                    finite_highs[j] += high[key]
                else:
                    finite_highs[j] += high[key] - high_before
        for j in lines_of[key]:
            stale[j] = True

    stale = [True] * len(lines)
    inf = math.inf
    for _round in range(1000):
        changed = False
        for i, (total, members, hidden_members, distinct) in enumerate(lines):
            if not stale[i]:
                continue
            stale[i] = False
            sum_low = sum_lows[i]
            sum_high = math.inf if unbounded_counts[i] else finite_highs[i]
            if total in hidden:
                low_before, high_before = low[total], high[total]
                if _tighten(low, high, total, sum_low, sum_high):
                    changed = True
                    moved(total, low_before, high_before)
            unbounded = None  # (members without a highest value, sum of the others' highest)
            # _tighten written out for each hidden member (17,000 a month at national scale);
            # a highest value is never -inf, so "== inf" is math.isinf here.
            for m in hidden_members:
                low_before, before = low[m], high[m]
                rest_low, rest_high = sum_low - low_before, sum_high - before
                if before == inf:
                    if not distinct:
                        rest_high = sum(high[o] for o in members if o != m)
                    else:
                        if unbounded is None:  # the line's, as they are now
                            unbounded = [unbounded_counts[i], finite_highs[i]]
                        rest_high = inf if unbounded[0] > 1 else unbounded[1]
                new_low, new_high = low[total] - rest_high, high[total] - rest_low
                moved_m = False
                if new_low > low_before:
                    low[m], moved_m = new_low, True
                if new_high < before:
                    high[m], moved_m = new_high, True
                if moved_m:
                    changed = True
                    moved(m, low_before, before)
                    if unbounded is not None and new_high < before:
                        if before == inf:
                            unbounded[0] -= 1
                            unbounded[1] += new_high
                        else:
                            unbounded[1] += new_high - before
        if not changed:
            break
    return {key: (low[key], high[key]) for key in hidden}


def _tighten(low: dict, high: dict, key: Key, new_low: float, new_high: float) -> bool:
    changed = False
    if new_low > low[key]:
        low[key], changed = new_low, True
    if new_high < high[key]:
        high[key], changed = new_high, True
    return changed


def _hide_one_more(key: Key, values, equations, touching, hidden) -> bool:
    """Step 3: hide one more cell of an equation of ``key`` (the smallest candidate); when
    every cell of its equations is hidden already, of the equations of those cells, and so on
    (the pin then comes from further away, e.g. a grand total over hidden row totals)."""
    seen_cells, seen_equations, frontier = {key}, set(), [key]
    while frontier:
        options, reached = [], []
        for cell in frontier:
            for i in touching[cell]:
                if i in seen_equations:
                    continue
                seen_equations.add(i)
                total, members = equations[i]
                extra = _candidate(total, members, values, hidden)
                if extra is not None:
                    options.append((extra == total, values[extra], repr(extra), extra))
                reached += [c for c in (total, *members) if c in hidden and c not in seen_cells]
        if options:
            hidden.add(min(options)[3])
            return True
        seen_cells.update(reached)
        frontier = reached
    return False


def union(hidden_by_month: Iterable[set[Key]]) -> set[Key]:
    """The cells hidden over a period: those hidden in any of its months."""
    out: set[Key] = set()
    for hidden in hidden_by_month:
        out |= hidden
    return out
