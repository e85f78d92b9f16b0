"""F6 summary: `analysis.convergence.rate_grid_summary` of the runs over the rate grid."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.convergence import rate_grid_summary


def main(sm) -> None:
    runs: dict = {}
    for path, key in zip(sm.input.runs, sm.params.runs, strict=True):
        runs.setdefault(tuple(key), []).append(json.loads(Path(path).read_text()))
    summary, numbers, absent = rate_grid_summary(
        runs, cfg=sm.params.cfg, base=sm.params.base, margin=sm.params.margin,
        seeds=sm.params.seeds,
    )  # fmt: skip
    write_summary(sm, summary, numbers, absent=absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
