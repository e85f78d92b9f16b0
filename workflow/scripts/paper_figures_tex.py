"""Write ``paper/generated/figures.tex``: the figure switches (`figures.tex.figure_switches`)."""

from pathlib import Path

from figures.tex import figure_switches


def main(sm) -> None:
    archived = {fig: list(v) for fig, v in dict(sm.params.archived).items()}
    text = figure_switches(sm.params.figures, dict(sm.params.names), sm.params.profile, archived)
    Path(sm.output[0]).write_text(text)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
