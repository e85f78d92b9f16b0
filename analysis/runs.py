"""Statistics of finished training runs (measurements, not predictions).

* `largest_stable_lr`: the largest rate of a learning-rate sweep that trained without diverging
  (and, optionally, learned); the prediction of linear theory is `analysis.theory.max_stable_lr`.
* `continual_summary`: accuracy matrix, final accuracy and forgetting of a continual run (F7).
* `mean`, `mean_se`, `ci95`: statistics over seeds that skip missing (None) values; `chance`
  of a data set; `spread_key`, where a number's spread is stored; `mean_curve` of the seeds'
  learning curves.

They read the plain records that `sim.train.train` and `sim.experiments.lr_sweep` return, so
editing them reruns only the summaries that use them, never a training job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = [
    "at_grid_edge",
    "chance",
    "ci95",
    "continual_summary",
    "largest_stable_lr",
    "mean",
    "mean_curve",
    "mean_se",
    "spread_key",
]


def largest_stable_lr(sweep: dict, min_val_acc: float | None = None) -> float | None:
    """Largest learning rate of a finished `sim.experiments.lr_sweep` that did not diverge.

    A measurement; `analysis.theory.max_stable_lr` is the prediction of linear theory.

    With ``min_val_acc``, a rate counts as stable only if its final validation accuracy also
    exceeds ``min_val_acc`` (e.g. chance plus a margin: a run that "trains" without learning
    is not stable learning). None when no rate qualifies.
    """
    stable = [
        r["lr"]
        for r in sweep["runs"]
        if not r["diverged"]
        and (min_val_acc is None or (r["history"] and r["history"][-1]["val_acc"] > min_val_acc))
    ]
    return max(stable, default=None)


def continual_summary(history: Sequence[dict], initial: Sequence[float] | None = None) -> dict:
    """F7: accuracy matrix and the continual-learning metrics of a run (a `train` history).

    ``acc[i][j]`` is the accuracy on task ``j`` (its test split, under the run's protocol)
    after the last epoch of task ``i``. With ``T`` tasks (Lopez-Paz & Ranzato 2017):
    ``mean_final_acc`` is the mean of ``final[j] = acc[T-1][j]``; ``plasticity`` the mean of
    ``learned[j] = acc[j][j]`` (right after learning ``j``); ``bwt`` the mean over ``j < T-1`` of
    ``acc[T-1][j] - acc[j][j]``; ``fwt`` the mean over ``j > 0`` of ``acc[j-1][j] - initial[j]``,
    ``initial`` being each task's accuracy before training (None without it); the forgetting of
    task ``j < T-1`` is its best accuracy at any epoch from the start of its training on minus
    its final accuracy, ``mean_forgetting`` their mean.

    Examples
    --------
    >>> h = [{"task": 0, "task_test_acc": [0.9, 0.5]}, {"task": 1, "task_test_acc": [0.7, 0.8]}]
    >>> s = continual_summary(h, initial=[0.5, 0.4])
    >>> s["acc"], s["mean_final_acc"], [round(f, 6) for f in s["forgetting"]]
    ([[0.9, 0.5], [0.7, 0.8]], 0.75, [0.2])
    >>> round(s["bwt"], 6), round(s["fwt"], 6), round(s["plasticity"], 6)
    (-0.2, 0.1, 0.85)
    """
    if not history or "task_test_acc" not in history[0]:
        raise ValueError("history must come from a continual run (records with task_test_acc)")
    n_tasks = len(history[0]["task_test_acc"])
    last = {r["task"]: r for r in history}
    if sorted(last) != list(range(n_tasks)):
        raise ValueError(f"history must cover tasks 0..{n_tasks - 1}, got {sorted(last)}")
    acc = [list(map(float, last[i]["task_test_acc"])) for i in range(n_tasks)]
    final = acc[-1]
    learned = [acc[j][j] for j in range(n_tasks)]
    best = [
        max(float(r["task_test_acc"][j]) for r in history if r["task"] >= j) for j in range(n_tasks)
    ]
    forgetting = [best[j] - final[j] for j in range(n_tasks - 1)]
    backward = [final[j] - learned[j] for j in range(n_tasks - 1)]
    forward = (
        [acc[j - 1][j] - float(initial[j]) for j in range(1, n_tasks)]
        if initial is not None
        else []
    )
    return {
        "acc": acc,
        "learned": learned,
        "final": final,
        "best": best,
        "forgetting": forgetting,
        "mean_final_acc": float(np.mean(final)),
        "mean_learned_acc": float(np.mean(learned)),
        "plasticity": float(np.mean(learned)),
        "mean_forgetting": float(np.mean(forgetting)) if forgetting else 0.0,
        "bwt": float(np.mean(backward)) if backward else 0.0,
        "fwt": float(np.mean(forward)) if forward else None,
    }


def chance(base: dict) -> float:
    """Chance accuracy of the training data: 1/10 for MNIST-format data, 1/4 for 'teacher'."""
    return 1.0 / (4 if base["data"]["name"] == "teacher" else 10)


def mean(values) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def mean_se(values) -> tuple[float | None, float | None]:
    """Mean and standard error (ddof=1) of the values that are not None (SE None below 2)."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return None, None
    se = float(np.std(vals, ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else None
    return float(np.mean(vals)), se


def ci95(values) -> float | None:
    """Half-width of the 95% Student-t interval of the mean of the values that are not None
    (None below 2 values).

    Examples
    --------
    >>> round(ci95([1.0, 2.0, 3.0]), 4)  # t_{0.975, 2} = 4.3027, SE = 0.5774
    2.4841
    """
    vals = [float(v) for v in values if v is not None]
    if len(vals) < 2:
        return None
    se = np.std(vals, ddof=1) / math.sqrt(len(vals))
    return float(stats.t.ppf(0.975, len(vals) - 1) * se)


def spread_key(key: str, suffix: str = "_ci95") -> str:
    """The key of a number's spread (``_ci95``, ``_se``): ``suffix`` after its second part.

    >>> spread_key("F10.test_acc.sorted.loco"), spread_key("F6.final_acc.np", "_se")
    ('F10.test_acc_ci95.sorted.loco', 'F6.final_acc_se.np')
    """
    fig, word, *rest = key.split(".")
    return ".".join([fig, word + suffix, *rest])


def mean_curve(curves: Sequence[dict]) -> dict:
    """Mean over seeds of learning curves ``{"updates": [...], "test_acc": [...]}``, at the
    budgets every non-empty curve reached (empty lists when none has a point).

    >>> mean_curve([{"updates": [1, 2], "test_acc": [0.2, 0.4]},
    ...             {"updates": [1, 2, 3], "test_acc": [0.4, 0.6, 0.7]},
    ...             {"updates": [], "test_acc": []}])
    {'updates': [1, 2], 'test_acc': [0.30000000000000004, 0.5]}
    """
    done = [c for c in curves if c["test_acc"]]
    n = min((len(c["test_acc"]) for c in done), default=0)
    return {
        "updates": list(done[0]["updates"][:n]) if done else [],
        "test_acc": [float(np.mean([c["test_acc"][i] for c in done])) for i in range(n)],
    }


def at_grid_edge(lr: float | None, tried: Sequence[float]) -> bool:
    """Is the chosen rate ``lr`` the lowest or highest of the rates ``tried`` (its best may lie
    beyond the grid)? False when nothing was chosen (every rate diverged).

    >>> at_grid_edge(1e-3, [1e-4, 1e-3, 1e-2]), at_grid_edge(1e-2, [1e-3, 1e-2])
    (False, True)
    >>> at_grid_edge(None, [1.0])
    False
    """
    return lr is not None and lr in (min(tried), max(tried))
