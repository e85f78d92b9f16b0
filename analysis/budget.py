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

from .runs import at_grid_edge, ci95, mean, mean_curve

__all__ = [
    "budget_summary",
    "plateau_test",
    "predicted_budget",
    "spiking_comparison",
    "updates_to_reach",
]


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


def spiking_comparison(spiking: dict, curves: dict) -> tuple[dict, dict]:
    """Spiking runs against the rate-mode mean curves of the same rule and depth (same rate).

    ``spiking``: {(rule, depth): `sim.experiments.budget_run` record in spiking mode};
    ``curves``: F11's rate-mode mean curves {"<rule>.L<d>": {"updates", "test_acc"}}. Per cell
    ``F11.spiking.test_acc`` (last evaluation), ``F11.spiking.updates_max`` and
    ``F11.spiking.rate_test_acc`` (the rate curve at that budget, linear in log updates, within
    its evaluated range). Returns (curves, numbers).

    >>> run = {"diverged": False, "evaluations": [{"updates": 10, "test_acc": 0.3},
    ...                                           {"updates": 100, "test_acc": 0.5}]}
    >>> rate = {"np.L3": {"updates": [10, 1000], "test_acc": [0.4, 0.8]}}
    >>> round(spiking_comparison({("np", 3): run}, rate)[1]["F11.spiking.rate_test_acc.np.L3"], 9)
    0.6
    """
    out, numbers = {}, {}
    for (rule, depth), record in sorted(spiking.items()):
        tag = f"{rule}.L{depth}"
        points = [] if record["diverged"] else record["evaluations"]
        updates = [e["updates"] for e in points]
        acc = [e["test_acc"] for e in points]
        out[tag] = {"updates": updates, "test_acc": acc}
        rate = curves.get(tag, {"updates": []})
        top = updates[-1] if updates else None
        span = rate["updates"]
        inside = top is not None and bool(span) and span[0] <= top <= span[-1]
        numbers |= {
            f"F11.spiking.test_acc.{tag}": acc[-1] if acc else None,
            f"F11.spiking.updates_max.{tag}": top,
            f"F11.spiking.rate_test_acc.{tag}": float(
                np.interp(np.log10(top), np.log10(rate["updates"]), rate["test_acc"])
            ) if inside else None,
        }  # fmt: skip
    return out, numbers


