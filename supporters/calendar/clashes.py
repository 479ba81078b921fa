"""Clashes between one supporter's assignments: overlapping times, or too little time to travel.

Pure functions over plain values (no Flask, no database): travel time is the geodesic distance
between the two municipalities' centroids at an assumed speed, plus a fixed margin. Only two
in-person assignments need travel between them; a phone or video call can be taken anywhere.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

OVERLAP = "overlap"
TRAVEL = "travel"


@dataclass(frozen=True)
class TravelRule:
    """How fast a supporter is assumed to travel between places, and the margin added."""

    kmh: float = 30.0
    margin_minutes: int = 15

    def needed(self, km: float) -> timedelta:
        """Time needed to cover ``km`` (a zero distance needs no margin: same place)."""
        if km <= 0:
            return timedelta(0)
        return timedelta(minutes=km / self.kmh * 60 + self.margin_minutes)


@dataclass(frozen=True)
class Slot:
    """One assignment as the clash check sees it."""

    request_id: int
    supporter_id: int
    starts_at: datetime
    ends_at: datetime
    municipality: str
    in_person: bool


@dataclass(frozen=True)
class Clash:
    """Two assignments of one supporter that cannot both be kept (``first`` starts first).

    ``kind`` is ``overlap`` or ``travel``; for travel, ``km``, ``needed_minutes`` and
    ``gap_minutes`` say why (facts, rendered in the viewer's language by the page).
    """

    supporter_id: int
    first: int
    second: int
    kind: str
    km: float = 0.0
    needed_minutes: int = 0
    gap_minutes: int = 0


Distance = Callable[[str, str], float | None]


def clash_between(a: Slot, b: Slot, km: Distance, rule: TravelRule) -> Clash | None:
    """The clash between two slots of one supporter, or None (order does not matter)."""
    if a.request_id == b.request_id:
        return None
    first, second = sorted((a, b), key=lambda s: (s.starts_at, s.request_id))
    if second.starts_at < first.ends_at:
        return Clash(first.supporter_id, first.request_id, second.request_id, OVERLAP)
    if not (first.in_person and second.in_person):
        return None
    distance = km(first.municipality, second.municipality)
    if distance is None:
        return None
    needed = rule.needed(distance)
    gap = second.starts_at - first.ends_at
    if gap >= needed:
        return None
    return Clash(
        first.supporter_id,
        first.request_id,
        second.request_id,
        TRAVEL,
        km=round(distance, 1),
        needed_minutes=round(needed.total_seconds() / 60),
        gap_minutes=round(gap.total_seconds() / 60),
    )


def find_clashes(slots: Iterable[Slot], km: Distance, rule: TravelRule) -> list[Clash]:
    """Every clash among ``slots``, per supporter, in time order.

    Sorted by start, each slot is compared with the later ones that begin before it ends plus
    the longest travel time possible (a day is far more than any trip in a prefecture).
    """
    by_supporter: dict[int, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_supporter[slot.supporter_id].append(slot)
    found: list[Clash] = []
    horizon = timedelta(hours=6)
    for items in by_supporter.values():
        items.sort(key=lambda s: (s.starts_at, s.request_id))
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b.starts_at >= a.ends_at + horizon:
                    break
                if (clash := clash_between(a, b, km, rule)) is not None:
                    found.append(clash)
    found.sort(key=lambda c: (c.first, c.second))
    return found
