"""F11 summary: `analysis.budget.budget_summary` of the sweeps, long runs and layer moments."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.budget import budget_summary


def main(sm) -> None:
    summary, numbers, absent = budget_summary(
        read_keyed(sm.input.tune, sm.params.tune),
        read_keyed(sm.input.runs, sm.params.runs),
        read_keyed(sm.input.layers, sm.params.depths),
        sm.params.cfg,
        read_keyed(sm.input.spiking, sm.params.spiking),
    )
    write_summary(sm, summary, numbers, absent=absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
