"""The numbers the paper quotes: ``results/numbers.json`` with the keys of every archived figure
(``params.archived``) from the archive (`figures.archive.quoted_numbers`)."""

import json
from pathlib import Path

from figures.archive import quoted_numbers


def main(sm) -> None:
    fresh = json.loads(Path(sm.input.numbers).read_text())
    archive = json.loads(Path(sm.input.archive[0]).read_text()) if sm.input.archive else {}
    numbers = quoted_numbers(fresh, archive, list(sm.params.archived))
    Path(sm.output[0]).write_text(json.dumps(numbers, indent=1) + "\n")
    Path(sm.log[0]).write_text(f"archived figures: {list(sm.params.archived)}\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
