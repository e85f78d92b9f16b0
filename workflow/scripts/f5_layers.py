"""F5/F10 run: per-layer NP and projected-NP estimator moments (`analysis.layer_estimates`).

The network is the F5 network at initialisation in rate mode, where the true gradient is exact;
LOCO's projectors see ``params.warmup`` training batches first. Writes the measured second
moments and cosines with the true gradient per layer, with the T2/T4 predictions.
"""

import json
import sys
from pathlib import Path

from analysis.layer_estimates import layer_estimator_moments


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        projected = tuple(sm.params.get("projected", ["loco"]))
        out = layer_estimator_moments(
            sm.params.run, draws=sm.params.draws, warmup=sm.params.warmup, projected=projected
        )
        for l, layer in enumerate(out["layers"]):
            print(l, {r: layer[r]["second_moment"]["z"] for r in ("np", *projected)})
        out["config"] = sm.params.run
        Path(sm.output[0]).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
