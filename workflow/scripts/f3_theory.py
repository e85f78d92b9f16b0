"""F3 theory: `analysis.curves.curve_theory`, written as theory.npz and rates.json."""

import json
import sys
from pathlib import Path

import numpy as np

from analysis.curves import curve_theory


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        rates, arrays = curve_theory(sm.params.cfg, np.random.default_rng(sm.params.entropy))
        for v, r in rates.items():
            print(v, json.dumps(r))
        np.savez_compressed(sm.output.npz, **arrays)
        Path(sm.output.json).write_text(json.dumps(rates, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
