"""F10 summary: `analysis.regime.regime_summary` of the regime runs, ablations and layers."""

import json
from pathlib import Path

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.regime import regime_summary


def main(sm) -> None:
    summary, numbers = regime_summary(
        read_keyed(sm.input.runs, sm.params.runs),
        read_keyed(sm.input.ablation, sm.params.ablation),
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
