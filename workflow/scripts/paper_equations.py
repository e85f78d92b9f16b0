"""Write ``paper/generated/equations.tex`` from ``analysis.derivations.latex_equations()``
(`figures.tex.equation_macros`)."""

from pathlib import Path

from analysis.derivations import latex_equations
from figures.tex import equation_macros


def main(sm) -> None:
    Path(sm.output[0]).write_text(equation_macros(dict(latex_equations())))


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
