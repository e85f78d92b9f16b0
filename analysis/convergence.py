"""F6, measured convergence: NP and LOCO over the rate grid; curves at each rule's best rate.

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

__all__ = ["rate_grid_summary"]


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
