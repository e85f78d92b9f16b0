"""F9 simulator validation: our LIF against Brian2, and simulation speed.

Panels: (a) membrane potential of three example neurons, ours (solid) and Brian2 (dashed);
(b) spike raster of the example parameter set, ours (dots) and Brian2 (rings); (c) largest
voltage difference and spike mismatches per parameter set; (d) neuron updates per second of
`sim.neurons` and Brian2's numpy target, measured side by side in one benchmark run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .io import figure

__all__ = ["make"]


def make(example: str, summary: str, benchmark: str) -> Figure:
    """Build F9 from the example traces (npz), the agreement summary and the benchmark JSON."""
    ex = np.load(example)
    stats = json.loads(Path(summary).read_text())["validation"]
    bench = json.loads(Path(benchmark).read_text())
    fig = figure(figsize=(7.0, 2.4), layout="constrained")
    ax_v, ax_r, ax_d, ax_s = fig.subplots(1, 4, width_ratios=[1.4, 1.2, 1.0, 0.9])

    dt = float(ex["dt"])
    steps = ex["ours_v"].shape[0]
    window = slice(0, min(steps, 400))
    t = np.arange(steps)[window] * dt
    for k, i in enumerate(range(min(3, ex["ours_v"].shape[1]))):
        offset = 1.5 * k * float(ex["v_th"])
        (line,) = ax_v.plot(t, ex["ours_v"][window, i] + offset, lw=1.0)
        ax_v.plot(t, ex["brian2_v"][window, i] + offset, ls=(0, (2, 2)), color="k", lw=0.7)
    ax_v.set(xlabel="time (ms)", ylabel="v (offset per neuron)", title="a  membrane")
    ax_v.legend([line, ax_v.lines[1]], ["ours", "Brian2"], loc="upper center", ncol=2)
    ax_v.set_ylim(top=ax_v.get_ylim()[1] + 0.4 * float(ex["v_th"]))

    for key, marker, kw in (
        ("ours_spikes", "o", dict(s=1.5, color="C0")),
        ("brian2_spikes", "o", dict(s=9, facecolors="none", edgecolors="k", linewidths=0.3)),
    ):
        step, unit = np.nonzero(ex[key][window])
        ax_r.scatter(step * dt, unit, marker=marker, **kw)
    ax_r.set(xlabel="time (ms)", ylabel="neuron", title="b  spikes (dots ours, rings Brian2)")

    names = sorted(stats)
    dv = np.array([stats[n]["max_abs_dv"] for n in names])
    floor = 1e-17  # exact zeros are drawn at the floor and labelled
    y = np.arange(len(names))
    ax_d.hlines(y, floor, np.maximum(dv, floor), color="C2", lw=2)
    ax_d.plot(np.maximum(dv, floor), y, "o", color="C2")
    ax_d.axvline(1e-12, color="0.5", lw=0.6, ls=":")
    ax_d.set_xscale("log")
    ax_d.set_xlim(floor / 3, 1e-9)
    ax_d.set_yticks(y, [n.replace("_", " ") for n in names])
    ax_d.set_ylim(-0.6, len(names) - 0.4)
    for yi, n in zip(y, names, strict=True):
        s = stats[n]
        label = f"{s['spike_mismatches']}/{s['spikes_brian2']} spikes differ"
        if s["max_abs_dv"] == 0:
            label = "v identical, " + label
        ax_d.annotate(label, (floor, yi), xytext=(2, 5), textcoords="offset points", fontsize=5.5)
    ax_d.set(xlabel=r"max $|v_{ours} - v_{Brian2}|$", title="c  agreement")

    sizes = sorted(int(k.rsplit("N", 1)[1]) for k in bench if k.startswith("ours_updates_per_s_N"))
    x = np.arange(len(sizes))
    ours = [bench[f"ours_updates_per_s_N{n}"] for n in sizes]
    ref = [bench.get(f"brian2_numpy_updates_per_s_N{n}", np.nan) for n in sizes]
    ax_s.bar(x - 0.2, ours, 0.4, label="ours", color="C0")
    ax_s.bar(x + 0.2, ref, 0.4, label="Brian2 numpy", color="0.6")
    ax_s.set_yscale("log")
    ax_s.set_xticks(x, [f"{n // 1000}k" if n >= 1000 else str(n) for n in sizes])
    ax_s.set(xlabel="LIF neurons", ylabel="neuron updates / s", title="d  speed")
    ax_s.legend(loc="upper left", bbox_to_anchor=(0, 1.02))
    ax_s.set_ylim(top=ax_s.get_ylim()[1] * 8)
    return fig
