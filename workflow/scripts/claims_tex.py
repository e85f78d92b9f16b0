"""Write ``paper/generated/claims.tex``: the claims table (`figures.claims`, criteria there)."""

import json
from pathlib import Path

from figures.claims import claims_table


def main(sm) -> None:
    numbers = json.loads(Path(sm.input[0]).read_text())
    Path(sm.output[0]).write_text(claims_table(numbers, list(sm.params.figures)))
    Path(sm.log[0]).write_text("ok\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
