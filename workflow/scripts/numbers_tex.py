"""Write ``paper/generated/numbers.tex`` from ``results/numbers.json`` (`figures.tex`)."""

import json
from pathlib import Path

from figures.tex import number_macros


def main(sm) -> None:
    numbers = json.loads(Path(sm.input[0]).read_text())
    Path(sm.output[0]).write_text(number_macros(numbers))


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
