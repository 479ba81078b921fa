"""Geodesic distances between municipality centroids, computed only for the pairs asked about.

A national installation has 1,741 municipalities: the full table (1.5 million geodesics) took
minutes, paid by the first report of each process. Now a pair's geodesic is computed when it is
first needed and remembered. The coverage matrix asks "how many speakers live within the radius,
and how far is the nearest" for each municipality; ``Reach`` answers it with a great-circle bound
(the WGS-84 geodesic is within ``BOUND`` of the spherical distance on the same coordinates), so the
exact geodesic is computed only for the pairs the bound cannot decide — the answers are the same
as from the full table.
"""

import bisect
import math
from functools import lru_cache

from geopy.distance import geodesic

from supporters.help_requests.candidates import centroids

EARTH_KM = 6371.0088  # mean radius: the sphere the bound compares with
# The ellipsoid's radii of curvature lie within −0.56 % … +0.45 % of the mean radius, so any
# geodesic is within that factor of the great circle on the same coordinates; 1 % is safe.
BOUND = 0.01
SLACK_KM = 1e-6  # float noise in the bound's arithmetic
CACHE_LIMIT = 256  # sets of homes kept per ``Reach`` before its caches start over


@lru_cache(maxsize=100_000)
def _geodesic_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    return geodesic((lat_a, lon_a), (lat_b, lon_b)).km


def _exact(a: str, b: str, points: dict[str, tuple[float, float]]) -> float:
    """The geodesic as the full table had it: 0 to itself, measured from the smaller code."""
    if a == b:
        return 0.0
    if b < a:
        a, b = b, a
    return _geodesic_km(*points[a], *points[b])


def _sphere_km(p: tuple[float, float, float], q: tuple[float, float, float]) -> float:
    """Great-circle km between points given as (radians lat, radians lon, cos lat)."""
    half_dlat = (q[0] - p[0]) / 2
    half_dlon = (q[1] - p[1]) / 2
    h = math.sin(half_dlat) ** 2 + p[2] * q[2] * math.sin(half_dlon) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


class DistanceTable:
    """Km between two municipality centroids (``get((a, b))``, ``None`` for an unknown code),
    each pair computed on first use."""

    def __init__(self, points: dict[str, tuple[float, float]]):
        self.points = points

    def get(self, pair: tuple[str, str], default=None):
        """The geodesic km between the pair's centroids, or ``default`` if one is unknown."""
        a, b = pair
        if a not in self.points or b not in self.points:
            return default
        return _exact(a, b, self.points)

    def __getitem__(self, pair: tuple[str, str]) -> float:
        value = self.get(pair)
        if value is None:
            raise KeyError(pair)
        return value


def distance_table() -> DistanceTable:
    """Km between every pair of municipality centroids (both orders; 0 to itself), lazily."""
    return DistanceTable(centroids())


