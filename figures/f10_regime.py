"""F10 regime: NP, LOCO and the authors' projector (port) in the authors' regime.

Panels: (a, b) test accuracy against updates on the class-sorted and the shuffled stream, mean
over seeds at each cell's tuned rate, solid with the normalised gradient, dashed with the
authors' scaling (Adam's eps dominating), dotted with the authors' scaling at their fixed rate;
(c) per layer, the input energy each projector keeps (|P x|^2 / |x|^2, bars) and the ratio of
the projected to the NP estimate's second moment, measured (dots) and predicted by T4 (x).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .f5_depth import COLOR, LABEL
from .io import accuracy_guides, figure

__all__ = ["make"]

STYLE = {"normalised": "-", "authors": "--"}


def make(summary: str) -> Figure:
    """Build F10 from ``results/F10/summary.json``."""
    s = json.loads(Path(summary).read_text())
    fig = figure(figsize=(7.0, 2.6), layout="constrained")
    axes = dict(zip(("sorted", "shuffled", "layers"), fig.subplots(1, 3), strict=True))
    for key, cell in s["cells"].items():
        stream, scaling, rule = key.split(".")
        ax = axes[stream]
        x, y = cell["mean"]["updates"], cell["mean"]["test_acc"]
        if x:
            label = f"{LABEL[rule]} {scaling[:4]}. {cell['lr']:g}"
            ax.plot(x, y, STYLE[scaling], color=COLOR[rule], marker="o", ms=2, label=label)
        x, y = cell["mean_authors_lr"]["updates"], cell["mean_authors_lr"]["test_acc"]
        if x:
            ax.plot(x, y, ":", color=COLOR[rule], lw=0.8)
    for panel, stream in (("a", "sorted"), ("b", "shuffled")):
        ax = axes[stream]
        accuracy_guides([ax], 0.1)
        ax.set(xlabel="updates", ylabel="test accuracy", title=f"{panel}  {stream} stream")
        ax.legend(loc="upper left", fontsize=5, ncols=2)
    ax = axes["layers"]
    layers = s["layers"]["layers"]
    rules = list(layers[0]["energy_fraction"])
    width = 0.8 / len(rules)
    for i, rule in enumerate(rules):
        at = np.arange(1, len(layers) + 1) + (i - (len(rules) - 1) / 2) * width
        energy = [layer["energy_fraction"][rule] for layer in layers]
        measured = [
            layer[rule]["second_moment"]["mc"] / layer["np"]["second_moment"]["mc"]
            for layer in layers
        ]
        theory = [
            layer[rule]["second_moment"]["theory"] / layer["np"]["second_moment"]["theory"]
            for layer in layers
        ]
        ax.bar(at, energy, width, color=COLOR[rule], alpha=0.35, label=f"{LABEL[rule]} energy")
        ax.plot(at, measured, "o", color=COLOR[rule], ms=4, label=f"{LABEL[rule]} variance")
        ax.plot(at, theory, "x", color="k", ms=4)
    ax.set(
        xlabel="layer",
        ylabel="projected / NP",
        ylim=(0, 1.05),
        xticks=np.arange(1, len(layers) + 1),
        title="c  kept energy, variance (x: T4)",
    )
    ax.legend(loc="upper right", fontsize=5)
    return fig
