"""F5 summary: `analysis.depth.depth_summary` of the runs, ablations and per-layer moments."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.depth import depth_summary


def main(sm) -> None:
    def load(paths, keys=None):
        records = [json.loads(Path(p).read_text()) for p in paths]
        return records if keys is None else dict(zip(map(tuple, keys), records, strict=True))

    summary, numbers, absent = depth_summary(
        load(sm.input.runs, sm.params.runs),
        load(sm.input.ablation, sm.params.ablation),
        load(sm.input.layers),
        cfg=sm.params.cfg,
        base=sm.params.base,
        margin=sm.params.margin,
        lr=sm.params.lr,
        seeds=sm.params.seeds,
    )
    write_summary(sm, summary, numbers, absent=absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