def budget_summary(
    tune: dict, runs: dict, layers: dict, cfg: dict, spiking: dict | None = None
) -> tuple[dict, dict, dict]:
    """F11's summary, numbers and the reasons numbers may be absent.

    Parameters
    ----------
    tune : {(rule, depth): lr_sweep record at the short budget}; its best rate is the rule's
    runs : {(rule, depth, seed): `sim.experiments.budget_run` record}
    layers : {depth: `layer_estimator_moments` output} (NP moments at initialisation)
    cfg : the F11 settings (``plateau_threshold``, ``target_fraction``)
    spiking : {(rule, depth): spiking-mode `budget_run` record}, optional (`spiking_comparison`)

    Numbers per rule and depth ``<rule>.L<d>``: ``lr``, ``test_acc`` (mean over seeds of the
    last evaluation, with ``test_acc_ci95``), ``updates_max``, ``plateau`` (`plateau_test`),
    ``slope`` and ``slope_ci95``, ``diverged``, ``updates_to_target`` (first budget at which
    the mean curve reaches ``target_fraction`` x BP's final accuracy at that depth); per depth
    ``target``, ``n_total_plus_2``, ``inverse_cos2`` and ``predicted_updates.<factor>`` (BP's
    updates to the target times each T2 factor).
    """
    numbers: dict = {"F11.plateau_threshold": cfg["plateau_threshold"]}
    summary: dict = {"curves": {}, "predicted": {}}
    keys = sorted({(r, d) for r, d, _ in runs}, key=lambda k: (k[1], k[0]))
    for rule, depth in keys:
        records = [runs[k] for k in sorted(runs) if k[:2] == (rule, depth)]
        tag = f"{rule}.L{depth}"
        best = tune[(rule, depth)]["best"]
        numbers[f"F11.lr.{tag}"] = best["lr"] if best else None
        tried = [r["lr"] for r in tune[(rule, depth)]["runs"]]
        numbers[f"F11.lr_at_grid_edge.{tag}"] = at_grid_edge(numbers[f"F11.lr.{tag}"], tried)
        done = [r for r in records if not r["diverged"] and r["evaluations"]]
        numbers[f"F11.diverged.{tag}"] = len(records) - len(done)
        finals = [r["evaluations"][-1]["test_acc"] for r in done]
        numbers[f"F11.test_acc.{tag}"] = mean(finals)
        numbers[f"F11.test_acc_ci95.{tag}"] = ci95(finals)
        average = mean_curve(
            [{"updates": [e["updates"] for e in r["evaluations"]],
              "test_acc": [e["test_acc"] for e in r["evaluations"]]} for r in done]
        )  # fmt: skip
        updates, acc = average["updates"], average["test_acc"]
        numbers[f"F11.updates_max.{tag}"] = updates[-1] if updates else None
        test = plateau_test(
            [[e["updates"] for e in r["evaluations"]] for r in done],
            [[e["test_acc"] for e in r["evaluations"]] for r in done],
            threshold=cfg["plateau_threshold"],
        ) if done else {"plateau": None, "slope": None, "slope_ci95": None}  # fmt: skip
        numbers[f"F11.plateau.{tag}"] = test["plateau"]
        numbers[f"F11.slope.{tag}"] = test["slope"]
        numbers[f"F11.slope_ci95.{tag}"] = test["slope_ci95"]
        summary["curves"][tag] = {"updates": updates, "test_acc": acc, "plateau": test}
    for depth in sorted({d for _, d in keys}):
        bp = summary["curves"].get(f"bp.L{depth}")
        final_bp = numbers.get(f"F11.test_acc.bp.L{depth}")
        target = cfg["target_fraction"] * final_bp if final_bp is not None else None
        numbers[f"F11.target.L{depth}"] = target
        for rule in sorted({r for r, d in keys if d == depth}):
            curve = summary["curves"][f"{rule}.L{depth}"]
            reach = target and updates_to_reach(curve["updates"], curve["test_acc"], target)
            numbers[f"F11.updates_to_target.{rule}.L{depth}"] = reach
        if depth in layers:
            moments = layers[depth]["layers"]
            factors = predicted_budget(
                [layer["np"]["cosine"]["approx"] for layer in moments],
                [layer["units"] for layer in moments],
            )
            numbers[f"F11.n_total_plus_2.L{depth}"] = factors["n_total_plus_2"]
            numbers[f"F11.inverse_cos2.L{depth}"] = factors["inverse_cos2_mean"]
            bp_reach = numbers.get(f"F11.updates_to_target.bp.L{depth}")
            predicted = {}
            for name, factor in (("n_total_plus_2", factors["n_total_plus_2"]),
                                 ("inverse_cos2", factors["inverse_cos2_mean"])):  # fmt: skip
                value = bp_reach * factor if bp_reach else None
                numbers[f"F11.predicted_updates.{name}.L{depth}"] = value
                predicted[name] = value
            summary["predicted"][str(depth)] = {
                "target": target,
                "updates": predicted,
                "factors": factors,
            }
        if bp is None:
            summary["predicted"].setdefault(str(depth), {"target": None, "updates": {}})
    if spiking:
        summary["spiking"], more = spiking_comparison(spiking, summary["curves"])
        numbers |= more
    absent = {
        "F11.lr": "every rate of the sweep diverged",
        "F11.test_acc": "every seed diverged",
        "F11.test_acc_ci95": "fewer than two seeds finished",
        "F11.updates_max": "every seed diverged",
        "F11.plateau": "every seed diverged",
        "F11.slope": "too few evaluations in the last decade, or every seed diverged",
        "F11.target": "BP is not among the rules, or it diverged",
        "F11.updates_to_target": "the mean curve never reached the target (or there is none)",
        "F11.predicted_updates": "BP never reached the target (or there is none)",
        "F11.spiking": "the spiking run diverged, or its budget lies outside the rate curve's",
    }
    return summary, numbers, absent
