"""F7 continual learning: the standard metrics per protocol and rule.

One panel per protocol (task-incremental, class-incremental, permuted pixels): per rule, bars
of the mean final accuracy over tasks, the plasticity (accuracy right after learning each
task), the forgetting and the backward transfer (BWT), mean over seeds with the 95 % interval;
joint training (every task at once) has its final accuracy only. The dotted line is chance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .f5_depth import COLOR, LABEL
from .io import figure

__all__ = ["make"]

NAMES = LABEL | {"bp": "BP-SGD", "owm": "OWM-BP", "ewc": "EWC", "joint": "joint"}
COLORS = COLOR | {"owm": "C2", "ewc": "C5", "joint": "0.3"}
METRICS = (
    ("mean_final_acc", "final"),
    ("plasticity", "plasticity"),
    ("forgetting", "forgetting"),
    ("bwt", "BWT"),
)
TITLES = {
    "task": "task-incremental",
    "class": "class-incremental",
    "permuted": "permuted pixels",
}


def make(summary: str) -> Figure:
    """Build F7 from ``results/F7/summary.json``."""
    s = json.loads(Path(summary).read_text())
    protocols = s["config"]["protocols"]
    rules = s["config"]["rules"]
    fig = figure(figsize=(7.0, 1.9 * len(protocols)), layout="constrained")
    axes = fig.subplots(len(protocols), 1, squeeze=False)[:, 0]
    width = 0.8 / len(rules)
    for ax, (i, protocol) in zip(axes, enumerate(protocols), strict=True):
        for k, rule in enumerate(rules):
            cell = s["cells"].get(f"{protocol}.{rule}", {})
            vals = [cell.get(m) if cell.get(m) is not None else np.nan for m, _ in METRICS]
            errs = [cell.get(f"{m}_ci95") or 0.0 for m, _ in METRICS]
            at = np.arange(len(METRICS)) + (k - (len(rules) - 1) / 2) * width
            ax.bar(at, vals, width, yerr=errs, color=COLORS[rule], label=NAMES[rule],
                   error_kw={"lw": 0.6})  # fmt: skip
        chance = 1 / len(s["tasks"][0]) if protocol == "task" else 0.1
        ax.axhline(chance, color="0.5", lw=0.7, ls=":")
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_xticks(range(len(METRICS)), [label for _, label in METRICS])
        ax.set(ylim=(-1.05, 1.05), title=f"{'abc'[i]}  {TITLES[protocol]}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", fontsize=6, ncols=len(rules))
    return fig
