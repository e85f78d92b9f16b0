"""Simulator speed, measured side by side with Brian2 and with the machine's GEMM rate.

Usage: ``python benchmarks/bench_simulator.py [--json OUT] [--repeats R] [--cython]``

* neuron updates per second of `sim.neurons.simulate_lif` and of Brian2 (numpy target, and the
  cython target with ``--cython`` when it builds) for N = 1,000 and 10,000 LIF neurons and 1,000
  steps of the same model (``dv/dt = (I - v)/tau``, refractory, constant input);
* a batched spiking network presentation (784-500-500-10, batch 256, 20 steps, Bernoulli input)
  against the float64 GEMMs of the same shapes alone: the fraction of the GEMM rate we reach.

All timings are best-of-R wall times measured in this run; only ratios are meaningful.
"""

from __future__ import annotations

import argparse
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

from sim.network import Network
from sim.neurons import simulate_lif
from sim.timing import best_time, report

LIF = dict(tau=10.0, dt=0.1, v_th=1.0, v_reset=0.0, refractory=2.0)
STEPS = 1000


def ours_lif(n: int, repeats: int) -> float:
    current = np.broadcast_to(np.random.default_rng([5, n]).uniform(0.5, 3.0, n), (STEPS, n))
    return best_time(lambda: simulate_lif(current, **LIF), repeats)


def brian2_lif(n: int, repeats: int, target: str) -> float:
    """Time Brian2 running the same model for STEPS steps (after a warm-up run)."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = LIF["dt"] * b2.ms
    group = b2.NeuronGroup(
        n,
        "dv/dt = (I - v) / tau_m : 1 (unless refractory)\nI : 1",
        threshold="v > 1.0",
        reset="v = 0.0",
        refractory=LIF["refractory"] * b2.ms,
        method="exact",
        namespace={"tau_m": LIF["tau"] * b2.ms},
    )
    group.I = np.random.default_rng([5, n]).uniform(0.5, 3.0, n)
    spikes = b2.SpikeMonitor(group)
    net = b2.Network(group, spikes)
    net.run(10 * LIF["dt"] * b2.ms)  # code generation / compilation happens here
    return best_time(lambda: net.run(STEPS * LIF["dt"] * b2.ms), repeats)


def network_vs_gemm(repeats: int) -> dict[str, float]:
    sizes, batch, steps = [784, 500, 500, 10], 256, 20
    rng = np.random.default_rng([5, 0])
    net = Network.init(sizes, rng, steps=steps, encoder="bernoulli")
    drive = net.encode(rng.uniform(0, 1, (batch, sizes[0])), rng)
    t_net = best_time(lambda: net.forward(drive), repeats)
    inputs = [rng.random((steps * batch, n)) for n in sizes[:-1]]
    mats = [w[:, :-1].T.copy() for w in net.weights]
    t_gemm = best_time(lambda: [x @ w for x, w in zip(inputs, mats, strict=True)], repeats)
    flops = 2.0 * steps * batch * sum(a * b for a, b in pairwise(sizes))
    return {
        "network_forward_s": t_net,
        "gemm_only_s": t_gemm,
        "gemm_gflops": flops / t_gemm / 1e9,
        "network_gemm_equivalent_gflops": flops / t_net / 1e9,
        "network_fraction_of_gemm_rate": t_gemm / t_net,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cython", action="store_true", help="also time Brian2's cython target")
    args = parser.parse_args(argv)
    out: dict[str, float] = {}
    targets = ["numpy"] + (["cython"] if args.cython else [])
    for n in (1000, 10000):
        t_ours = ours_lif(n, args.repeats)
        out[f"ours_updates_per_s_N{n}"] = n * STEPS / t_ours
        for target in targets:
            try:
                t_ref = brian2_lif(n, args.repeats, target)
            except Exception as err:  # a target that does not build is reported, not fatal
                print(f"brian2 {target} target unavailable: {err!r}", file=sys.stderr)
                continue
            out[f"brian2_{target}_updates_per_s_N{n}"] = n * STEPS / t_ref
            out[f"speedup_vs_brian2_{target}_N{n}"] = t_ref / t_ours
    out.update(network_vs_gemm(args.repeats))
    return report(out, args.json)


if __name__ == "__main__":
    main()
