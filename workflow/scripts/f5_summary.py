"""F5 summary: test accuracy vs depth per rule (mean and SE over seeds), learning depth.

A run's accuracy is that of its learning rate with the best final validation accuracy (test
accuracy never chooses). A seed whose every rate diverged has no accuracy: it is counted in
``F5.diverged`` and left out of the means. ``max_learning_depth``: the largest depth whose mean
test accuracy exceeds chance + training.chance_margin (None: no depth).
"""

import json
from pathlib import Path

import numpy as np
from summary_io import write_summary  # workflow/scripts/, on sys.path
from train_stats import chance, mean, mean_se, run_name  # workflow/scripts/, on sys.path


def main(sm) -> None:
    cfg, base = sm.params.cfg, sm.params.base
    threshold = chance(base) + sm.params.margin
    runs: dict = {}
    for path in sm.input.runs:
        rule, depth, seed = run_name(path)
        runs.setdefault(rule, {}).setdefault(int(depth[1:]), {})[int(seed[1:])] = json.loads(
            Path(path).read_text()
        )
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
            seeds = runs[rule][depth]
            best = {s: r["best"] for s, r in seeds.items()}
            curves = []
            for s, r in seeds.items():
                if best[s] is not None:
                    (run,) = [x for x in r["runs"] if x["lr"] == best[s]["lr"]]
                    curves.append([h["test_acc"] for h in run["history"]])
            test, se = mean_se(b["test_acc"] if b else None for b in best.values())
            per_depth[depth] = {
                "test_acc": test,
                "test_acc_se": se,
                "val_acc": mean(b["val_acc"] if b else None for b in best.values()),
                "diverged": sum(b is None for b in best.values()),
                "best_lr": {s: (b["lr"] if b else None) for s, b in best.items()},
                "test_curve": np.mean(curves, axis=0).tolist() if curves else [],
            }
            key = f"{rule}.L{depth}"
            numbers[f"F5.test_acc.{key}"] = test
            numbers[f"F5.val_acc.{key}"] = per_depth[depth]["val_acc"]
            numbers[f"F5.diverged.{key}"] = per_depth[depth]["diverged"]
            if len(seeds) > 1:
                numbers[f"F5.test_acc_se.{key}"] = se
        learning = [
            d
            for d, v in per_depth.items()
            if v["test_acc"] is not None and v["test_acc"] > threshold
        ]
        numbers[f"F5.max_learning_depth.{rule}"] = max(learning, default=None)
        numbers[f"F5.lr.{rule}"] = sm.params.lr[rule]
        summary["rules"][rule] = {str(d): v for d, v in per_depth.items()}
    data, net, train = base["data"], base["network"], base["training"]
    numbers |= {
        "F5.n_seeds": len(sm.params.seeds),
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
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
