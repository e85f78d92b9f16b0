"""F1 summary: `analysis.spectra.spectra_summary` of the runs' update and activity spectra."""

import numpy as np
from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.spectra import spectra_summary


def main(sm) -> None:
    runs = {}
    for path, key in zip(sm.input.runs, sm.params.runs, strict=True):
        with np.load(path) as f:
            runs[tuple(key)] = dict(f)
    summary, numbers = spectra_summary(runs, sm.params.cfg)
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
