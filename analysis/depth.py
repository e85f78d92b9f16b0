"""F5: test accuracy against depth per rule, LOCO ablations, per-layer estimator moments.

A run's accuracy is that of its learning rate with the best final validation accuracy (test
accuracy never chooses; seeds after the first reuse the first seed's choice). A seed whose every
rate diverged has no accuracy: it is counted in ``F5.diverged`` and left out of the means.
Means come with the SE over seeds and the half-width of a 95% t interval. ``max_learning_depth``:
the largest depth whose mean test accuracy exceeds chance + training.chance_margin (None: no
depth). Ablations are compared with full LOCO and NP at the ablation depth. The per-layer
moments (rate mode, at initialisation) report the largest |z| of measured against predicted
second moments, the mean cosine with the true gradient and LOCO's second moment relative to NP's.
"""

from __future__ import annotations

import numpy as np

from .runs import chance, ci95, mean, mean_se

__all__ = ["depth_summary"]


def _best_accuracies(seeds: dict) -> dict:
    """Per seed the chosen run's {lr, val_acc, test_acc} (None: every rate diverged)."""
    return {s: r["best"] for s, r in seeds.items()}


def _accuracy_stats(best: dict) -> dict:
    tests = [b["test_acc"] if b else None for b in best.values()]
    test, se = mean_se(tests)
    return {
        "test_acc": test,
        "test_acc_se": se,
        "test_acc_ci95": ci95(tests),
        "val_acc": mean(b["val_acc"] if b else None for b in best.values()),
        "diverged": sum(b is None for b in best.values()),
        "best_lr": {s: (b["lr"] if b else None) for s, b in best.items()},
    }


def _ablations(ablation: dict, runs: dict, depth: int) -> tuple[dict, dict]:
    seeds: dict = {}
    for (variant, seed), record in ablation.items():
        seeds.setdefault(variant, {})[int(seed)] = record
    rows = {"full": runs["loco"][depth]}
    if "np" in runs:
        rows["np"] = runs["np"][depth]
    rows |= seeds
    summary, numbers = {}, {"F5.ablation.depth": depth}
    for name, by_seed in rows.items():
        stats = _accuracy_stats(_best_accuracies(by_seed))
        summary[name] = stats
        numbers[f"F5.ablation.test_acc.{name}"] = stats["test_acc"]
        numbers[f"F5.ablation.test_acc_ci95.{name}"] = stats["test_acc_ci95"]
    return summary, numbers


def _layers(layers: dict) -> tuple[dict, dict]:
    summary, numbers, worst = {}, {}, 0.0
    for res in layers.values():
        depth, layers = res["depth"], res["layers"]
        worst = max(
            [worst] + [abs(x[r]["second_moment"]["z"]) for x in layers for r in ("np", "loco")]
        )
        ratio = [
            x["loco"]["second_moment"]["theory"] / x["np"]["second_moment"]["theory"]
            for x in layers
        ]
        summary[str(depth)] = res
        numbers[f"F5.layers.variance_ratio.L{depth}"] = float(np.mean(ratio))
        for rule in ("np", "loco"):
            cos = [x[rule]["cosine"]["mc"] for x in layers]
            numbers[f"F5.layers.mean_cos.{rule}.L{depth}"] = float(np.mean(cos))
            numbers[f"F5.layers.first_cos.{rule}.L{depth}"] = cos[0]
        numbers["F5.layers.draws"] = res["draws"]
        numbers["F5.layers.sigma"] = res["sigma"]
    numbers["F5.layers.max_abs_z"] = worst
    return summary, numbers


