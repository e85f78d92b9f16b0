"""F4 run: one `analysis.anchors.checks.anchor_check` (wildcards name the anchor), as JSON."""

import json
import sys
from pathlib import Path

import numpy as np

from analysis.anchors.checks import anchor_check


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        rng = np.random.default_rng(sm.params.entropy)
        result = anchor_check(sm.params.anchor, sm.params.arg, sm.params.cfg, rng)
        text = json.dumps(result, indent=1, sort_keys=True)
        print(text)
        Path(sm.output[0]).write_text(text + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
