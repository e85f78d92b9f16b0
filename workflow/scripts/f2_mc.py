"""F2 run: one panel of `analysis.estimator_checks` (wildcard ``panel``), written as JSON."""

import json
import sys
from pathlib import Path

import numpy as np

from analysis.estimator_checks import PANELS


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        rng = np.random.default_rng(sm.params.entropy)
        panel = PANELS[sm.wildcards.panel]
        result = panel(dict(sm.params.cfg), rng, sm.params.samples, sm.params.n_batches)
        result["samples"] = sm.params.samples
        text = json.dumps(result, indent=1, sort_keys=True)
        print(text)
        Path(sm.output[0]).write_text(text + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