def depth_summary(
    runs: dict,
    ablation: dict,
    layers: dict,
    *,
    cfg: dict,
    base: dict,
    margin: float,
    lr: dict,
    seeds: list[int],
) -> tuple[dict, dict, dict]:
    """F5's summary, numbers and the reasons numbers may be absent (see the module docstring).

    Parameters
    ----------
    runs : {(rule, depth, seed): lr_sweep record}
    ablation : {(variant, seed): lr_sweep record}
    layers : {depth: `layer_estimator_moments` output}
    cfg, base : the F5 settings and the resolved training base config
    margin : "learns" means test accuracy above chance + margin
    lr : each rule's base rate; seeds : the training seeds
    """
    threshold = chance(base) + margin
    by_rule: dict = {}
    for (rule, depth, seed), record in runs.items():
        by_rule.setdefault(rule, {}).setdefault(int(depth), {})[int(seed)] = record
    runs = by_rule
    summary = {
        "threshold": threshold,
        "chance": chance(base),
        "config": dict(cfg),
        "base": base,
        "rules": {},
    }
    numbers = {"F5.learning_threshold": threshold}
    for rule in cfg["rules"]:
        per_depth = {}
        for depth in sorted(runs[rule]):
            by_seed = runs[rule][depth]
            best = _best_accuracies(by_seed)
            curves = []
            for s, r in by_seed.items():
                if best[s] is not None:
                    (run,) = [x for x in r["runs"] if x["lr"] == best[s]["lr"]]
                    curves.append([h["test_acc"] for h in run["history"]])
            per_depth[depth] = _accuracy_stats(best) | {
                "test_curve": np.mean(curves, axis=0).tolist() if curves else []
            }
            test, se = per_depth[depth]["test_acc"], per_depth[depth]["test_acc_se"]
            key = f"{rule}.L{depth}"
            numbers[f"F5.test_acc.{key}"] = test
            numbers[f"F5.val_acc.{key}"] = per_depth[depth]["val_acc"]
            numbers[f"F5.diverged.{key}"] = per_depth[depth]["diverged"]
            numbers[f"F5.best_lr.{key}"] = per_depth[depth]["best_lr"].get(min(by_seed))
            if len(by_seed) > 1:
                numbers[f"F5.test_acc_se.{key}"] = se
                numbers[f"F5.test_acc_ci95.{key}"] = per_depth[depth]["test_acc_ci95"]
        learning = [
            d
            for d, v in per_depth.items()
            if v["test_acc"] is not None and v["test_acc"] > threshold
        ]
        numbers[f"F5.max_learning_depth.{rule}"] = max(learning, default=None)
        numbers[f"F5.lr.{rule}"] = lr[rule]
        summary["rules"][rule] = {str(d): v for d, v in per_depth.items()}
    if ablation:
        summary["ablation"], found = _ablations(ablation, runs, cfg["ablation"]["depth"])
        numbers |= found
    summary["layers"], found = _layers(layers)
    numbers |= found
    data, net, train = base["data"], base["network"], base["training"]
    numbers |= {
        "F5.n_seeds": len(seeds),
        "F5.n_train": data["n_train"],
        "F5.n_val": data["n_val"],
        "F5.n_test": data["n_test"],
        "F5.epochs": train["epochs"],
        "F5.batch_size": train["batch_size"],
        "F5.hidden": net["hidden"],
        "F5.steps": net["steps"],
        "F5.min_depth": min(cfg["depths"]),
        "F5.max_depth": max(cfg["depths"]),
        "F5.n_lr_factors": len(cfg["lr_factors"]),
        "F5.chance": chance(base),
        "F5.sigma": base["rule"].get("sigma"),
    }
    absent = {
        "F5.max_learning_depth": "the rule learns (test accuracy above the threshold) at no depth",
        "F5.test_acc": "every seed diverged",
        "F5.val_acc": "every seed diverged",
        "F5.test_acc_se": "fewer than two seeds finished",
        "F5.test_acc_ci95": "fewer than two seeds finished",
        "F5.best_lr": "every rate of the sweep diverged",
        "F5.ablation.test_acc_ci95": "fewer than two seeds finished",
        "F5.ablation.test_acc": "every seed diverged",
    }
    return summary, numbers, absent
