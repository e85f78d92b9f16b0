"""Accuracy against training budget (F11): has a curve stopped rising, and how many updates a
perturbation rule should need by T2.

* `plateau_test`: least-squares slope of test accuracy against ``log10(updates)`` over the last
  decade of a curve (all seeds' points pooled, one intercept per seed), its standard error and
  95 % interval; the curve has **plateaued** when the interval's upper end is below
  ``threshold`` accuracy per decade. A curve whose slope is still clearly positive is "still
  rising"; its final accuracy says "slow", not "does not learn".
* `updates_to_reach`: the first evaluated budget at which a mean curve reaches a target.
* `predicted_budget`: T2's prediction of how many times more updates NP-type estimates need than
  the exact gradient: ``N_tot + 2`` for white inputs (Werfel et al., T5), and ``1 / cos^2`` of
  the estimate with the true gradient per layer (``E|G_l|^2 / |gbar_l|^2`` from the measured
  moments of `analysis.layer_estimates`), whose mean over layers is the factor used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["plateau_test", "predicted_budget", "updates_to_reach"]


def plateau_test(
    updates: Sequence[Sequence[float]],
    accuracy: Sequence[Sequence[float]],
    *,
    threshold: float = 0.01,
    decades: float = 1.0,
) -> dict:
    """Slope of accuracy per decade of updates over the last ``decades`` of the curves.

    Parameters
    ----------
    updates, accuracy : one sequence per seed
        Evaluated budgets (> 0) and test accuracies of each seed's curve.
    threshold : float
        Plateau when the upper end of the slope's 95 % interval is below this (accuracy per
        decade).
    decades : float
        Width of the window, counted back from the largest budget reached.

    Returns
    -------
    dict
        ``slope``, ``slope_se``, ``slope_ci95`` (half-width), ``points``, ``window`` (first and
        last budget), ``updates_max`` and ``plateau`` (bool; False when fewer than 3 points
        leave no degree of freedom).

    Examples
    --------
    >>> u = [1e3, 2e3, 5e3, 1e4]
    >>> plateau_test([u], [[0.80, 0.801, 0.799, 0.80]])["plateau"]
    True
    >>> plateau_test([u], [[0.5, 0.6, 0.7, 0.8]])["plateau"]
    False
    """
    if len(updates) != len(accuracy) or not updates:
        raise ValueError("updates and accuracy need one curve per seed, the same number of each")
    top = max(max(u) for u in updates)
    start = top / 10**decades
    rows, ys = [], []
    for seed, (u, a) in enumerate(zip(updates, accuracy, strict=True)):
        u, a = np.asarray(u, dtype=float), np.asarray(a, dtype=float)
        if u.shape != a.shape or np.any(u <= 0):
            raise ValueError("each curve needs as many accuracies as budgets, budgets > 0")
        keep = u >= start
        for x, y in zip(np.log10(u[keep]), a[keep], strict=True):
            onehot = np.zeros(len(updates))
            onehot[seed] = 1.0
            rows.append(np.concatenate([[x], onehot]))
            ys.append(y)
    X, y = np.array(rows), np.array(ys)
    X = X[:, np.concatenate([[True], X[:, 1:].any(axis=0)])]  # drop seeds without points
    dof = len(y) - X.shape[1]
    out = {"points": len(y), "window": [float(start), float(top)], "updates_max": float(top)}
    if dof < 1:
        return out | {"slope": None, "slope_se": None, "slope_ci95": None, "plateau": False}
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    cov = np.sum(resid**2) / dof * np.linalg.pinv(X.T @ X)
    se = float(np.sqrt(max(cov[0, 0], 0.0)))
    half = float(stats.t.ppf(0.975, dof) * se)
    slope = float(coef[0])
    return out | {
        "slope": slope,
        "slope_se": se,
        "slope_ci95": half,
        "plateau": bool(slope + half < threshold),
    }


def updates_to_reach(updates: Sequence[float], accuracy: Sequence[float], target: float):
    """The first budget of a (mean) curve whose accuracy reaches ``target`` (None: never).

    >>> updates_to_reach([10, 100, 1000], [0.3, 0.6, 0.7], 0.55)
    100
    """
    for u, a in zip(updates, accuracy, strict=True):
        if a >= target:
            return u
    return None


def predicted_budget(cosines: Sequence[float], units: Sequence[int]) -> dict:
    """T2's budget factors of an NP-type estimate relative to the exact gradient.

    ``cosines``: per layer the ratio-of-moments cosine of the estimate with the true gradient,
    ``|gbar_l| / sqrt(E|G_l|^2)`` (``cosine.approx`` of `layer_estimator_moments`);
    ``units``: perturbed units per layer. Returns ``n_total_plus_2`` (``sum units + 2``),
    ``inverse_cos2`` per layer (``E|G_l|^2 / |gbar_l|^2``) and its mean ``inverse_cos2_mean``.

    >>> predicted_budget([0.5, 0.25], [10, 10])
    {'n_total_plus_2': 22, 'inverse_cos2': [4.0, 16.0], 'inverse_cos2_mean': 10.0}
    """
    inverse = [1.0 / float(c) ** 2 for c in cosines]
    return {
        "n_total_plus_2": int(sum(units)) + 2,
        "inverse_cos2": inverse,
        "inverse_cos2_mean": float(np.mean(inverse)),
    }
