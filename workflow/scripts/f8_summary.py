"""F8 summary: `analysis.update_cost.update_cost_summary` of the update-cost runs."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.update_cost import update_cost_summary


def main(sm) -> None:
    records = read_keyed(sm.input.runs, sm.params.runs)
    summary, numbers, timing = update_cost_summary(records, sm.params.cfg, sm.params.base)
    write_summary(sm, summary, numbers, timing)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
