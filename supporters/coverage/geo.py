"""Geodesic distances between municipality centroids, computed once per set of centroids."""

from functools import lru_cache

from geopy.distance import geodesic

from supporters.help_requests.candidates import centroids


@lru_cache(maxsize=4)
def _table(points: tuple[tuple[str, float, float], ...]) -> dict[tuple[str, str], float]:
    table: dict[tuple[str, str], float] = {}
    for i, (a, lat_a, lon_a) in enumerate(points):
        table[(a, a)] = 0.0
        for b, lat_b, lon_b in points[i + 1 :]:
            km = geodesic((lat_a, lon_a), (lat_b, lon_b)).km
            table[(a, b)] = table[(b, a)] = km
    return table


def distance_table() -> dict[tuple[str, str], float]:
    """Km between every pair of municipality centroids (both orders; 0 to itself)."""
    points = tuple(sorted((code, lat, lon) for code, (lat, lon) in centroids().items()))
    return _table(points)
