"""F8 summary: `analysis.update_cost.update_cost_summary` of the update-cost runs."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.update_cost import update_cost_summary


def main(sm) -> None:
    records = {
        tuple(key): json.loads(Path(path).read_text())
        for path, key in zip(sm.input.runs, sm.params.runs, strict=True)
    }
    summary, numbers, timing = update_cost_summary(records, sm.params.cfg, sm.params.base)
    write_summary(sm, summary, numbers, timing)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
