"""Experiment building blocks shared by the workflow's F1, F5-F8 rules.

* `lr_sweep`: train one config at several learning rates; the best rate is chosen on the
  validation split (never test); diverged rates are recorded, not fatal.
* `update_cost`: measured wall time of one update per rule and depth, with the rule's
  declared critical-path depth.
* `update_spectra`: singular values of single and accumulated NP or LOCO batch updates and of
  layer activity (F1), at the initial or at given (trained) weights, with the rank bounds.
* `run_config`: one run's config from a shared base (rule name, the rule options that rule
  family understands, depth, learning rate, seed).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence

import numpy as np

from .config import resolve, settings
from .network import Network
from .rules import critical_path_depth, rule_options
from .rules.loco import DEFAULT_REFRESH, with_bias
from .streams import stream
from .timing import best_time
from .train import Diverged, build_network, build_rule, load_data, train, updates_per_epoch

__all__ = [
    "budget_points",
    "budget_run",
    "lr_sweep",
    "run_config",
    "update_cost",
    "update_spectra",
    "with_lr",
]


def with_lr(config: dict, lr: float) -> dict:
    """A copy of ``config`` with ``optimizer.lr = lr``."""
    cfg = copy.deepcopy(config)
    cfg.setdefault("optimizer", {})["lr"] = float(lr)
    return cfg


def run_config(
    base: dict,
    rule: str,
    *,
    depth: int | None = None,
    lr: float | None = None,
    seed: int | None = None,
) -> dict:
    """One run's config: ``base`` for ``rule`` (with the options its family understands).

    ``base["rule"]`` may hold options of several rule families (e.g. ``sigma`` for NP and
    LOCO, ``surrogate_slope`` for BP); only those ``rule`` accepts are kept, so one base serves
    every rule. ``depth``, ``lr`` and ``seed`` set ``network.depth``, ``optimizer.lr`` and
    ``seed`` when given.

    Examples
    --------
    >>> base = {"rule": {"loss": "cross_entropy", "sigma": 0.1, "k": 32}}
    >>> run_config(base, "bp", depth=4)["rule"], run_config(base, "bp", depth=4)["network"]
    ({'name': 'bp', 'loss': 'cross_entropy'}, {'depth': 4})
    >>> run_config(base, "loco", lr=0.01)["rule"]["k"], run_config(base, "np")["rule"]
    (32, {'name': 'np', 'loss': 'cross_entropy', 'sigma': 0.1})
    """
    cfg = copy.deepcopy(base)
    options = {k: v for k, v in cfg.get("rule", {}).items() if k != "name"}
    cfg["rule"] = {"name": rule, **_options_for(rule, options)}
    if depth is not None:
        cfg.setdefault("network", {})["depth"] = int(depth)
    if lr is not None:
        cfg = with_lr(cfg, lr)
    if seed is not None:
        cfg["seed"] = int(seed)
    return cfg


def lr_sweep(config: dict, lrs: Sequence[float]) -> dict:
    """Train ``config`` at each rate; pick the best final validation accuracy.

    Returns a dict with ``runs`` (per rate: lr, diverged, message, history, the first batch's
    loss ``first_loss`` (absent when diverged), and for continual runs
    initial_task_test_acc) and ``best`` (the chosen run's lr, val and test accuracy; test
    accuracy is reported, never used).
    """
    resolve(config)  # fail on a bad config before any training
    runs = []
    for lr in lrs:
        try:
            metrics = train(with_lr(config, lr))
            runs.append(
                {
                    "lr": float(lr),
                    "diverged": False,
                    "message": "",
                    "history": metrics["history"],
                    "first_loss": metrics["first_loss"],
                }
            )
            if "initial_task_test_acc" in metrics:  # continual runs: FWT's baseline
                runs[-1]["initial_task_test_acc"] = metrics["initial_task_test_acc"]
        except Diverged as err:
            runs.append({"lr": float(lr), "diverged": True, "message": str(err), "history": []})
    finished = [r for r in runs if not r["diverged"]]
    best = max(finished, key=lambda r: r["history"][-1]["val_acc"], default=None)
    summary = None
    if best is not None:
        last = best["history"][-1]
        summary = {"lr": best["lr"], "val_acc": last["val_acc"], "test_acc": last["test_acc"]}
    return {"runs": runs, "best": summary}


def budget_points(updates: int, per_decade: int, start: int = 10) -> list[int]:
    """Log-spaced update counts from ``start`` to ``updates`` (both included, unique).

    >>> budget_points(1000, 2)
    [10, 32, 100, 316, 1000]
    """
    if updates <= start:
        return [int(updates)]
    n = int(np.ceil(np.log10(updates / start) * per_decade)) + 1
    return sorted({round(u) for u in np.geomspace(start, updates, n)})


def budget_run(config: dict, lr: float, updates: int, per_decade: int) -> dict:
    """Train ``config`` at rate ``lr`` for at least ``updates`` updates (whole epochs),
    evaluating at `budget_points`; a diverged run is recorded, not fatal.

    Returns ``{"lr", "updates", "diverged", "message", "evaluations", "history"}``.
    """
    per_epoch = updates_per_epoch(with_lr(config, lr))
    points = budget_points(updates, per_decade)
    run = copy.deepcopy(with_lr(config, lr))
    run.setdefault("training", {}).update(epochs=-(-updates // per_epoch), eval_updates=points)
    out = {"lr": float(lr), "updates": int(updates), "diverged": False, "message": ""}
    try:
        metrics = train(run)
    except Diverged as err:
        return out | {"diverged": True, "message": str(err), "evaluations": [], "history": []}
    return out | {"evaluations": metrics["evaluations"], "history": metrics["history"]}


COST_CYCLE = DEFAULT_REFRESH  # updates per timing of `update_cost`: LOCO's refresh cycle


def update_cost(
    config: dict, rules: Sequence[str], depths: Sequence[int], repeats: int = 3
) -> list[dict]:
    """Wall time of one update (estimate + SGD step) per rule and depth, and its stage count.

    Uses random inputs of the config's data shape (784 features, 10 classes) and batch size.
    An update's time is the best of ``repeats`` cycles of `COST_CYCLE` updates on distinct
    batches, divided by the cycle's length, after one warm-up cycle: a cycle spans LOCO's
    periodic work (a subspace fold and cluster refit every ``refresh`` = 10 batches by default).
    """
    runs = {name: settings(run_config(config, name)) for name in rules}  # checks every rule
    first = runs[rules[0]]
    rng = stream(first.seed, "update_cost_inputs")
    batch = first.training.batch_size
    xs = rng.uniform(0, 1, (COST_CYCLE, batch, 784))
    targets = np.eye(10)[rng.integers(0, 10, batch)]
    rows = []
    for depth in depths:
        for name in rules:
            network = dataclasses.replace(first.network, depth=int(depth))
            net = build_network(dataclasses.replace(first, network=network), 784, 10)
            rule = build_rule(runs[name])
            drives = [net.encode(x, rng) for x in xs]

            def one_cycle(rule=rule, net=net, drives=drives) -> None:
                for drive in drives:
                    est = rule.estimate(net, drive, targets, rng)
                    for w, g in zip(net.weights, est.grads, strict=True):
                        w -= 1e-6 * g

            seconds = best_time(one_cycle, repeats) / COST_CYCLE  # LOCO's projectors warm up
            rows.append(
                {
                    "rule": name,
                    "depth": int(depth),
                    "seconds": seconds,
                    "stages": critical_path_depth(rule.dependencies(int(depth))),
                }
            )
    return rows


def _options_for(name: str, options: dict) -> dict:
    """Keep only the options a rule family understands."""
    allowed = rule_options(name)  # read from the rule's signature: never falls behind
    allowed.pop("feedback", None)  # fixed feedback matrices are not a config option
    return {k: v for k, v in options.items() if k in allowed}


def update_spectra(
    config: dict,
    batches: int = 20,
    *,
    rule: str = "np",
    weights: Sequence[np.ndarray] | None = None,
) -> dict:
    """F1: spectra of single and accumulated batch updates and of layer inputs on real data.

    Trains nothing: from the config's initial network, or from ``weights`` (e.g. a trained
    network), draws NP or LOCO estimates (``rule``) on ``batches`` consecutive training batches.
    Per layer ``l`` (``N_l`` units, ``d_l`` inputs plus the bias) it returns the singular values
    of the *last* batch's update (for LOCO, after its projectors have seen every earlier
    batch), of the sum of all updates and of the layer's input activity (bias included), the
    eigenvalues of the centred input covariance (bias excluded) and the rank bounds of T3:
    ``min(B, N_l, d_l + 1)`` for one batch and ``min(batches * B, N_l, d_l + 1)`` for the sum.
    LOCO also reports the rank of each layer's projector at the last batch.

    Raises
    ------
    ValueError
        Unknown ``rule``, too few training samples or ``weights`` of the wrong shapes.
    """
    if rule not in ("np", "loco"):
        raise ValueError(f"rule must be 'np' or 'loco', got {rule!r}")
    cfg = settings(run_config(config, rule))
    batch = cfg.training.batch_size
    if batches * batch > cfg.data.n_train:
        raise ValueError(
            f"update_spectra needs batches * batch_size = {batches * batch} training samples, "
            f"data.n_train is {cfg.data.n_train}"
        )
    data = load_data(cfg)
    net: Network = build_network(cfg, data.n_features, data.n_classes)
    if weights is not None:
        shapes = [w.shape for w in net.weights]
        if [np.shape(w) for w in weights] != shapes:
            raise ValueError(f"weights must have shapes {shapes}")
        net = dataclasses.replace(net, weights=[np.array(w, dtype=np.float64) for w in weights])
    learner = build_rule(cfg)
    rng = stream(cfg.seed, "update_spectra")
    single, total, inputs = None, None, [[] for _ in net.weights]
    projection_rank = None
    for b in range(batches):
        xb = data.train_x[b * batch : (b + 1) * batch]
        yb = np.eye(data.n_classes)[data.train_y[b * batch : (b + 1) * batch]]
        est = learner.estimate(net, net.encode(xb, rng), yb, rng)
        single = [g.copy() for g in est.grads]
        total = single if total is None else [t + g for t, g in zip(total, single, strict=True)]
        projection_rank = est.extras.get("projection_rank")
        for l, pre in enumerate(est.extras["pre_rates"]):
            inputs[l].append(np.asarray(pre, dtype=np.float64))
    sv = lambda m: np.linalg.svd(m, compute_uv=False)  # noqa: E731
    activity = [np.vstack(x) for x in inputs]
    n = batches * batch
    out = {
        "rule": rule,
        "batch_size": batch,
        "batches": batches,
        "units": [w.shape[0] for w in net.weights],
        "inputs": [w.shape[1] - 1 for w in net.weights],
        "rank_bound_single": [min(batch, *w.shape) for w in net.weights],
        "rank_bound_accumulated": [min(n, *w.shape) for w in net.weights],
        "single_update": [sv(g) for g in single],
        "accumulated_update": [sv(g) for g in total],
        "activity": [sv(with_bias(x)) for x in activity],
        "activity_covariance": [sv(x - x.mean(axis=0)) ** 2 / (n - 1) for x in activity],
    }
    if projection_rank is not None:
        out["projection_rank"] = [int(r) for r in projection_rank]
    return out
