"""F11 budget: test accuracy against the number of updates, one panel per depth.

Each rule at the rate its short sweep chose, mean over seeds (markers: plateaued curves
filled, still-rising ones open). The dotted horizontal line is the target (a fraction of BP's
final accuracy); the dashed vertical lines are T2's predicted NP budgets to reach it: BP's
updates times ``N_tot + 2`` and times the measured ``1 / cos^2``.
"""

from __future__ import annotations

import json
from pathlib import Path

from matplotlib.figure import Figure

from .f5_depth import COLOR, LABEL
from .io import accuracy_guides, figure

__all__ = ["make"]

EXTRA = {"anp": ("ANP", "C5"), "dnp": ("DNP", "C6")}


def make(summary: str) -> Figure:
    """Build F11 from ``results/F11/summary.json``."""
    s = json.loads(Path(summary).read_text())
    depths = sorted(int(d) for d in s["predicted"])
    fig = figure(figsize=(7.0, 2.6), layout="constrained")
    axes = fig.subplots(1, len(depths), squeeze=False)[0]
    for ax, depth in zip(axes, depths, strict=True):
        for tag, curve in s["curves"].items():
            rule, d = tag.rsplit(".L", 1)
            if int(d) != depth or not curve["updates"]:
                continue
            label, color = EXTRA.get(rule, (LABEL.get(rule, rule), COLOR.get(rule, "k")))
            filled = curve["plateau"].get("plateau")
            ax.plot(curve["updates"], curve["test_acc"], "-o", color=color, ms=2.5, label=label,
                    mfc=color if filled else "white")  # fmt: skip
        for tag, curve in s.get("spiking", {}).items():  # spiking runs: dashed, open markers
            rule, d = tag.rsplit(".L", 1)
            if int(d) == depth and curve["updates"]:
                color = EXTRA.get(rule, (None, COLOR.get(rule, "k")))[1]
                ax.plot(curve["updates"], curve["test_acc"], "--s", color=color, ms=2.5,
                        mfc="white", lw=0.8, label=f"{LABEL.get(rule, rule)} spiking")  # fmt: skip
        pred = s["predicted"][str(depth)]
        if pred.get("target"):
            ax.axhline(pred["target"], color="0.4", ls=":", lw=0.8)
        for name, ls in (("n_total_plus_2", "--"), ("inverse_cos2", "-.")):
            if pred.get("updates", {}).get(name):
                ax.axvline(pred["updates"][name], color=COLOR["np"], ls=ls, lw=0.8)
        accuracy_guides([ax], 0.1)
        ax.set(xscale="log", xlabel="updates", ylabel="test accuracy", title=f"{depth} layers")
    axes[0].legend(loc="upper left", fontsize=5)
    return fig
