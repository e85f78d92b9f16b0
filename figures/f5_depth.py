"""F5 depth: test accuracy of spiking networks against depth, per learning rule.

Panels: (a) final test accuracy against the number of weight layers (mean over seeds, ± 1 SE
when there are several), with chance and the "learns" threshold (chance + margin); a depth at
which every seed diverged is marked with an x on the chance line; (b) test accuracy after every
epoch at the largest depth that is at most 10 (does more training help?).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .io import figure

__all__ = ["COLOR", "LABEL", "make"]

LABEL = {"bp": "BP", "fa": "FA", "dfa": "DFA", "np": "NP", "loco": "LOCO"}
COLOR = {"bp": "C7", "fa": "C2", "dfa": "C4", "np": "C1", "loco": "C0"}


def make(summary: str) -> Figure:
    """Build F5 from ``results/F5/summary.json``."""
    s = json.loads(Path(summary).read_text())
    fig = figure(figsize=(7.0, 2.6), layout="constrained")
    ax_a, ax_b = fig.subplots(1, 2, width_ratios=[1.2, 1.0])
    depths_all = sorted({int(d) for r in s["rules"].values() for d in r})
    curve_depth = max([d for d in depths_all if d <= 10], default=depths_all[0])
    for rule in s["config"]["rules"]:
        per_depth = s["rules"][rule]
        d = np.array(sorted(int(k) for k in per_depth))
        acc = np.array(
            [
                np.nan if per_depth[str(k)]["test_acc"] is None else per_depth[str(k)]["test_acc"]
                for k in d
            ]
        )
        se = np.array([per_depth[str(k)]["test_acc_se"] or 0.0 for k in d])
        ax_a.errorbar(
            d, acc, yerr=se, color=COLOR[rule], marker="o", ms=3, capsize=2, label=LABEL[rule]
        )
        lost = np.isnan(acc)
        if lost.any():
            ax_a.plot(d[lost], np.full(lost.sum(), s["chance"]), "x", color=COLOR[rule], ms=5)
        curve = per_depth.get(str(curve_depth), {}).get("test_curve") or []
        if curve:
            epochs = np.arange(1, len(curve) + 1)
            ax_b.plot(epochs, curve, color=COLOR[rule], marker="o", ms=3, label=LABEL[rule])
    for ax in (ax_a, ax_b):
        ax.axhline(s["chance"], color="0.5", lw=0.7, ls=":")
        ax.axhline(s["threshold"], color="0.5", lw=0.7, ls="--")
        ax.set_ylim(0, 1)
    ax_a.set(
        xscale="log",
        xlabel="weight layers (depth)",
        ylabel="test accuracy",
        title="a  accuracy vs depth (dashed: learns, dotted: chance)",
    )
    ax_a.set_xticks(depths_all, [str(d) for d in depths_all])
    ax_a.minorticks_off()
    ax_a.legend(loc="upper right", fontsize=6, ncols=2)
    ax_b.set(
        xlabel="epoch", ylabel="test accuracy", title=f"b  learning curves, depth {curve_depth}"
    )
    ax_b.xaxis.get_major_locator().set_params(integer=True)
    return fig
