"""F6 summary: `analysis.convergence.rate_grid_summary` of the runs over the rate grid."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.convergence import rate_grid_summary


def main(sm) -> None:
    summary, numbers, absent = rate_grid_summary(
        read_keyed(sm.input.runs, sm.params.runs),
        cfg=sm.params.cfg,
        base=sm.params.base,
        margin=sm.params.margin,
        seeds=sm.params.seeds,
    )
    write_summary(sm, summary, numbers, absent=absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
