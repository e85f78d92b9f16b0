"""F12 resolution: what the spiking network's time resolution does to node perturbation.

Panels: (a) per perturbation size, against the number of steps per presentation, the hidden
layers' central differences in spiking mode over the rate limit's: their cosine with the exact
loss derivative (fidelity, solid) and their regression slope on it (signal, the share NP's mean
estimate keeps; dotted), and the fraction of hidden rates one NP perturbation changes (dashed);
(b, c) final test accuracy of each rule on the class-sorted and the shuffled stream, trained in
rate mode and in spiking mode with T steps (noise on the currents).
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
    """Build F12 from ``results/F12/summary.json``."""
    s = json.loads(Path(summary).read_text())
    fig = figure(figsize=(7.0, 2.4), layout="constrained")
    ax_signal, *ax_streams = fig.subplots(1, 3)
    for i, (sigma, curve) in enumerate(s["signal"].items()):
        color = f"C{i}"
        label = rf"$\sigma$ {sigma}"
        ax_signal.plot(curve["steps"], curve["fidelity"], "o-", color=color, ms=3, label=label)
        ax_signal.plot(curve["steps"], curve["signal"], ":", color=color, lw=0.8)
        ax_signal.plot(curve["steps"], curve["changed"], "s--", color=color, ms=2, lw=0.8)
    ax_signal.axhline(1.0, color="0.6", lw=0.6)
    steps = sorted({t for curve in s["signal"].values() for t in curve["steps"]})
    ax_signal.set(
        xscale="log",
        xlabel="steps per presentation",
        ylabel="spiking / rate limit",
        ylim=(-0.1, 1.3),
        title="a  fidelity (—), signal (··), rates changed (- -)",
    )
    ax_signal.set_xticks(steps, [str(t) for t in steps])
    ax_signal.minorticks_off()
    ax_signal.legend(loc="lower right", fontsize=5)
    cells = {}
    for tag, cell in s["cells"].items():
        stream, rule, mode = tag.split(".")
        acc = cell["curve"]["test_acc"][-1] if cell["curve"]["test_acc"] else np.nan
        cells.setdefault(stream, {}).setdefault(rule, {})[mode] = acc
    for ax, (panel, stream) in zip(ax_streams, (("b", "sorted"), ("c", "shuffled")), strict=True):
        rules = cells.get(stream, {})
        modes = sorted({m for r in rules.values() for m in r}, key=lambda m: (m != "rate", m))
        width = 0.8 / max(len(rules), 1)
        for i, (rule, accs) in enumerate(sorted(rules.items())):
            at = np.arange(len(modes)) + (i - (len(rules) - 1) / 2) * width
            ax.bar(at, [accs.get(m, np.nan) for m in modes], width, color=COLOR[rule],
                   label=LABEL[rule])  # fmt: skip
        accuracy_guides([ax], 0.1)
        ax.set(
            xticks=np.arange(len(modes)),
            xticklabels=[m if m == "rate" else f"{m[1:]} steps" for m in modes],
            ylabel="test accuracy",
            title=f"{panel}  {stream} stream",
        )
        ax.legend(loc="upper right", fontsize=5)
    return fig
