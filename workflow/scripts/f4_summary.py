"""F4 summary: `analysis.anchors.checks.anchors_summary` of every anchor run."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.anchors.checks import anchors_summary


def main(sm) -> None:
    checks = [
        (anchor, arg, json.loads(Path(path).read_text()))
        for (anchor, arg), path in zip(sm.params.checks, sm.input.runs, strict=True)
    ]
    summary, numbers = anchors_summary(checks)
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
