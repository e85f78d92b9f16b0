"""Argument checks shared by the analysis modules: each returns the checked value as a float
or raises a ValueError that names the argument."""

import numpy as np

__all__ = ["nonneg", "positive"]


def nonneg(value: float, name: str) -> float:
    """``value`` as a float if it is finite and >= 0.

    >>> nonneg(0, "sigma")
    0.0
    """
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return v


def positive(value: float, name: str) -> float:
    """``value`` as a float if it is finite and > 0.

    >>> positive(0, "eta")
    Traceback (most recent call last):
    ...
    ValueError: eta must be finite and > 0, got 0
    """
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return v
