"""F6 convergence: NP and LOCO, each at its own best learning rate, and their stable rates.

Panels: (a) validation (solid) and test (dashed) accuracy after every epoch at each rule's best
learning rate (chosen on final validation accuracy), with updates on the top axis; (b) final
validation accuracy against the learning rate, diverged rates marked x at the bottom, the best
rate as a star and the largest stable rate (no divergence, above the "learns" threshold) as a
vertical line. Second row, one panel per depth of the SGD sweeps (rate mode, plain SGD): final
validation accuracy against the rate, diverged rates marked x, and the predicted maximal stable
rate (shaded: +-2 SE) and best rate (triangle) of `analysis.stability`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .f5_depth import COLOR, LABEL
from .io import accuracy_guides, figure

__all__ = ["make"]


def make(summary: str) -> Figure:
    """Build F6 from ``results/F6/summary.json``."""
    s = json.loads(Path(summary).read_text())
    sgd = s.get("sgd", {"cells": {}})  # summaries before the SGD panel have none
    sgd_depths = sorted({c["depth"] for c in sgd["cells"].values()})
    rows = 2 if sgd_depths else 1
    fig = figure(figsize=(7.0, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, max(2, len(sgd_depths)), squeeze=False)
    ax_a, ax_b = axes[0][:2]
    for ax in axes[0][2:]:
        ax.set_axis_off()
    per_epoch = s["updates_per_epoch"]
    for rule in s["config"]["rules"]:
        r = s["rules"][rule]
        grid = {e["lr"]: e for e in r["grid"]}
        if r["best_lr"] is not None:
            best = grid[r["best_lr"]]
            epochs = np.arange(1, len(best["val_acc"]) + 1)
            ax_a.plot(
                epochs,
                best["val_acc"],
                color=COLOR[rule],
                marker="o",
                ms=3,
                label=f"{LABEL[rule]}, lr={r['best_lr']:g}",
            )
            ax_a.plot(epochs, best["test_acc"], color=COLOR[rule], ls="--", lw=0.8)
        lrs = np.array(sorted(grid))
        final = np.array([np.nan if grid[lr]["diverged"] else grid[lr]["final_val"] for lr in lrs])
        ax_b.plot(lrs, final, color=COLOR[rule], marker="o", ms=3, label=LABEL[rule])
        bad = np.isnan(final)
        if bad.any():
            ax_b.plot(lrs[bad], np.full(bad.sum(), 0.02), "x", color=COLOR[rule], ms=5)
        if r["best_lr"] is not None:
            ax_b.plot(
                [r["best_lr"]], [grid[r["best_lr"]]["final_val"]], "*", ms=9, color=COLOR[rule]
            )
        if r["max_stable_lr"] is not None:
            ax_b.axvline(r["max_stable_lr"], color=COLOR[rule], lw=0.8, alpha=0.6)
    accuracy_guides((ax_a, ax_b), s["chance"], s["threshold"])
    ax_a.set(
        xlabel="epoch",
        ylabel="accuracy",
        title="a  at each rule's best rate (solid val, dashed test)",
    )
    ax_a.xaxis.get_major_locator().set_params(integer=True)
    top = ax_a.secondary_xaxis("top", functions=(lambda e: e * per_epoch, lambda u: u / per_epoch))
    top.set_xlabel("updates", fontsize=7)
    ax_a.legend(loc="upper left", fontsize=6)
    ax_b.set(
        xscale="log",
        xlabel="learning rate (Adam)",
        ylabel="final validation accuracy",
        title="b  rate sweep (star best, line largest stable)",
    )
    ax_b.legend(loc="upper left", fontsize=6)
    for k, (depth, ax) in enumerate(zip(sgd_depths, axes[1], strict=False)):
        _sgd_panel(ax, sgd, depth, "cdef"[k])
    for ax in axes[1][len(sgd_depths) :] if rows == 2 else []:
        ax.set_axis_off()
    return fig


def _sgd_panel(ax, sgd: dict, depth: int, letter: str) -> None:
    """One depth's SGD sweeps against the predicted maximal stable and best rates."""
    cells = [c for c in sgd["cells"].values() if c["depth"] == depth]
    for k, cell in enumerate(cells):
        rule, color = cell["rule"], COLOR[cell["rule"]]
        lrs = np.array([e["lr"] for e in cell["grid"]])
        final = np.array([np.nan if e["diverged"] else e["final_val"] for e in cell["grid"]])
        ax.plot(lrs, final, color=color, marker="o", ms=3, label=LABEL[rule])
        bad = np.isnan(final)
        ax.plot(lrs[bad], np.full(bad.sum(), 0.02 + 0.04 * k), "x", color=color, ms=5)
        pred = cell["predicted"]
        edge, se = pred["max_stable"], pred["max_stable_se"]
        ax.axvspan(max(edge - 2 * se, edge / 50), edge + 2 * se, color=color, alpha=0.15, lw=0)
        ax.axvline(edge, color=color, lw=0.8, ls="--")
        ax.plot([pred["best"]], [0.97], "v", color=color, ms=5)
        if pred.get("step_root", {}).get("max_stable"):  # without the quadratic model
            ax.axvline(pred["step_root"]["max_stable"], color=color, lw=0.8, ls=":")
    ax.set(
        xscale="log",
        ylim=(0, 1),
        xlabel="learning rate (plain SGD)",
        ylabel="final validation accuracy",
        title=f"{letter}  SGD, {depth} layers (predicted edge: dashed, step root: dotted)",
    )
    ax.legend(loc="center left", fontsize=6)
