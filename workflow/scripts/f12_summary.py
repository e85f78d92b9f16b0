"""F12 summary: `analysis.resolution.resolution_summary` of the measurement and the cells."""

import json
from pathlib import Path

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.resolution import resolution_summary


def main(sm) -> None:
    summary, numbers = resolution_summary(
        json.loads(Path(sm.input.resolution).read_text()),
        read_keyed(sm.input.runs, sm.params.runs),
    )
    write_summary(
        sm,
        summary,
        numbers,
        absent={
            "F12.": "every rate of the cell diverged",
            "F12.signal.": "the rate limit's cosine was not positive in any hidden layer",
        },
    )


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
