"""F11 run: `sim.experiments.budget_run` at the rate the rule's short sweep chose (input
``tune``; every rate of it diverged: its middle rate), evaluated at log-spaced budgets."""

import json
import sys
from pathlib import Path

from sim.experiments import budget_run


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        tune = json.loads(Path(sm.input.tune).read_text())
        lrs = [r["lr"] for r in tune["runs"]]
        lr = tune["best"]["lr"] if tune["best"] else lrs[len(lrs) // 2]
        out = budget_run(sm.params.run, lr, sm.params.updates, sm.params.per_decade)
        last = out["evaluations"][-1] if out["evaluations"] else {}
        print(f"lr={lr:g} diverged={out['diverged']} {out['message']} final={last}")
        out["config"] = sm.params.run
        tmp = Path(sm.output[0] + ".tmp")
        tmp.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
        tmp.replace(sm.output[0])


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
