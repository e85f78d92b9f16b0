"""F10 summary: `analysis.regime.regime_summary` of the regime runs, ablations and layers."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.regime import regime_summary


def main(sm) -> None:
    def load(paths, keys):
        return {tuple(k): json.loads(Path(p).read_text()) for k, p in zip(keys, paths, strict=True)}

    summary, numbers = regime_summary(
        load(sm.input.runs, sm.params.runs),
        load(sm.input.ablation, sm.params.ablation),
        json.loads(Path(sm.input.layers).read_text()),
        authors_lr=sm.params.authors_lr,
    )
    write_summary(
        sm,
        summary,
        numbers,
        absent={
            "F10.": "every rate of the cell diverged (or the cell's comparison is missing one)",
        },
    )


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
