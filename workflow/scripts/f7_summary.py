"""F7 summary: accuracy on every task after each task, final accuracy and forgetting per rule.

Per seed `analysis.runs.continual_summary` gives the matrix ``acc[i][j]`` (task j after task
i, argmax within task j's classes: chance is 1/2), the accuracy right after learning each task
(``acc[j][j]``), the final accuracies and the forgetting (best accuracy on a task during
training minus final, every task but the last); the numbers are means over seeds (SE with
several seeds). A diverged seed is counted and left out.
"""

import json
from pathlib import Path

import numpy as np
from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.runs import continual_summary, mean_se, run_name


def main(sm) -> None:
    cfg = sm.params.cfg
    runs: dict = {}
    for path in sm.input.runs:
        rule, _seed = run_name(path)
        runs.setdefault(rule, []).append(json.loads(Path(path).read_text()))
    summary = {"config": dict(cfg), "tasks": sm.params.tasks, "rules": {}}
    numbers = {
        "F7.chance": 1 / len(sm.params.tasks[0]),
        "F7.n_seeds": len({run_name(p)[1] for p in sm.input.runs}),
        "F7.n_tasks": len(sm.params.tasks),
        "F7.epochs_per_task": cfg["epochs_per_task"],
        "F7.depth": cfg["depth"],
    }
    for rule in cfg["rules"]:
        done = [continual_summary(r["history"]) for r in runs[rule] if not r["diverged"]]
        opt = runs[rule][0]["config"]["optimizer"]
        entry = {
            "n_diverged": len(runs[rule]) - len(done),
            "optimizer": opt,
            "messages": [r["message"] for r in runs[rule] if r["diverged"]],
        }
        numbers[f"F7.optimizer.{rule}"] = opt["name"]
        numbers[f"F7.lr.{rule}"] = opt["lr"]
        numbers[f"F7.diverged.{rule}"] = entry["n_diverged"]
        for key in ("mean_final_acc", "mean_learned_acc", "mean_forgetting"):
            entry[key], entry[f"{key}_se"] = mean_se(s[key] for s in done)
        if done:
            entry["acc"] = np.mean([s["acc"] for s in done], axis=0).tolist()
            entry["forgetting"] = np.mean([s["forgetting"] for s in done], axis=0).tolist()
        numbers[f"F7.mean_final_acc.{rule}"] = entry["mean_final_acc"]
        numbers[f"F7.mean_learned_acc.{rule}"] = entry["mean_learned_acc"]
        numbers[f"F7.forgetting.{rule}"] = entry["mean_forgetting"]
        if len(runs[rule]) > 1:
            for key, name in (
                ("mean_final_acc", "mean_final_acc"),
                ("mean_forgetting", "forgetting"),
            ):
                numbers[f"F7.{name}_se.{rule}"] = entry[f"{key}_se"]
        summary["rules"][rule] = entry
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
