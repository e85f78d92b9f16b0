"""F5 depth: test accuracy of spiking networks against depth, per learning rule.

Panels: (a) final test accuracy against the number of weight layers (mean over seeds, 95% t
interval when there are several), with chance and the "learns" threshold (chance + margin); a
depth at which every seed diverged is marked with an x on the chance line; (b) test accuracy
after every epoch at the largest depth that is at most 10 (does more training help?); (c) LOCO
ablations at one depth against full LOCO and NP; (d) per-layer cosine of one NP / LOCO estimate
with the true gradient (rate mode, initialisation; points: measured, lines: ratio-of-moments
prediction from T2/T4) for each measured depth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .io import accuracy_guides, figure

__all__ = ["COLOR", "LABEL", "make"]

LABEL = {"bp": "BP", "fa": "FA", "dfa": "DFA", "np": "NP", "loco": "LOCO", "loco_port": "port"}
COLOR = {"bp": "C7", "fa": "C2", "dfa": "C4", "np": "C1", "loco": "C0", "loco_port": "C3"}


def make(summary: str) -> Figure:
    """Build F5 from ``results/F5/summary.json``."""
    s = json.loads(Path(summary).read_text())
    fig = figure(figsize=(7.0, 5.0), layout="constrained")
    (ax_a, ax_b), (ax_c, ax_d) = fig.subplots(2, 2, width_ratios=[1.2, 1.0])
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
        se = np.array([per_depth[str(k)].get("test_acc_ci95") or 0.0 for k in d])
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
    accuracy_guides((ax_a, ax_b), s["chance"], s["threshold"])
    ax_a.set(
        xscale="log",
        xlabel="weight layers (depth)",
        ylabel="test accuracy",
        title="a  accuracy vs depth (dashed: learns, dotted: chance)",
    )
    ax_a.set_xticks(depths_all, [str(d) for d in depths_all])
    ax_a.minorticks_off()
    ax_a.legend(loc="lower left", fontsize=6, ncols=2)
    ax_b.set(
        xlabel="epoch", ylabel="test accuracy", title=f"b  learning curves, depth {curve_depth}"
    )
    ax_b.xaxis.get_major_locator().set_params(integer=True)
    if s.get("ablation"):
        _ablation_panel(ax_c, s)
    else:
        ax_c.set_axis_off()
    _layers_panel(ax_d, s["layers"])
    return fig


def _ablation_panel(ax, s: dict) -> None:
    rows = s["ablation"]
    names = list(rows)
    acc = [np.nan if rows[n]["test_acc"] is None else rows[n]["test_acc"] for n in names]
    err = [rows[n]["test_acc_ci95"] or 0.0 for n in names]
    colors = [COLOR["np"] if n == "np" else COLOR["loco"] for n in names]
    ax.bar(range(len(names)), acc, yerr=err, color=colors, alpha=0.8, capsize=2)
    accuracy_guides((ax,), s["chance"])
    ax.set_xticks(range(len(names)), [n.replace("_", " ") for n in names], rotation=30)
    depth = s["config"]["ablation"]["depth"]
    ax.set(ylabel="test accuracy", title=f"c  LOCO ablations, depth {depth}")


def _layers_panel(ax, layers: dict) -> None:
    for i, depth in enumerate(sorted(layers, key=int)):
        rows = layers[depth]["layers"]
        pos = np.arange(1, len(rows) + 1)
        for rule, marker in (("np", "s"), ("loco", "o")):
            cos = [r[rule]["cosine"] for r in rows]
            ax.errorbar(pos, [c["mc"] for c in cos], yerr=[2 * c["se"] for c in cos], fmt=marker,
                        ms=3, color=f"C{i}", mfc="none" if rule == "np" else f"C{i}")  # fmt: skip
            ax.plot(pos, [c["approx"] for c in cos], "-" if rule == "loco" else "--",
                    color=f"C{i}", lw=0.8, label=f"{LABEL[rule]}, depth {depth}")  # fmt: skip
    ax.set(yscale="log", xlabel="layer", ylabel="cos(estimate, true gradient)",
           title="d  per-layer alignment (rate mode, init.)")  # fmt: skip
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=5, ncols=2)
