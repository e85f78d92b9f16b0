"""Input encoders: turn input intensities into the drive of the first layer.

Every encoder takes intensities ``x`` of shape (batch, n) and returns the first layer's
presynaptic drive. ``"current"`` returns ``x`` itself (a constant current, broadcast over time
by the network); ``"bernoulli"`` returns 0/1 spikes with probability ``x`` per step;
``"poisson"`` returns spike counts ``~ Poisson(x)`` per step. Random encoders draw from the
explicit ``rng`` so two passes can reuse the same spikes (common random numbers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ENCODERS", "encode"]

ENCODERS = ("current", "bernoulli", "poisson")


def encode(x: np.ndarray, encoder: str, steps: int, rng: np.random.Generator | None) -> np.ndarray:
    """Encode intensities ``x`` (batch, n) for a presentation of ``steps`` steps.

    Returns
    -------
    ndarray
        ``x`` as float64 (batch, n) for ``"current"``; float64 (steps, batch, n) otherwise.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> encode(np.full((2, 3), 0.5), "bernoulli", 4, rng).shape
    (4, 2, 3)
    >>> encode(np.array([[2.0]]), "bernoulli", 4, rng)
    Traceback (most recent call last):
    ...
    ValueError: bernoulli encoding needs intensities in [0, 1], got range [2, 2]
    """
    if encoder not in ENCODERS:
        raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"inputs must have shape (batch, n), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("inputs contain non-finite values")
    if encoder == "current":
        return x
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if rng is None:
        raise ValueError(f"{encoder} encoding needs an explicit rng")
    lo, hi = (x.min(), x.max()) if x.size else (0.0, 0.0)
    if encoder == "bernoulli":
        if lo < 0 or hi > 1:
            raise ValueError(
                f"bernoulli encoding needs intensities in [0, 1], got range [{lo:g}, {hi:g}]"
            )
        return (rng.random((steps, *x.shape)) < x).astype(np.float64)
    if lo < 0:
        raise ValueError(f"poisson encoding needs intensities >= 0, got minimum {lo:g}")
    return rng.poisson(x, size=(steps, *x.shape)).astype(np.float64)
