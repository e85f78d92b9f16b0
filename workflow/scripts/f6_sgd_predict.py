"""F6 SGD panel: `analysis.stability.sgd_rate_predictions` of one depth's network."""

import json
import sys
from pathlib import Path

from analysis.stability import sgd_rate_predictions


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        out = sgd_rate_predictions(sm.params.run, rules=sm.params.rules, **sm.params.prediction)
        for rule, row in out["rules"].items():
            print(f"{rule}: max stable {row['max_stable']:.4g} +- {row['max_stable_se']:.2g}")
        tmp = Path(sm.output[0] + ".tmp")
        tmp.write_text(
            json.dumps({"config": sm.params.run, **out}, indent=1, sort_keys=True) + "\n"
        )
        tmp.replace(sm.output[0])


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
