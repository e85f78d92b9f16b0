"""F6, measured convergence: NP and LOCO over the rate grid; curves at each rule's best rate.
The SGD panel (`sgd_grid_summary`): measured stability edges and best rates against
`analysis.stability`'s predictions.

Per rule and rate, the final validation and test accuracies are averaged over seeds; a rate at
which any seed diverged counts as diverged. The best rate has the highest mean final validation
accuracy among the non-diverged rates; its mean test accuracy is the reported final accuracy.
The largest stable rate (`analysis.runs.largest_stable_lr`) is the largest rate that neither
diverged nor ended at or below chance + training.chance_margin validation accuracy.
"""

from __future__ import annotations

import numpy as np

from sim.train import updates_per_epoch

from .runs import chance, mean_se

__all__ = ["rate_grid_summary", "sgd_edge", "sgd_grid_summary"]


def rate_grid_summary(
    runs: dict, *, cfg: dict, base: dict, margin: float, seeds: list[int]
) -> tuple[dict, dict, dict]:
    """F6's summary, numbers and the reasons numbers may be absent (module docstring).

    ``runs``: {(rule, rate, seed): one-rate lr_sweep record} (the rate as the file names it;
    each record's own rate is the one used);
    ``cfg`` the F6 settings, ``base`` the resolved training base config, "learns" above
    chance + ``margin``, ``seeds`` the training seeds.
    """
    threshold = chance(base) + margin
    by_rule: dict = {}
    for (rule, _rate, _seed), record in runs.items():
        (run,) = record["runs"]
        by_rule.setdefault(rule, {}).setdefault(run["lr"], []).append(run)
    runs = by_rule
    summary = {
        "threshold": threshold,
        "chance": chance(base),
        "config": dict(cfg),
        "updates_per_epoch": updates_per_epoch(base),
        "rules": {},
    }
    numbers = {
        "F6.learning_threshold": threshold,
        "F6.epochs": cfg["epochs"],
        "F6.depth": cfg["depth"],
        "F6.updates_per_epoch": summary["updates_per_epoch"],
        "F6.min_lr": min(cfg["lr_grid"]),
        "F6.max_lr": max(cfg["lr_grid"]),
        "F6.n_lrs": len(cfg["lr_grid"]),
        "F6.n_seeds": len(seeds),
    }
    for rule in cfg["rules"]:
        grid = []
        for lr in sorted(runs[rule]):
            seeds = runs[rule][lr]
            diverged = any(r["diverged"] for r in seeds)
            entry = {
                "lr": lr,
                "diverged": diverged,
                "n_diverged": sum(r["diverged"] for r in seeds),
                "messages": [r["message"] for r in seeds if r["diverged"]],
            }
            if not diverged:
                for key in ("val_acc", "test_acc", "train_loss"):
                    entry[key] = np.mean([[h[key] for h in r["history"]] for r in seeds], axis=0)
                    entry[key] = entry[key].tolist()
                entry["final_val"], _ = mean_se(r["history"][-1]["val_acc"] for r in seeds)
                entry["final_test"], entry["final_test_se"] = mean_se(
                    r["history"][-1]["test_acc"] for r in seeds
                )
            grid.append(entry)
        ok = [e for e in grid if not e["diverged"]]
        best = max(ok, key=lambda e: e["final_val"], default=None)
        # the largest stable rate: no seed diverged and the mean final validation accuracy
        # learns (the grid's analogue of analysis.runs.largest_stable_lr)
        stable = max((e["lr"] for e in ok if e["final_val"] > threshold), default=None)
        summary["rules"][rule] = {
            "grid": grid,
            "best_lr": best and best["lr"],
            "max_stable_lr": stable,
        }
        numbers[f"F6.best_lr.{rule}"] = best and best["lr"]
        numbers[f"F6.max_stable_lr.{rule}"] = stable
        numbers[f"F6.final_acc.{rule}"] = best and best["final_test"]
        numbers[f"F6.best_val_acc.{rule}"] = best and best["final_val"]
        numbers[f"F6.first_epoch_acc.{rule}"] = best and best["test_acc"][0]
        top = grid[-1]  # the largest rate of the grid: how each rule fares far above its best
        numbers[f"F6.val_acc_at_max_lr.{rule}"] = None if top["diverged"] else top["final_val"]
        numbers[f"F6.n_diverged_lrs.{rule}"] = len(grid) - len(ok)
        # True: even the largest rate tried was stable, so the edge lies above the grid
        numbers[f"F6.stable_at_grid_max.{rule}"] = stable == max(cfg["lr_grid"])
        if len(seeds) > 1:
            numbers[f"F6.final_acc_se.{rule}"] = best and best["final_test_se"]
    if {"np", "loco"} <= set(cfg["rules"]):
        ratio = lambda a, b: a / b if a and b else None  # noqa: E731
        numbers["F6.best_lr_ratio"] = ratio(numbers["F6.best_lr.loco"], numbers["F6.best_lr.np"])
        numbers["F6.max_stable_lr_ratio"] = ratio(
            numbers["F6.max_stable_lr.loco"], numbers["F6.max_stable_lr.np"]
        )
    every_rate = "every rate of the grid diverged for this rule"
    absent = {
        "F6.val_acc_at_max_lr": "the largest rate of the grid diverged",
        "F6.max_stable_lr": "no rate ended above the learning threshold without diverging",
        "F6.best_lr": every_rate,
        "F6.final_acc": every_rate,
        "F6.best_val_acc": every_rate,
        "F6.first_epoch_acc": every_rate,
        "F6.final_acc_se": every_rate,
        "F6.best_lr_ratio": "a rule's best rate is absent",
        "F6.max_stable_lr_ratio": "a rule's largest stable rate is absent",
    }
    return summary, numbers, absent


