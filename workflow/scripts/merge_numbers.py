"""Merge the per-figure ``results/F<n>/numbers.json`` parts into ``results/numbers.json`` and
``results/numbers_timing_keys.json`` (`figures.archive.merge_parts`); sorted keys, so the same
inputs give the same bytes."""

import json
from pathlib import Path

from figures.archive import merge_parts


def main(sm) -> None:
    numbers, timing = merge_parts(list(sm.input.parts))
    Path(sm.output.numbers).write_text(json.dumps(numbers, indent=1, sort_keys=True) + "\n")
    Path(sm.output.timing).write_text(json.dumps(timing, indent=1) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
