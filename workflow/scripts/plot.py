"""Generic figure rule body: import the figure module named by input ``module`` and save.

The module's ``make(**named_inputs) -> Figure`` receives every named input except ``module``,
``style`` and ``code`` (paths as strings) and builds the figure under the project style.
"""

import importlib
import sys
from pathlib import Path

from figures.io import save_figure, style


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        name = "figures." + Path(sm.input.module).stem
        module = importlib.import_module(name)
        inputs = {k: v for k, v in sm.input.items() if k not in ("module", "style", "code")}
        with style(sm.input.style):
            fig = module.make(**inputs)
            save_figure(fig, sm.output.pdf, sm.output.png)
        print(f"{name}: wrote {sm.output.pdf} and {sm.output.png}")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
