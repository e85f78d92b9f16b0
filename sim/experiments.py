"""Experiment building blocks shared by the workflow's F1, F5-F8 rules.

* `lr_sweep`: train one config at several learning rates; the best rate is chosen on the
  validation split (never test); diverged rates are recorded, not fatal.
* `max_stable_lr`: the largest rate of a grid that trains without diverging.
* `update_cost`: measured wall time of one update per rule and depth, with the rule's
  declared critical-path depth.
* `update_spectra`: singular values of accumulated NP updates and of layer activity (F1).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

import numpy as np

from .config import resolve
from .network import Network
from .rules import critical_path_depth, make_rule
from .rules.loco import with_bias
from .train import Diverged, build_network, load_data, train

__all__ = ["lr_sweep", "max_stable_lr", "update_cost", "update_spectra", "with_lr"]


def with_lr(config: dict, lr: float) -> dict:
    """A copy of ``config`` with ``optimizer.lr = lr``."""
    cfg = copy.deepcopy(config)
    cfg.setdefault("optimizer", {})["lr"] = float(lr)
    return cfg


def lr_sweep(config: dict, lrs: Sequence[float]) -> dict:
    """Train ``config`` at each rate; pick the best final validation accuracy.

    Returns a dict with ``runs`` (per rate: lr, diverged, message, history) and ``best``
    (the chosen run's lr, val and test accuracy; test accuracy is reported, never used).
    """
    resolve(config)  # fail on a bad config before any training
    runs = []
    for lr in lrs:
        try:
            history = train(with_lr(config, lr))["history"]
            runs.append({"lr": float(lr), "diverged": False, "message": "", "history": history})
        except Diverged as err:
            runs.append({"lr": float(lr), "diverged": True, "message": str(err), "history": []})
    finished = [r for r in runs if not r["diverged"]]
    best = max(finished, key=lambda r: r["history"][-1]["val_acc"], default=None)
    summary = None
    if best is not None:
        last = best["history"][-1]
        summary = {"lr": best["lr"], "val_acc": last["val_acc"], "test_acc": last["test_acc"]}
    return {"runs": runs, "best": summary}


def max_stable_lr(sweep: dict) -> float | None:
    """Largest learning rate of a finished `lr_sweep` that did not diverge."""
    stable = [r["lr"] for r in sweep["runs"] if not r["diverged"]]
    return max(stable, default=None)


def update_cost(
    config: dict, rules: Sequence[str], depths: Sequence[int], repeats: int = 3
) -> list[dict]:
    """Wall time of one update (estimate + SGD step) per rule and depth, and its stage count.

    Uses random inputs of the config's data shape (784 features, 10 classes) and batch size.
    """
    cfg = resolve(config)
    rng = np.random.default_rng([cfg["seed"], 20])
    batch = cfg["training"]["batch_size"]
    x = rng.uniform(0, 1, (batch, 784))
    targets = np.eye(10)[rng.integers(0, 10, batch)]
    rows = []
    for depth in depths:
        for name in rules:
            run_cfg = copy.deepcopy(cfg)
            run_cfg["network"]["depth"] = int(depth)
            net = build_network(run_cfg, 784, 10)
            options = {k: v for k, v in cfg["rule"].items() if k != "name"}
            rule = make_rule(name, **_options_for(name, options))
            drive = net.encode(x, rng)
            rule.estimate(net, drive, targets, rng)  # warm-up (LOCO builds its projectors)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                est = rule.estimate(net, drive, targets, rng)
                for w, g in zip(net.weights, est.grads, strict=True):
                    w -= 1e-6 * g
                times.append(time.perf_counter() - start)
            rows.append(
                {
                    "rule": name,
                    "depth": int(depth),
                    "seconds": min(times),
                    "stages": critical_path_depth(rule.dependencies(int(depth))),
                }
            )
    return rows


def _options_for(name: str, options: dict) -> dict:
    """Keep only the options a rule family understands."""
    perturbation = {"sigma", "loss", "noise"}
    loco = perturbation | {
        "k",
        "energy",
        "forget",
        "n_clusters",
        "new_cluster_cos",
        "alpha",
        "drop_tol",
        "lowrank",
        "clusters",
    }
    gradient = {"loss", "seed", "surrogate_slope"}
    allowed = {"np": perturbation, "wp": {"sigma", "loss"}, "loco": loco}.get(name, gradient)
    return {k: v for k, v in options.items() if k in allowed}


def update_spectra(config: dict, batches: int = 20) -> dict:
    """F1: spectra of accumulated NP batch updates and of layer inputs on real data.

    Trains nothing: from the config's initial network, draws ``batches`` NP estimates on
    consecutive training batches and returns per layer the singular values of one batch update,
    of their sum, and of the layer's input activity (bias included), plus the batch size.
    """
    cfg = resolve(config)
    data = load_data(cfg)
    net: Network = build_network(cfg, data.n_features, data.n_classes)
    rule = make_rule(
        "np", **_options_for("np", {k: v for k, v in cfg["rule"].items() if k != "name"})
    )
    rng = np.random.default_rng([cfg["seed"], 21])
    batch = cfg["training"]["batch_size"]
    single, total, inputs = None, None, [[] for _ in net.weights]
    for b in range(batches):
        xb = data.train_x[b * batch : (b + 1) * batch]
        yb = np.eye(data.n_classes)[data.train_y[b * batch : (b + 1) * batch]]
        est = rule.estimate(net, net.encode(xb, rng), yb, rng)
        single = single or [g.copy() for g in est.grads]
        total = (
            [g.copy() for g in est.grads]
            if total is None
            else [t + g for t, g in zip(total, est.grads, strict=True)]
        )
        for l, pre in enumerate(est.extras["pre_rates"]):
            inputs[l].append(with_bias(pre))
    sv = lambda m: np.linalg.svd(m, compute_uv=False)  # noqa: E731
    return {
        "batch_size": batch,
        "batches": batches,
        "single_update": [sv(g) for g in single],
        "accumulated_update": [sv(g) for g in total],
        "activity": [sv(np.vstack(x)) for x in inputs],
    }
