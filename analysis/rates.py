"""Convergence rates and steps-to-threshold of learning curves, with confidence intervals.

:func:`fit_rate` fits ``log(loss(t) - floor) = a + r t`` by least squares over a window and
returns the slope ``r`` (per step; negative for a decaying loss) with a confidence interval:

* one curve (1-D ``loss``): ordinary regression SE, Student-t with ``n - 2`` dof. Successive
  points of one stochastic run are correlated, so this interval is optimistic for raw SGD
  curves; use it for deterministic curves (theory, averages) or prefer replicates.
* replicate curves (2-D ``loss``, shape ``(R, T)``): the rate of the *mean* curve
  ``log(mean_r loss_r(t) - floor)`` (the quantity learning-curve theory predicts; per-replicate
  log-slopes estimate ``E log`` instead, which differs for multiplicative noise), with a
  delete-one jackknife SE over replicates and a Student-t interval with ``R - 1`` dof.

:func:`steps_to_threshold` finds when a curve first reaches a threshold (linear interpolation in
``log loss`` between recorded points) for the mean curve (jackknife CI) or per replicate (mean
first-passage time, SE = std / sqrt(R)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats
from numpy.typing import ArrayLike, NDArray

__all__ = ["RateFit", "ThresholdTime", "fit_rate", "steps_to_threshold"]


@dataclass(frozen=True)
class RateFit:
    """Result of :func:`fit_rate`.

    Attributes
    ----------
    rate : float
        Slope ``r`` of ``log(loss - floor)`` per unit of ``t`` (negative when decaying).
    rate_se : float
        Standard error of ``rate``.
    ci : tuple of float
        Confidence interval ``(low, high)`` for ``rate`` at ``level``.
    intercept : float
        ``a`` in ``log(loss - floor) = a + r t``.
    level : float
        Confidence level of ``ci``.
    method : str
        ``"regression"`` (one curve) or ``"jackknife"`` (replicates).
    n_points : int
        Number of time points in the window.
    n_replicates : int
        Number of replicate curves (1 for a single curve).
    """

    rate: float
    rate_se: float
    ci: tuple[float, float]
    intercept: float
    level: float
    method: str
    n_points: int
    n_replicates: int

    @property
    def factor(self) -> float:
        """Per-step contraction factor ``exp(rate)``."""
        return float(np.exp(self.rate))

    @property
    def e_folding_steps(self) -> float:
        """Steps for one e-fold of decay, ``-1 / rate`` (inf if not decaying)."""
        return float(-1.0 / self.rate) if self.rate < 0 else float("inf")


@dataclass(frozen=True)
class ThresholdTime:
    """Result of :func:`steps_to_threshold`.

    Attributes
    ----------
    steps : float
        Estimated first time the loss reaches the threshold (NaN if not reached).
    se : float
        Standard error (NaN if not available).
    ci : tuple of float
        Confidence interval at ``level``.
    level : float
    method : str
        ``"mean_curve"``, ``"replicates"`` or ``"single"``.
    n_reached : int
        Number of curves (replicates, or the single/mean curve) that reached the threshold.
    n_replicates : int
    per_replicate : ndarray or None
        First-passage time of each replicate (``method="replicates"``; NaN = never reached).
    """

    steps: float
    se: float
    ci: tuple[float, float]
    level: float
    method: str
    n_reached: int
    n_replicates: int
    per_replicate: NDArray[np.float64] | None = None


def _check_level(level: float) -> None:
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1), got {level}")


def _prepare(
    loss: ArrayLike, t: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    y = np.asarray(loss, dtype=np.float64)
    if y.ndim not in (1, 2) or y.shape[-1] < 2:
        raise ValueError(f"loss must be 1-D (T,) or 2-D (R, T) with T >= 2, got shape {y.shape}")
    if t is None:
        tt = np.arange(y.shape[-1], dtype=np.float64)
    else:
        tt = np.asarray(t, dtype=np.float64)
        if tt.shape != (y.shape[-1],):
            raise ValueError(f"t must have shape ({y.shape[-1]},), got {tt.shape}")
        if not np.all(np.isfinite(tt)) or np.any(np.diff(tt) <= 0):
            raise ValueError("t must be finite and strictly increasing")
    return y, tt


def _slopes(tt: NDArray[np.float64], logy: NDArray[np.float64]) -> NDArray[np.float64]:
    """OLS slopes of each row of ``logy`` against ``tt``."""
    tc = tt - tt.mean()
    return (logy - logy.mean(axis=-1, keepdims=True)) @ tc / np.sum(tc**2)


def fit_rate(
    loss: ArrayLike,
    t: ArrayLike | None = None,
    *,
    window: tuple[float, float] | None = None,
    floor: float = 0.0,
    level: float = 0.95,
) -> RateFit:
    """Fit an exponential convergence rate ``log(loss - floor) = a + r t``.

    Parameters
    ----------
    loss : array_like, shape (T,) or (R, T)
        One learning curve, or ``R`` replicate curves on a common time grid.
    t : array_like, shape (T,), optional
        Time of each point (default ``0, 1, ..., T-1``).
    window : (float, float), optional
        Use points with ``window[0] <= t < window[1]`` (default: all).
    floor : float, default 0.0
        Asymptotic loss subtracted before the logarithm (the rate of approach to the floor).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    RateFit

    Examples
    --------
    >>> t = np.arange(50.0)
    >>> fit = fit_rate(0.1 + 2.0 * 0.9**t, t, floor=0.1)
    >>> round(fit.rate, 6), round(fit.factor, 6)
    (-0.105361, 0.9)
    """
    _check_level(level)
    y, tt = _prepare(loss, t)
    if not np.isfinite(floor):
        raise ValueError(f"floor must be finite, got {floor}")
    if window is not None:
        lo, hi = window
        if not hi > lo:
            raise ValueError(f"window must be (start, stop) with stop > start, got {window}")
        keep = (tt >= lo) & (tt < hi)
        if keep.sum() < 3:
            raise ValueError(f"window {window} must contain at least 3 time points")
        tt, y = tt[keep], y[..., keep]
    elif tt.size < 3:
        raise ValueError("loss must have at least 3 time points")
    if not np.all(np.isfinite(y)):
        raise ValueError("loss must be finite inside the window")

    if y.ndim == 1:
        excess = y - floor
        if np.any(excess <= 0):
            raise ValueError("loss - floor must be positive inside the window (lower floor)")
        logy = np.log(excess)
        n = tt.size
        slope = float(_slopes(tt, logy))
        intercept = float(logy.mean() - slope * tt.mean())
        resid = logy - (intercept + slope * tt)
        dof = n - 2
        s2 = float(resid @ resid) / dof if dof > 0 else 0.0
        se = float(np.sqrt(s2 / np.sum((tt - tt.mean()) ** 2)))
        q = scipy.stats.t.ppf(0.5 + level / 2, dof)
        return RateFit(
            slope, se, (slope - q * se, slope + q * se), intercept, level, "regression", n, 1
        )

    r = y.shape[0]
    if r < 2:
        raise ValueError("loss must have at least 2 replicate rows for a jackknife")
    total = y.sum(axis=0)
    mean_excess = total / r - floor
    loo_excess = (total[None, :] - y) / (r - 1) - floor
    if np.any(mean_excess <= 0) or np.any(loo_excess <= 0):
        raise ValueError("mean loss - floor must be positive inside the window (lower floor)")
    logm = np.log(mean_excess)
    slope = float(_slopes(tt, logm))
    intercept = float(logm.mean() - slope * tt.mean())
    loo = _slopes(tt, np.log(loo_excess))
    se = float(np.sqrt((r - 1) / r * np.sum((loo - loo.mean()) ** 2)))
    q = scipy.stats.t.ppf(0.5 + level / 2, r - 1)
    return RateFit(
        slope, se, (slope - q * se, slope + q * se), intercept, level, "jackknife", tt.size, r
    )


def _first_passage(
    y: NDArray[np.float64], tt: NDArray[np.float64], threshold: float
) -> NDArray[np.float64]:
    """First time each row of ``y`` reaches ``<= threshold``, log-linear interpolation."""
    y2 = np.atleast_2d(y)
    below = y2 <= threshold
    reached = below.any(axis=1)
    j = np.argmax(below, axis=1)
    out = np.full(y2.shape[0], np.nan)
    first = reached & (j == 0)
    out[first] = tt[0]
    rows = np.nonzero(reached & (j > 0))[0]
    jr = j[rows]
    y0, y1 = y2[rows, jr - 1], y2[rows, jr]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac_log = (np.log(y0) - np.log(threshold)) / (np.log(y0) - np.log(y1))
        frac_lin = (y0 - threshold) / (y0 - y1)
    frac = np.where((y0 > 0) & (y1 > 0), frac_log, frac_lin)
    frac = np.where(np.isfinite(y0), frac, 1.0)  # from a diverged (inf) point: the later time
    out[rows] = tt[jr - 1] + frac * (tt[jr] - tt[jr - 1])
    return out


def steps_to_threshold(
    loss: ArrayLike,
    threshold: float,
    t: ArrayLike | None = None,
    *,
    method: str = "mean_curve",
    level: float = 0.95,
) -> ThresholdTime:
    """Time at which a learning curve first reaches ``threshold``, with a CI.

    Parameters
    ----------
    loss : array_like, shape (T,) or (R, T)
        One curve or ``R`` replicate curves.
    threshold : float
        Positive loss level.
    t : array_like, shape (T,), optional
        Time of each point (default ``0, ..., T-1``).
    method : {"mean_curve", "replicates"}
        For 2-D ``loss``: first passage of the replicate-mean curve with a delete-one jackknife
        SE, or mean of the replicates' first-passage times with SE = std / sqrt(R) (NaN if any
        replicate never reaches the threshold; see ``n_reached``). Ignored for 1-D ``loss``.
    level : float, default 0.95

    Returns
    -------
    ThresholdTime

    Examples
    --------
    >>> t = np.arange(100.0)
    >>> res = steps_to_threshold(0.9**t, 0.9**10.5, t)
    >>> round(res.steps, 9)
    10.5
    """
    _check_level(level)
    y, tt = _prepare(loss, t)
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be positive and finite, got {threshold}")
    if method not in ("mean_curve", "replicates"):
        raise ValueError(f"method must be 'mean_curve' or 'replicates', got {method!r}")
    if np.any(np.isnan(y)):
        raise ValueError("loss must not contain NaN")
    nan = float("nan")
    if y.ndim == 1:
        s = float(_first_passage(y, tt, threshold)[0])
        return ThresholdTime(s, nan, (nan, nan), level, "single", int(np.isfinite(s)), 1)
    r = y.shape[0]
    if r < 2:
        raise ValueError("loss must have at least 2 replicate rows")
    if method == "replicates":
        per = _first_passage(y, tt, threshold)
        n_reached = int(np.sum(np.isfinite(per)))
        if n_reached < r:
            return ThresholdTime(nan, nan, (nan, nan), level, method, n_reached, r, per)
        m = float(per.mean())
        se = float(per.std(ddof=1) / np.sqrt(r))
        q = scipy.stats.t.ppf(0.5 + level / 2, r - 1)
        return ThresholdTime(m, se, (m - q * se, m + q * se), level, method, r, r, per)
    total = y.sum(axis=0)
    s = float(_first_passage(total / r, tt, threshold)[0])
    if not np.isfinite(s):
        return ThresholdTime(nan, nan, (nan, nan), level, method, 0, r)
    loo = _first_passage((total[None, :] - y) / (r - 1), tt, threshold)
    if not np.all(np.isfinite(loo)):
        return ThresholdTime(s, nan, (nan, nan), level, method, 1, r)
    se = float(np.sqrt((r - 1) / r * np.sum((loo - loo.mean()) ** 2)))
    q = scipy.stats.t.ppf(0.5 + level / 2, r - 1)
    return ThresholdTime(s, se, (s - q * se, s + q * se), level, method, 1, r)
