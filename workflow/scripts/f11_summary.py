"""F11 summary: `analysis.budget.budget_summary` of the sweeps, long runs and layer moments."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.budget import budget_summary


def main(sm) -> None:
    def load(paths, keys):
        return {tuple(k): json.loads(Path(p).read_text()) for k, p in zip(keys, paths, strict=True)}

    summary, numbers, absent = budget_summary(
        load(sm.input.tune, sm.params.tune),
        load(sm.input.runs, sm.params.runs),
        {k[0]: v for k, v in load(sm.input.layers, [[d] for d in sm.params.depths]).items()},
        sm.params.cfg,
    )
    write_summary(sm, summary, numbers, absent=absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
