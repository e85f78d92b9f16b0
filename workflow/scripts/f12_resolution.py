"""F12 run: loss derivatives in spiking mode against the rate limit (`analysis.resolution`)."""

import json
import sys
from pathlib import Path

from analysis.resolution import estimator_resolution


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        p = sm.params
        out = estimator_resolution(
            p.run,
            steps=list(p.steps),
            sigmas=list(p.sigmas),
            draws=p.draws,
            batch=p.batch,
            units=p.units,
        )
        for row in out["rows"]:
            slopes = [round(layer["slope"], 4) for layer in row["layers"]]
            print(row["mode"], row["steps"], row["sigma"], "slope per layer", slopes)
        out["config"] = p.run
        Path(sm.output[0]).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
