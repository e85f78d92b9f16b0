"""F3 run: `analysis.anchors.linear_student.simulate_covariance_student` of one variant at its
predicted optimal rate (``f3_curve``) or at a ratio of its stability edge (``f3_sweep``)."""

import json
import sys
from pathlib import Path

import numpy as np

from analysis.anchors.linear_student import loss_curve_stats, simulate_covariance_student


def main(sm) -> None:
    cfg, variant = sm.params.cfg, sm.wildcards.variant
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        theory = np.load(sm.input.theory)
        rates = json.loads(Path(sm.input.rates).read_text())[variant]
        ratio = float(sm.wildcards.ratio) if "ratio" in sm.wildcards.keys() else None
        eta = rates["eta_opt"] if ratio is None else ratio * rates["eta_max"]
        Q = theory["P"] if variant == "np_loco" else None
        rng = np.random.default_rng(sm.params.entropy)
        loss = simulate_covariance_student(
            variant, theory["C"], Q, theory["E0"], eta, cfg["steps"], cfg["sigma"],
            cfg["replicates"], rng,
        )  # fmt: skip
        stats = loss_curve_stats(loss)
        print(f"{variant} eta={eta:.6g}: diverged {stats['diverged']:.3f} of {loss.shape[0]}")
        ratio = np.nan if ratio is None else ratio
        np.savez_compressed(sm.output[0], eta=eta, ratio=ratio, **stats)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
