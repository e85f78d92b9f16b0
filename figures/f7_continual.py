"""F7 continual learning: accuracy on every task after each task, and forgetting, per rule.

Panels: one heat map per rule of ``acc[after task i][on task j]`` (within-task accuracy, chance
0.5; mean over seeds), and a bar chart of the mean accuracy right after learning each task,
the mean final accuracy and the mean forgetting.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .f5_depth import COLOR, LABEL
from .io import figure

__all__ = ["make"]


def make(summary: str) -> Figure:
    """Build F7 from ``results/F7/summary.json``."""
    s = json.loads(Path(summary).read_text())
    rules = s["config"]["rules"]
    fig = figure(figsize=(7.0, 2.4), layout="constrained")
    axes = fig.subplots(1, len(rules) + 1, width_ratios=[1] * len(rules) + [1.3])
    image = None
    for ax, rule in zip(axes, rules, strict=False):
        r = s["rules"][rule]
        opt = r["optimizer"]
        name = LABEL[rule] + ("-SGD" if opt["name"] == "sgd" and rule == "bp" else "")
        ax.set_title(f"{name}", fontsize=8)
        if "acc" not in r:
            ax.text(0.5, 0.5, "diverged", ha="center", va="center", transform=ax.transAxes)
            continue
        acc = np.array(r["acc"])
        n = len(acc)
        image = ax.imshow(acc, vmin=0.5, vmax=1.0, cmap="viridis")
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{acc[i, j]:.2f}".removeprefix("0"),
                    ha="center",
                    va="center",
                    fontsize=5,
                    color="w" if acc[i, j] < 0.8 else "k",
                )
        ax.set_xticks(range(n), [str(j + 1) for j in range(n)])
        ax.set_yticks(range(n), [str(i + 1) for i in range(n)])
        ax.set_xlabel("on task", fontsize=7)
        if rule == rules[0]:
            ax.set_ylabel("after task", fontsize=7)
    if image is not None:
        fig.colorbar(image, ax=axes[len(rules) - 1], shrink=0.8, label="accuracy")
    ax = axes[-1]
    keys = [
        ("mean_learned_acc", "just learned"),
        ("mean_final_acc", "final"),
        ("mean_forgetting", "forgetting"),
    ]
    width = 0.8 / len(rules)
    for k, rule in enumerate(rules):
        r = s["rules"][rule]
        vals = [r[key] if r[key] is not None else np.nan for key, _ in keys]
        errs = [r[f"{key}_se"] or 0.0 for key, _ in keys]
        ax.bar(
            np.arange(3) + (k - (len(rules) - 1) / 2) * width,
            vals,
            width,
            yerr=errs,
            color=COLOR[rule],
            label=LABEL[rule],
        )
    ax.axhline(0.5, color="0.5", lw=0.7, ls=":")
    ax.set_xticks(range(3), [label for _, label in keys], fontsize=7)
    ax.set(ylim=(0, 1), title="mean over tasks")
    ax.legend(loc="upper right", fontsize=6)
    return fig
