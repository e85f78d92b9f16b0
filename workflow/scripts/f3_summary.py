"""F3 summary: `analysis.curves.curves_summary` of the simulated curves and sweeps."""

import json
from pathlib import Path

import numpy as np
from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.curves import curves_summary


def main(sm) -> None:
    curves = {v: dict(np.load(p)) for v, p in zip(sm.params.curves, sm.input.curves, strict=True)}
    sweeps = [(v, dict(np.load(p))) for v, p in zip(sm.params.sweeps, sm.input.sweeps, strict=True)]
    summary, numbers = curves_summary(
        dict(np.load(sm.input.theory)), json.loads(Path(sm.input.rates).read_text()), curves,
        sweeps, sm.params.cfg,
    )  # fmt: skip
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
