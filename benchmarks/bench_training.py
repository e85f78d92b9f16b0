"""Training throughput of NP and LOCO against the matrix products they cannot avoid.

Usage: ``python benchmarks/bench_training.py [--json OUT] [--repeats R]``

One *update* is what a training step costs: the rule's estimate (clean and perturbed pass,
per-layer estimates, LOCO's projection) plus an Adam step. Four configurations, IF networks
with cross-entropy and sigma 0.1 (the experiments' settings):

=============  ===========================================================================
spiking_L3     spiking, 784-256-256-10, batch 64, 10 steps
spiking_L10    spiking, 10 layers of width 256, batch 64, 10 steps
rate_authors   rate, 784-500-500-10, batch 1000 (the authors' setup)
rate_L10       rate, 10 layers of width 256, batch 64
=============  ===========================================================================

Keys per configuration, all measured side by side in this run (best of R, timed in turns, one
BLAS thread; per update, averaged over a cycle of 10 updates; LOCO in its steady state):
``<config>.np_presentations_per_s`` and ``<config>.loco_presentations_per_s`` (samples per
second of training), ``<config>.loco_over_np_cost`` (update time ratio; goal <= 1.25) and
``<config>.np_roofline_fraction`` (the float64 time of the update's matrix products alone,
two forward passes and one outer product per layer, over NP's update time; goal >= 0.7). Plus
``spiking_L10.float32_speedup``: NP's update time in float64 over float32 (goal >= 1.7).

``<config>.loco_over_np_floor``: the float64 time of LOCO's matrix products over NP's (the
roofline's), at LOCO's projector rank r (``<config>.loco_projector_rank``, mean over layers: the
mean and k = 64 principal directions, less those the cluster protection removes): NP's products
with the estimate's projection in place of the outer product, plus the projection of the Adam
step (about 4 n d r flops per layer each). With NP at the roofline goal, LOCO/NP cannot fall
below 0.7 times this floor, however little else LOCO spends; at batch 64 and r = 65 the step's
projection alone is 2 r / (3 B) ~ 2/3 of NP's products in rate mode.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sim.allocator import keep_freed_memory
from sim.network import Network
from sim.optim import Optimizer
from sim.rules import make_rule
from sim.rules.loco import DEFAULT_REFRESH, with_bias
from sim.timing import best_time, report

CONFIGS = {
    "spiking_L3": {"sizes": [784, 256, 256, 10], "batch": 64, "mode": "spiking", "steps": 10},
    "spiking_L10": {"sizes": [784] + [256] * 9 + [10], "batch": 64, "mode": "spiking", "steps": 10},
    "rate_authors": {"sizes": [784, 500, 500, 10], "batch": 1000, "mode": "rate", "steps": 10},
    "rate_L10": {"sizes": [784] + [256] * 9 + [10], "batch": 64, "mode": "rate", "steps": 10},
}
RULE_OPTIONS = {"sigma": 0.1, "loss": "cross_entropy"}
CYCLE = DEFAULT_REFRESH  # updates per timed call: one refresh cycle of LOCO's subspace tracker


def _network(cfg: dict, rng: np.random.Generator, dtype: str = "float64") -> Network:
    return Network.init(
        cfg["sizes"],
        rng,
        gain=np.sqrt(6),
        steps=cfg["steps"],
        mode=cfg["mode"],
        readout="membrane",
        dtype=dtype,
    )


def updater(cfg: dict, rule: str, dtype: str = "float64") -> Callable[[], None]:
    """``CYCLE`` updates (estimate + Adam step) of ``rule`` per call, on rotating batches.

    LOCO is timed in its steady state: 20 updates first, then its cluster banks are filled to
    their full buffers (1000 stored directions, jittered copies of the batches' means), so
    every k-means refit touches the whole buffer; a call spans one subspace-refresh cycle.
    """
    rng = np.random.default_rng([11, 0])
    net = _network(cfg, rng, dtype)
    learner = make_rule(rule, **RULE_OPTIONS)
    optimizer = Optimizer("adam", lr=1e-4)
    pool = [rng.uniform(0, 1, (cfg["batch"], cfg["sizes"][0])) for _ in range(4)]
    targets = np.eye(cfg["sizes"][-1])[rng.integers(0, cfg["sizes"][-1], cfg["batch"])]
    state = {"i": 0}

    def one_update() -> None:
        x = pool[state["i"] % len(pool)]
        state["i"] += 1
        est = learner.estimate(net, net.encode(x, rng), targets, rng)
        learner.update(net, est.grads, optimizer)

    for _ in range(20):
        one_update()
    for l, projector in enumerate(getattr(learner, "projectors", [])):
        bank = getattr(projector, "bank", None)
        if bank is None:
            continue
        mean = with_bias(net.forward(net.encode(pool[0], rng)).pre_rates[l]).mean(axis=0)
        while bank.stored < bank.buffer:
            bank.assign(mean * (1.0 + 1e-3 * rng.standard_normal(mean.size)))

    def cycle() -> None:
        for _ in range(CYCLE):
            one_update()

    cycle.learner = learner
    return cycle


def interleaved_times(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Best time of each function, timed in turns so that load changes hit all alike."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            best[name] = min(best[name], best_time(fn, 1, warmup=False))
    return best


def roofline(cfg: dict, ranks: list[int] | None = None) -> Callable[[], None]:
    """The update's matrix products in float64, whose time is the roofline: two forward
    passes and one outer product per layer, at the shapes of ``cfg``. In spiking mode a
    layer's product covers all steps at once, except layer 0, whose input (the current
    encoder's constant intensities) is the same at every step.

    With ``ranks`` (LOCO's projector rank r per layer), the products LOCO adds, in the order
    it computes them: the estimate's projection ``((xi^T ([x, 1] W)) M) W^T`` in place of the
    outer product, and the Adam step's ``((S W) M) W^T`` (about 4 n d r flops each), the
    floor of LOCO's update time."""
    rng = np.random.default_rng([11, 1])
    steps = cfg["steps"] if cfg["mode"] == "spiking" else 1
    sizes = list(zip(cfg["sizes"][:-1], cfg["sizes"][1:], strict=True))
    layers = [
        (rng.uniform(0, 1, (cfg["batch"] * (steps if l else 1), n_in)),
         rng.normal(size=(n_in, n_out)),
         rng.normal(size=(cfg["batch"], n_out)), rng.uniform(0, 1, (cfg["batch"], n_in + 1)))
        for l, (n_in, n_out) in enumerate(sizes)
    ]  # fmt: skip
    projections = [  # (W, M, Adam step) per layer
        (rng.normal(size=(n_in + 1, r)), rng.normal(size=(r, r)),
         rng.normal(size=(n_out, n_in + 1)))
        for (n_in, n_out), r in zip(sizes, ranks or [], strict=False)
    ]  # fmt: skip

    def products() -> None:
        for x, w, xi, xbar in layers:
            x @ w
            x @ w
            if not projections:
                xi.T @ xbar
        for (_, _, xi, xbar), (W, M, step) in zip(layers, projections, strict=False):
            ((xi.T @ (xbar @ W)) @ M) @ W.T
            ((step @ W) @ M) @ W.T

    return products


def measure(repeats: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, cfg in CONFIGS.items():
        fns = {"np": updater(cfg, "np"), "loco": updater(cfg, "loco"), "roofline": roofline(cfg)}
        ranks = [p.rank for p in fns["loco"].learner.projectors]
        fns["loco_floor"] = roofline(cfg, ranks)
        if name == "spiking_L10":
            fns["np32"] = updater(cfg, "np", dtype="float32")
        t = interleaved_times(fns, repeats)
        t = {k: v / (1 if k in ("roofline", "loco_floor") else CYCLE) for k, v in t.items()}
        out[f"{name}.np_update_s"] = t["np"]
        out[f"{name}.loco_update_s"] = t["loco"]
        out[f"{name}.np_presentations_per_s"] = cfg["batch"] / t["np"]
        out[f"{name}.loco_presentations_per_s"] = cfg["batch"] / t["loco"]
        out[f"{name}.loco_over_np_cost"] = t["loco"] / t["np"]
        out[f"{name}.np_roofline_fraction"] = t["roofline"] / t["np"]
        out[f"{name}.loco_over_np_floor"] = t["loco_floor"] / t["roofline"]
        out[f"{name}.loco_projector_rank"] = float(np.mean(ranks))
        if "np32" in t:
            out[f"{name}.float32_speedup"] = t["np"] / t["np32"]
    return out


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    keep_freed_memory()  # as sim.train.train does
    with threadpool_limits(limits=1, user_api="blas"):
        return report(measure(args.repeats), args.json)


if __name__ == "__main__":
    main()
