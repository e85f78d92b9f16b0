"""F1 run: train with NP or LOCO, then take update and activity spectra per layer.

`sim.train.train` trains the run's config; `sim.experiments.update_spectra` then draws the
rule's estimates on ``batches`` consecutive training batches, once at the initial and once at
the trained weights, and returns per layer the singular values of the last batch's update, of
the summed updates and of the layer's inputs, the centred input covariance spectrum and the
rank bounds ``min(B, N, d + 1)``. Saved as one npz (arrays named ``<stage>_<what>_L<l>``).
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from sim.experiments import update_spectra
from sim.train import train

PER_LAYER = ("single_update", "accumulated_update", "activity", "activity_covariance")


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        run, rule, batches = sm.params.run, sm.wildcards.rule, sm.params.batches
        with tempfile.TemporaryDirectory() as tmp:
            metrics = train(run, tmp)
            with np.load(Path(tmp) / "weights.npz") as f:
                weights = [f[f"arr_{l}"] for l in range(len(f.files))]
        last = metrics["history"][-1]
        print(f"trained {rule}: val {last['val_acc']:.3f} test {last['test_acc']:.3f}")
        arrays = {}
        meta = {"rule": rule, "history": metrics["history"], "sizes": metrics["sizes"]}
        for stage, w in (("init", None), ("trained", weights)):
            spectra = update_spectra(run, batches, rule=rule, weights=w)
            for key in PER_LAYER:
                for l, values in enumerate(spectra[key]):
                    arrays[f"{stage}_{key}_L{l + 1}"] = values
            for key in (
                "batch_size",
                "batches",
                "units",
                "inputs",
                "rank_bound_single",
                "rank_bound_accumulated",
            ):
                meta[key] = spectra[key]
            meta[f"{stage}_projection_rank"] = spectra.get("projection_rank")
        np.savez(sm.output[0], meta=json.dumps(meta, sort_keys=True), **arrays)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
