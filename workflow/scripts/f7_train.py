"""F7 run: train one rule on the task sequence (``data.tasks``) with `sim.train.train`.

`train` calls ``rule.end_task()`` after each task (LOCO protects the finished task's input
directions) and records, after every epoch, ``task_test_acc``: the test accuracy on every task
with the argmax over that task's classes. A diverging run is recorded, not fatal.
"""

import json
import sys
from pathlib import Path

from sim.train import Diverged, train


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        run = sm.params.run
        try:
            out = {
                "config": run,
                "diverged": False,
                "message": "",
                "history": train(run)["history"],
            }
        except Diverged as err:
            out = {"config": run, "diverged": True, "message": str(err), "history": []}
        for r in out["history"]:
            print(f"epoch {r['epoch']} task {r['task']}: {r['task_test_acc']}")
        print(out["message"] or "finished")
        tmp = Path(sm.output[0] + ".tmp")
        tmp.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
        tmp.replace(sm.output[0])


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
