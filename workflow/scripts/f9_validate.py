"""F9 run: `sim.brian2_reference.compare_with_brian2` on one parameter set; traces (npz, no
timing) and agreement statistics (json)."""

import json
import sys

import numpy as np

from sim.brian2_reference import compare_with_brian2


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        rng = np.random.default_rng(sm.params.entropy)
        stats, traces = compare_with_brian2(
            sm.params.neuron, sm.params.steps, sm.params.neurons, rng
        )
        ours, brian2 = traces.pop("seconds_ours"), traces.pop("seconds_brian2")
        print(f"ours {ours:.3f} s, brian2 {brian2:.3f} s (timing not saved)")
        print(json.dumps(stats, indent=2))
        np.savez_compressed(sm.output.npz, **traces)
        with open(sm.output.json, "w") as f:
            json.dump(stats, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
