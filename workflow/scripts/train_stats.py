"""Small statistics shared by the F1, F5-F8 summaries (imported by path from their scripts)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["chance", "ci95", "mean", "mean_se", "run_name"]


def chance(base: dict) -> float:
    """Chance accuracy of the training data: 1/10 for MNIST-format data, 1/4 for 'teacher'."""
    return 1.0 / (4 if base["data"]["name"] == "teacher" else 10)


def mean(values) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def mean_se(values) -> tuple[float | None, float | None]:
    """Mean and standard error (ddof=1) of the values that are not None (SE None below 2)."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return None, None
    se = float(np.std(vals, ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else None
    return float(np.mean(vals)), se


def ci95(values) -> float | None:
    """Half-width of the 95% Student-t interval of the mean of the values that are not None
    (None below 2 values).

    Examples
    --------
    >>> round(ci95([1.0, 2.0, 3.0]), 4)  # t_{0.975, 2} = 4.3027, SE = 0.5774
    2.4841
    """
    vals = [float(v) for v in values if v is not None]
    if len(vals) < 2:
        return None
    se = np.std(vals, ddof=1) / math.sqrt(len(vals))
    return float(stats.t.ppf(0.975, len(vals) - 1) * se)


def run_name(path: str) -> list[str]:
    """'results/F5/runs/bp_L3_s0.json' -> ['bp', 'L3', 's0']."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0].split("_")
