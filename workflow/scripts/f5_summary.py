"""F5 summary: `analysis.depth.depth_summary` of the runs, ablations and per-layer moments."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.depth import depth_summary


def main(sm) -> None:
    summary, numbers, absent = depth_summary(
        read_keyed(sm.input.runs, sm.params.runs),
        read_keyed(sm.input.ablation, sm.params.ablation),
        read_keyed(sm.input.layers, sm.params.layer_depths),
        cfg=sm.params.cfg,
        base=sm.params.base,
        margin=sm.params.margin,
        lr=sm.params.lr,
        seeds=sm.params.seeds,
    )
    write_summary(sm, summary, numbers, absent=absent)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
