"""F7: accuracy on every task after each task, final accuracy and forgetting per rule.

Per seed `analysis.runs.continual_summary` gives the matrix ``acc[i][j]`` (task j after task
i, argmax within task j's classes: chance is 1/2), the accuracy right after learning each task
(``acc[j][j]``), the final accuracies and the forgetting (best accuracy on a task during
training minus final, every task but the last); the numbers are means over seeds (SE with
several seeds). A diverged seed is counted and left out.
"""

from __future__ import annotations

import numpy as np

from .runs import continual_summary, mean_se

__all__ = ["continual_rules_summary"]


def continual_rules_summary(records: dict, cfg: dict, tasks: list) -> tuple[dict, dict]:
    """F7's summary and numbers (module docstring): ``records`` {(rule, seed): train output},
    ``cfg`` the F7 settings, ``tasks`` the class lists of the tasks."""
    runs: dict = {}
    for (rule, _seed), record in records.items():
        runs.setdefault(rule, []).append(record)
    summary = {"config": dict(cfg), "tasks": tasks, "rules": {}}
    numbers = {
        "F7.chance": 1 / len(tasks[0]),
        "F7.n_seeds": len({seed for _, seed in records}),
        "F7.n_tasks": len(tasks),
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
    return summary, numbers
