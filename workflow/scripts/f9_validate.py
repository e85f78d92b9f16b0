"""F9: one parameter set simulated by sim.neurons and by Brian2 (numpy target).

Input currents are fresh each step (mean 1.2, sd 1.5) so both sub- and supra-threshold
dynamics, resets and refractoriness are exercised; initial potentials are random. Writes the
full traces (npz) and the agreement statistics (json).
"""

import json
import sys
import time

import numpy as np

from sim.brian2_reference import brian2_run
from sim.neurons import NeuronParams, integrate


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        p = NeuronParams(**sm.params.neuron)
        steps, n = sm.params.steps, sm.params.neurons
        rng = np.random.default_rng(sm.params.entropy)
        current = rng.normal(1.2, 1.5, (steps, n)) * (p.v_th - p.v_reset) + p.v_reset
        v0 = rng.uniform(p.v_reset, p.v_th, n)
        t0 = time.perf_counter()
        ours_s, ours_v = integrate(current, p, v0)
        t1 = time.perf_counter()
        # Brian2's "exact" integrator rejects dv/dt = I/tau; forward Euler is exact for IF.
        method = p.method if p.leak else "euler"
        ref_s, ref_v = brian2_run(
            current, tau=p.tau, dt=p.dt, v_th=p.v_th, v_reset=p.v_reset, refractory=p.refractory,
            method=method, reset=p.reset, leak=p.leak, v0=v0,
        )  # fmt: skip
        print(f"ours {t1 - t0:.3f} s, brian2 {time.perf_counter() - t1:.3f} s (timing not saved)")
        mismatch = ours_s != ref_s
        first = np.flatnonzero(mismatch.any(axis=1))
        stats = {
            "parameters": sm.params.neuron,
            "steps": steps,
            "neurons": n,
            "spikes_ours": int(ours_s.sum()),
            "spikes_brian2": int(ref_s.sum()),
            "spike_mismatches": int(mismatch.sum()),
            "spike_trains_identical": bool(not mismatch.any()),
            "first_mismatch_step": int(first[0]) if first.size else None,
            "max_abs_dv": float(np.max(np.abs(ours_v - ref_v))),
        }
        print(json.dumps(stats, indent=2))
        np.savez_compressed(
            sm.output.npz, current=current, v0=v0, dt=p.dt, v_th=p.v_th,
            ours_spikes=ours_s, ours_v=ours_v, brian2_spikes=ref_s, brian2_v=ref_v,
        )  # fmt: skip
        with open(sm.output.json, "w") as f:
            json.dump(stats, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
