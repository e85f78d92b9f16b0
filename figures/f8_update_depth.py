"""F8 update depth: critical-path stages and measured cost of the update phase vs depth.

Panels: (a) sequential stages of the update phase, counted from each rule's declared
dependency graph: one for NP, LOCO and DFA, one per layer for BP and FA; (b) measured wall time
of one update (estimate + step, best of F8.repeats cycles of 10 updates, one BLAS thread)
against depth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .f5_depth import COLOR, LABEL
from .io import figure

__all__ = ["make"]

MARKER = {"bp": "o", "fa": "s", "dfa": "^", "np": "v", "loco": "D"}
# coinciding curves (BP = FA, NP = LOCO = DFA in panel a) stay visible: sizes and dashes differ
SIZE = {"bp": 6, "fa": 3.5, "dfa": 7, "np": 5, "loco": 3}
DASHES = {"bp": "-", "fa": "--", "dfa": "-", "np": "--", "loco": ":"}


def make(summary: str) -> Figure:
    """Build F8 from ``results/F8/summary.json``."""
    s = json.loads(Path(summary).read_text())
    fig = figure(figsize=(7.0, 2.6), layout="constrained")
    ax_a, ax_b = fig.subplots(1, 2)
    for rule in s["config"]["rules"]:
        rows = s["rules"][rule]
        d = np.array(sorted(int(k) for k in rows))
        stages = [rows[str(k)]["stages"] for k in d]
        seconds = np.array([rows[str(k)]["seconds"] for k in d])
        style = dict(
            color=COLOR[rule],
            marker=MARKER[rule],
            ms=SIZE[rule],
            ls=DASHES[rule],
            label=LABEL[rule],
            mfc="none" if SIZE[rule] > 5 else COLOR[rule],
        )
        ax_a.plot(d, stages, **style)
        ax_b.plot(d, seconds * 1e3, **style)
    depths = sorted({int(k) for rows in s["rules"].values() for k in rows})
    for ax in (ax_a, ax_b):
        ax.set(xscale="log", yscale="log", xlabel="weight layers (depth)")
        ax.set_xticks(depths, [str(d) for d in depths])
        ax.minorticks_off()
    ax_a.set_yticks(depths, [str(d) for d in depths])
    ax_a.set(ylabel="sequential stages", title="a  critical path of the update phase")
    ax_b.set(
        ylabel="ms per update",
        title=f"b  measured cost of one update (hidden {s['network']['hidden']})",
    )
    ax_a.legend(loc="upper left", fontsize=6)
    return fig
