"""F4 summary: `analysis.anchors.checks.anchors_summary` of every anchor run."""

from summary_io import read_keyed, write_summary  # workflow/scripts/, on sys.path

from analysis.anchors.checks import anchors_summary


def main(sm) -> None:
    checks = [(*key, data) for key, data in read_keyed(sm.input.runs, sm.params.checks).items()]
    summary, numbers = anchors_summary(checks)
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