Z_AGREE = 2.0  # a prediction agrees when its +-2 SE interval meets the measured bracket


def sgd_edge(grid: list[dict]) -> tuple[float | None, float | None]:
    """The measured stability edge of a rate sweep as a bracket ``(stable, diverged)``: the
    smallest rate at which any seed diverged and the largest rate below it (None: the lowest
    rate diverged, or no rate did: the edge lies above the grid).

    >>> sgd_edge([{"lr": 0.1, "diverged": False}, {"lr": 0.3, "diverged": True},
    ...           {"lr": 1.0, "diverged": False}])
    (0.1, 0.3)
    """
    rates = sorted(grid, key=lambda e: e["lr"])
    first = next((e["lr"] for e in rates if e["diverged"]), None)
    below = [e["lr"] for e in rates if first is None or e["lr"] < first]
    return (max(below) if below else None), first


def _meets(lo: float | None, hi: float | None, centre: float, se: float) -> bool:
    """Does the interval ``centre +- Z_AGREE se`` meet ``[lo, hi]`` (None: open end)?"""
    return (hi is None or centre - Z_AGREE * se <= hi) and (
        lo is None or centre + Z_AGREE * se >= lo
    )


def _loss_grew(run: dict) -> bool:
    """Unstable: training stopped it (non-finite values, loss above max_loss_factor times the
    first batch's, a silent layer), or it finished with its last epoch's mean training loss at
    or above the first batch's (a bounded loss, e.g. cross-entropy on rates, cannot explode)."""
    return run["diverged"] or run["history"][-1]["train_loss"] >= run["first_loss"]