class Reach:
    """Who is in reach of a municipality: the coverage matrix's distance questions, answered
    exactly without the full table (see the module's docstring). Each place's neighbours within
    the radius are found once (a sweep in latitude) and kept with the object (``reach``)."""

    def __init__(self, radius_km: float, points: dict[str, tuple[float, float]] | None = None):
        self.radius_km = radius_km
        self.points = dict(centroids() if points is None else points)
        self._sphere = {
            code: (math.radians(lat), math.radians(lon), math.cos(math.radians(lat)))
            for code, (lat, lon) in self.points.items()
        }
        everywhere = sorted((self._sphere[code][0], code) for code in self._sphere)
        self._everywhere = ([lat for lat, _c in everywhere], [code for _lat, code in everywhere])
        self._neighbours: dict[str, frozenset[str]] = {}
        # Kept between reports (the object is shared, see ``reach``): by the set of homes, so a
        # change of supporters is a new key, never a stale answer.
        self._sorted: dict[frozenset, tuple] = {}
        self._nearest: dict[tuple[str, frozenset], float] = {}
        self._seen: dict[int, tuple] = {}

    def _within(self, place: str, home: str, sphere_km: float) -> bool:
        if sphere_km * (1 + BOUND) + SLACK_KM <= self.radius_km:
            return True
        if sphere_km * (1 - BOUND) - SLACK_KM > self.radius_km:
            return False
        return _exact(place, home, self.points) <= self.radius_km

    def neighbours(self, place: str) -> frozenset[str]:
        """The known places whose geodesic distance to ``place`` is at most the radius."""
        if place not in self._neighbours:
            found = set()
            if place in self._sphere:
                origin = self._sphere[place]
                latitudes, codes = self._everywhere
                # A place Δφ away is at least EARTH_KM·Δφ away on the sphere.
                band = (self.radius_km + SLACK_KM) / (EARTH_KM * (1 - BOUND))
                low = bisect.bisect_left(latitudes, origin[0] - band)
                high = bisect.bisect_right(latitudes, origin[0] + band)
                for other in codes[low:high]:
                    if self._within(place, other, _sphere_km(origin, self._sphere[other])):
                        found.add(other)
            self._neighbours[place] = frozenset(found)
        return self._neighbours[place]

    def beyond(self, place: str, home: str) -> bool:
        """True unless ``home`` is known and within the radius of ``place`` (the matrix counts a
        supporter serving a place from beyond it, or from an unknown place, on top)."""
        return home not in self.neighbours(place)

    def _by_latitude(self, homes: dict[str, int]) -> tuple:
        """(the known homes as a key, their latitudes, their codes), sorted by latitude."""
        seen = self._seen.get(id(homes))
        if seen is not None and seen[0] is homes:  # the same dict again (the matrix's loop)
            return seen[1]
        if len(self._sorted) > CACHE_LIMIT or len(self._seen) > CACHE_LIMIT:
            self._sorted.clear()
            self._nearest.clear()
            self._seen.clear()
        key = frozenset(h for h in homes if h in self._sphere)
        if key not in self._sorted:
            known = sorted((self._sphere[h][0], h) for h in key)
            self._sorted[key] = (key, [lat for lat, _h in known], [h for _lat, h in known])
        self._seen[id(homes)] = (homes, self._sorted[key])
        return self._sorted[key]

    def near(self, place: str, homes: dict[str, int]) -> tuple[int, float | None]:
        """(speakers living within the radius of ``place``, km to the nearest home) for
        ``homes`` (home municipality → speakers); homes of unknown places are left out."""
        if place not in self._sphere or not homes:
            return 0, None
        count = sum(homes.get(code, 0) for code in self.neighbours(place))
        key, latitudes, known = self._by_latitude(homes)
        if not known:
            return count, None
        if (place, key) not in self._nearest:
            self._nearest[(place, key)] = self._nearest_of(place, latitudes, known)
        return count, self._nearest[(place, key)]

    def _nearest_of(self, place: str, latitudes: list, known: list) -> float:
        # Sweep outwards in latitude until the band alone is further than the nearest so far.
        origin = self._sphere[place]
        below = bisect.bisect_left(latitudes, origin[0]) - 1
        above = below + 1
        best_upper = math.inf
        candidates: list[tuple[float, str]] = []
        while below >= 0 or above < len(known):
            down = origin[0] - latitudes[below] if below >= 0 else math.inf
            up = latitudes[above] - origin[0] if above < len(known) else math.inf
            if EARTH_KM * min(down, up) * (1 - BOUND) - SLACK_KM > best_upper:
                break
            if down <= up:
                home, below = known[below], below - 1
            else:
                home, above = known[above], above + 1
            sphere_km = _sphere_km(origin, self._sphere[home])
            best_upper = min(best_upper, sphere_km * (1 + BOUND) + SLACK_KM)
            candidates.append((sphere_km, home))
        nearest = min(
            _exact(place, home, self.points)
            for sphere_km, home in candidates
            if sphere_km * (1 - BOUND) - SLACK_KM <= best_upper
        )
        return nearest


@lru_cache(maxsize=4)
def _reach(points: tuple[tuple[str, float, float], ...], radius_km: float) -> Reach:
    return Reach(radius_km, {code: (lat, lon) for code, lat, lon in points})


def reach(radius_km: float) -> Reach:
    """The ``Reach`` of the current centroids and ``radius_km``, kept for the next report."""
    points = tuple(sorted((code, lat, lon) for code, (lat, lon) in centroids().items()))
    return _reach(points, radius_km)
