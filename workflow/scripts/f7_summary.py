"""F7 summary: `analysis.continual.continual_rules_summary` of the continual runs."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.continual import continual_rules_summary


def main(sm) -> None:
    records = read_keyed(sm.input.runs, sm.params.runs)
    summary, numbers = continual_rules_summary(records, sm.params.cfg, sm.params.tasks)
    write_summary(
        sm,
        summary,
        numbers,
        absent={"F7.": "every seed of the cell diverged (or, fwt, no accuracy before training)"},
    )


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