def _quotient(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b is not None else None


def sgd_grid_summary(
    runs: dict, predictions: dict, *, cfg: dict, regimes: dict | None = None
) -> tuple[dict, dict, dict]:
    """F6's SGD panel: per rule and depth the sweep, its edge bracket and best rate, against
    the predicted ones; LOCO's edge over NP's, measured and predicted.

    ``runs``: {(rule, depth, rate as named, seed): one-rate lr_sweep record};
    ``predictions``: {depth: `analysis.stability.sgd_rate_predictions` output}; ``cfg`` the
    F6.sgd settings; ``regimes``: {name: prediction} of further regimes (no sweep), reported
    as ``F6.sgd.regime_*.<rule>_np.<name>``. A rate is unstable ("diverged") when any seed's
    loss grew (`_loss_grew`). Returns (summary, numbers, absent).
    """
    cells: dict = {}
    for (rule, depth, _rate, _seed), record in runs.items():
        (run,) = record["runs"]
        cells.setdefault((rule, int(depth)), {}).setdefault(run["lr"], []).append(run)
    summary: dict = {"config": dict(cfg), "cells": {}, "ratios": {}}
    numbers: dict = {"F6.sgd.epochs": cfg["epochs"], "F6.sgd.n_lrs": len(cfg["lr_grid"])}
    for (rule, depth), by_lr in sorted(cells.items()):
        grid = []
        for lr in sorted(by_lr):
            seeds = by_lr[lr]
            grew = [_loss_grew(r) for r in seeds]
            entry = {"lr": lr, "diverged": any(grew), "seeds": len(seeds)}
            entry["n_diverged"] = sum(r["diverged"] for r in seeds)  # by training's criteria
            entry["n_loss_grew"] = sum(grew) - entry["n_diverged"]  # finished, loss above start
            if not entry["diverged"]:
                entry["final_val"] = float(np.mean([r["history"][-1]["val_acc"] for r in seeds]))
                entry["final_test"] = float(np.mean([r["history"][-1]["test_acc"] for r in seeds]))
            grid.append(entry)
        stable, diverged = sgd_edge(grid)
        ok = [e for e in grid if not e["diverged"]]
        best = max(ok, key=lambda e: e["final_val"], default=None)
        pred = predictions[depth]["rules"][rule]
        cell = f"{rule}.L{depth}"
        agrees = _meets(stable, diverged, pred["max_stable"], pred["max_stable_se"])
        root = pred["step_root"]["max_stable"]
        summary["cells"][cell] = {
            "rule": rule,
            "depth": depth,
            "grid": grid,
            "max_stable_lr": stable,
            "first_diverged_lr": diverged,
            "best_lr": best and best["lr"],
            "predicted": pred,
            "edge_agrees": agrees,
        }
        numbers |= {
            f"F6.sgd.max_stable_lr.{cell}": stable,
            f"F6.sgd.first_diverged_lr.{cell}": diverged,
            f"F6.sgd.best_lr.{cell}": best and best["lr"],
            f"F6.sgd.final_acc.{cell}": best and best["final_test"],
            f"F6.sgd.predicted_max_stable_lr.{cell}": pred["max_stable"],
            f"F6.sgd.predicted_max_stable_lr_se.{cell}": pred["max_stable_se"],
            f"F6.sgd.predicted_best_lr.{cell}": pred["best"],
            f"F6.sgd.predicted_best_lr_se.{cell}": pred["best_se"],
            f"F6.sgd.edge_agrees.{cell}": agrees,
            # measured edge over predicted: the bracket's ends (None: open)
            f"F6.sgd.edge_ratio_lo.{cell}": stable and stable / pred["max_stable"],
            f"F6.sgd.edge_ratio_hi.{cell}": diverged and diverged / pred["max_stable"],
            f"F6.sgd.best_ratio.{cell}": best and best["lr"] / pred["best"],
            # the edge from measured one-step loss changes (no quadratic model)
            f"F6.sgd.predicted_step_root.{cell}": pred["step_root"]["max_stable"],
            f"F6.sgd.predicted_step_root_se.{cell}": pred["step_root"]["max_stable_se"],
            f"F6.sgd.step_root_agrees.{cell}": root is not None
            and _meets(stable, diverged, root, pred["step_root"]["max_stable_se"]),
        }
    for depth, pred in sorted(predictions.items()):
        for rule, ratio in pred["ratios"].items():
            if f"{rule}.L{depth}" not in summary["cells"] or f"np.L{depth}" not in summary["cells"]:
                continue  # a cell predicted only (F6.sgd.skip)
            mine, ref = summary["cells"][f"{rule}.L{depth}"], summary["cells"][f"np.L{depth}"]
            lo = _quotient(mine["max_stable_lr"], ref["first_diverged_lr"])  # the brackets'
            hi = _quotient(mine["first_diverged_lr"], ref["max_stable_lr"])  # widest ratio
            key = f"{rule}_np.L{depth}"
            summary["ratios"][key] = {"measured": [lo, hi], "predicted": ratio}
            numbers |= {
                f"F6.sgd.edge_ratio_measured_lo.{key}": lo,
                f"F6.sgd.edge_ratio_measured_hi.{key}": hi,
                f"F6.sgd.edge_ratio_predicted.{key}": ratio["max_stable"],
                f"F6.sgd.edge_ratio_predicted_se.{key}": ratio["max_stable_se"],
                f"F6.sgd.edge_ratio_agrees.{key}": _meets(
                    lo, hi, ratio["max_stable"], ratio["max_stable_se"]
                ),
                f"F6.sgd.step_root_ratio.{key}": ratio["step_root"],
                f"F6.sgd.curvature_ratio.{key}": ratio["curvature"],
                f"F6.sgd.descent_ratio.{key}": ratio["descent"],
            }
    for name, pred in sorted((regimes or {}).items()):
        summary["ratios"][name] = pred["ratios"]
        for rule, ratio in pred["ratios"].items():
            key = f"{rule}_np.{name}"
            numbers |= {
                f"F6.sgd.regime_edge_ratio_predicted.{key}": ratio["max_stable"],
                f"F6.sgd.regime_edge_ratio_predicted_se.{key}": ratio["max_stable_se"],
                f"F6.sgd.regime_descent_ratio.{key}": ratio["descent"],
                f"F6.sgd.regime_curvature_ratio.{key}": ratio["curvature"],
            }
    absent = {
        "F6.sgd.max_stable_lr": "the lowest SGD rate of the grid diverged",
        "F6.sgd.first_diverged_lr": "no SGD rate of the grid diverged (the edge lies above it)",
        "F6.sgd.best_lr": "every SGD rate diverged",
        "F6.sgd.final_acc": "every SGD rate diverged",
        "F6.sgd.best_ratio": "every SGD rate diverged",
        "F6.sgd.edge_ratio_lo": "the lowest SGD rate of the grid diverged",
        "F6.sgd.edge_ratio_hi": "no SGD rate of the grid diverged",
        "F6.sgd.edge_ratio_measured_lo": "an edge bracket is open at this end",
        "F6.sgd.edge_ratio_measured_hi": "an edge bracket is open at this end",
        "F6.sgd.predicted_step_root": "one step's mean loss change never turned positive",
        "F6.sgd.predicted_step_root_se": "one step's mean loss change never turned positive",
        "F6.sgd.step_root_ratio": "a rule's step root is absent",
    }
    return summary, numbers, absent
