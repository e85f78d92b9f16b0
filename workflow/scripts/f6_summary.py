"""F6 summary: `analysis.convergence.rate_grid_summary` of the Adam runs over the rate grid and
`analysis.convergence.sgd_grid_summary` of the SGD sweeps against their predictions."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.convergence import rate_grid_summary, sgd_grid_summary


def main(sm) -> None:
    summary, numbers, absent = rate_grid_summary(
        read_keyed(sm.input.runs, sm.params.runs),
        cfg=sm.params.cfg,
        base=sm.params.base,
        margin=sm.params.margin,
        seeds=sm.params.seeds,
    )
    sgd, sgd_numbers, sgd_absent = sgd_grid_summary(
        read_keyed(sm.input.sgd_runs, sm.params.sgd_runs),
        read_keyed(sm.input.sgd_predictions, sm.params.sgd_depths),
        cfg=sm.params.cfg["sgd"],
        regimes=read_keyed(sm.input.sgd_regimes, sm.params.sgd_regimes),
    )
    summary["sgd"] = sgd
    write_summary(sm, summary, numbers | sgd_numbers, absent=absent | sgd_absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
