"""F5/F6/F10-F12 run: train one config at each rate of ``params.lrs`` (`sim.experiments.lr_sweep`).

With an input named ``lr_from`` (another run's output, e.g. the learning-rate sweep of the
first seed) only that run's best rate is trained (times each of ``params.lr_factors`` when
given); when every rate of that run diverged, all of ``params.lrs`` are. Rates in
``params.fixed`` (optional) are trained in every case. Writes ``{"config", "lrs", "lr_from",
"runs", "best"}``: per rate its per-epoch history (train loss and accuracy, validation and test
accuracy, update norms) or the divergence message; ``best`` is the rate with the highest final
validation accuracy (None when every rate diverged).
"""

import json
import sys
from pathlib import Path

from sim.experiments import lr_sweep


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        run, lrs = sm.params.run, list(sm.params.lrs)
        lr_from = sm.input.get("lr_from")
        if lr_from:
            chosen = json.loads(Path(lr_from).read_text())["best"]
            factors = sm.params.get("lr_factors", [1])
            lrs = lrs if chosen is None else [chosen["lr"] * f for f in factors]
            print(f"learning rate from {lr_from}: {lrs}")
        lrs += [lr for lr in sm.params.get("fixed", []) if lr not in lrs]
        sweep = lr_sweep(run, lrs)
        for r in sweep["runs"]:
            last = r["history"][-1] if r["history"] else {}
            print(
                f"lr={r['lr']:g} diverged={r['diverged']} {r['message']} "
                f"val={last.get('val_acc')} test={last.get('test_acc')}"
            )
        out = {"config": run, "lrs": lrs, "lr_from": lr_from or None, **sweep}
        tmp = Path(sm.output[0] + ".tmp")
        tmp.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
        tmp.replace(sm.output[0])


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
