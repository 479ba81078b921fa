"""Shared timing helper for the benchmark scripts."""

import statistics
import time


def median_ms(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``fn``, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
