"""F7: continual learning per protocol and rule, with the standard metrics.

Each record is an `sim.experiments.lr_sweep` of one continual run (protocol, rule, seed) at the
rate its first-task sweep chose. Per seed `analysis.runs.continual_summary` gives the matrix
``acc[i][j]`` (task j after task i, under the protocol's evaluation), and the mean final
accuracy, forgetting, backward transfer (BWT), forward transfer (FWT, against each task's
accuracy before training) and plasticity (accuracy right after learning each task). Joint
training (all tasks at once, the upper bound) has final accuracies only. A diverged seed is
counted and left out.

Numbers (``F7.`` prefix): ``<metric>.<protocol>.<rule>`` for metric in ``mean_final_acc``,
``forgetting``, ``bwt``, ``fwt``, ``plasticity`` (mean over seeds; ``<metric>_ci95...``, the
half-width of the 95 % t interval, with 2 seeds or more), ``lr.<protocol>.<rule>`` and
``diverged.<protocol>.<rule>``; ``chance.<protocol>``, ``n_tasks``, ``seeds``,
``epochs_per_task``, ``depth``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .runs import ci95, continual_summary, mean, mean_se, spread_key

__all__ = ["METRICS", "continual_rules_summary", "joint_summary"]

METRICS = ("mean_final_acc", "forgetting", "bwt", "fwt", "plasticity")
_KEY = {"forgetting": "mean_forgetting"}  # metric -> continual_summary's key


def joint_summary(history: list[dict]) -> dict:
    """Final accuracy on every task of a joint run (its last record's ``task_test_acc``)."""
    final = [float(a) for a in history[-1]["task_test_acc"]]
    return {"final": final, "mean_final_acc": float(np.mean(final))}


def _chance(protocol: str, tasks: list) -> float:
    return 1 / len(tasks[0]) if protocol == "task" else 0.1


def continual_rules_summary(
    records: Mapping[tuple[str, str, int], dict], cfg: dict, tasks: list
) -> tuple[dict, dict]:
    """F7's summary and numbers (module docstring).

    ``records`` {(protocol, rule, seed): lr_sweep record with one run}; ``cfg`` the F7
    settings; ``tasks`` the class lists of the class-split tasks (chance of the task protocol).
    """
    cells: dict = {}
    for (protocol, rule, _seed), record in sorted(records.items()):
        cells.setdefault((protocol, rule), []).append(record)
    numbers: dict = {
        "F7.n_tasks": cfg["n_tasks"],
        "F7.seeds": len({k[2] for k in records}),
        "F7.epochs_per_task": cfg["epochs_per_task"],
        "F7.depth": cfg["depth"],
    }
    summary: dict = {"config": dict(cfg), "tasks": tasks, "cells": {}}
    for (protocol, rule), sweeps in cells.items():
        numbers[f"F7.chance.{protocol}"] = _chance(protocol, tasks)
        runs = [s["runs"][0] for s in sweeps]
        done = [r for r in runs if not r["diverged"]]
        if rule == "joint":
            per_seed = [joint_summary(r["history"]) for r in done]
        else:
            per_seed = [
                continual_summary(r["history"], r.get("initial_task_test_acc")) for r in done
            ]
        tag = f"{protocol}.{rule}"
        numbers[f"F7.lr.{tag}"] = runs[0]["lr"]
        numbers[f"F7.diverged.{tag}"] = len(runs) - len(done)
        entry: dict = {"lr": runs[0]["lr"], "diverged": len(runs) - len(done)}
        for metric in ("mean_final_acc",) if rule == "joint" else METRICS:
            values = [s.get(_KEY.get(metric, metric)) for s in per_seed]
            key = f"F7.{metric}.{tag}"
            numbers[key] = mean(values)
            entry[metric], entry[f"{metric}_se"] = mean_se(values)
            if len([v for v in values if v is not None]) >= 2:
                numbers[spread_key(key)] = entry[f"{metric}_ci95"] = ci95(values)
        if per_seed and "acc" in per_seed[0]:
            entry["acc"] = np.mean([s["acc"] for s in per_seed], axis=0).tolist()
        summary["cells"][tag] = entry
    return summary, numbers
