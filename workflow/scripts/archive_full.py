"""Archive a full-profile build under ``paper/full/`` (`figures.archive.write_archive`)."""

import json
from pathlib import Path

from figures.archive import write_archive


def main(sm) -> None:
    built = {"numbers": sm.input.numbers, "paper": sm.input.paper, "figures": sm.input.figures}
    outputs = {k: getattr(sm.output, k) for k in ("manifest", "numbers", "config", "paper")}
    outputs["figures"] = list(sm.output.figures)
    manifest = write_archive(
        built, outputs, list(sm.params.figures), dict(sm.params.config),
        list(sm.params.training_figures), sm.params.profile,
    )  # fmt: skip
    Path(sm.log[0]).write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
