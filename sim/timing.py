"""Wall-clock helpers shared by the benchmarks and the update-cost experiment (F8)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["best_time", "report"]


def best_time(fn: Callable[[], object], repeats: int, *, warmup: bool = True) -> float:
    """Best wall time in seconds of ``fn()`` over ``repeats`` calls (after one warm-up call).

    Examples
    --------
    >>> best_time(lambda: sum(range(100)), 3) >= 0
    True
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats!r}")
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(results: dict[str, float], json_path: Path | None) -> dict[str, float]:
    """Print ``results`` one per line and write them as sorted JSON when a path is given."""
    for key, value in results.items():
        print(f"{key:40s} {value:.4g}")
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results
