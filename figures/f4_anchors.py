"""F4 external anchors: closed-form predictions (lines, open markers) against simulation.

Panels: (a) Werfel, Xie & Seung (2005) slow-down factors at optimal learning rates, white inputs;
(b) Zuege, Klos & Memmesheimer (2023): WP's convergence rate with inputs on a k-dim subspace of
R^d follows k (the effective dimension), not d; (c) NP with an unrealisable target approaches
about twice the optimal loss at its speed-optimal rate; (d) Hiratani et al. (2022): fraction of
diverged two-layer NP runs against the learning rate in units of the predicted critical rate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from analysis.anchors import werfel_optimal

from .io import figure

__all__ = ["make"]


def make(summary: str) -> Figure:
    """Build F4 from results/F4/summary.json."""
    s = json.loads(Path(summary).read_text())
    fig = figure(figsize=(7.0, 2.3), layout="constrained")
    ax_a, ax_b, ax_c, ax_d = fig.subplots(1, 4)

    names = {
        "np_vs_gd": "NP\n/ GD",
        "wp_vs_np": "WP\n/ NP",
        "sequential_vs_parallel": "seq. NP\n/ par. NP",
    }
    rat = s["werfel_ratios"]
    keys = [k for k in names if k in rat]
    x = np.arange(len(keys))
    ax_a.bar(x, [rat[k]["measured"] for k in keys], 0.6, color="C0", label="simulation",
             yerr=[2 * rat[k]["se"] for k in keys], error_kw={"elinewidth": 0.8})  # fmt: skip
    ax_a.plot(x, [rat[k]["predicted"] for k in keys], "_", ms=14, mew=1.5, color="k",
              label="theory")  # fmt: skip
    ax_a.set_xticks(x, [names[k] for k in keys], fontsize=6)
    w = next(iter(s["werfel"].values()))
    ax_a.set(ylabel="time ratio to equal loss", title=f"a  Werfel (N={w['N']}, d={w['d']})")
    ax_a.set_ylim(0, 1.3 * max(rat[k]["measured"] for k in keys))
    ax_a.legend(loc="upper right", fontsize=6)

    z = s["zuege"]
    ks = np.array(sorted(int(k) for k in z))
    meas = np.array([z[str(k)]["rate_measured"] for k in ks])
    se = np.array([z[str(k)]["rate_se"] for k in ks])
    r0 = z[str(ks[0])]
    fine = np.unique(np.geomspace(1, r0["d"], 40).astype(int))
    ax_b.plot(fine, [werfel_optimal("wp", r0["N"], int(k)).rate for k in fine], "-", color="C1",
              lw=0.9, label="theory, dimension k")  # fmt: skip
    ax_b.axhline(werfel_optimal("wp", r0["N"], r0["d"]).rate, color="0.5", ls="--", lw=0.8,
                 label=f"if ambient d={r0['d']} mattered")  # fmt: skip
    ax_b.errorbar(ks, meas, yerr=2 * se, fmt="o", ms=3, color="C1", label="simulation")
    ax_b.set(xscale="log", yscale="log", xlabel="input subspace rank k",
             ylabel="WP e-folds per trial", title="b  Zuege: effective dimension")  # fmt: skip
    ax_b.legend(loc="upper right", fontsize=5.5)

    f = s["floor"]
    if f:
        ax_c.plot(f["t"], f["mean_loss_over_eopt"], color="C2", lw=1.0, label="simulation")
        ax_c.axhline(f["asymptote_predicted"], color="k", ls="--", lw=0.8, label="theory")
        ax_c.axhline(1.0, color="0.6", ls=":", lw=0.8)
        ax_c.set(ylim=(0, None), xlabel="trial", ylabel=r"loss / $E_{opt}$",
                 title=f"c  NP floor (k={f['k']})")  # fmt: skip
        ax_c.legend(loc="upper right", fontsize=6)

    for i, (h, r) in enumerate(sorted(s["hiratani"].items(), key=lambda kv: int(kv[0]))):
        ax_d.plot(r["ratios"], r["diverged_fraction"], "o-", ms=3, lw=0.9, color=f"C{i + 3}",
                  label=f"$L_h$={h}")  # fmt: skip
    ax_d.set_xscale("log")
    ax_d.axvline(1.0, color="k", ls="--", lw=0.8)
    ticks = sorted({min(r["ratios"]), 1.0, max(r["ratios"])})
    ax_d.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax_d.set_xticks([], minor=True)
    ax_d.set(xlabel=r"$\eta / \eta^*$", ylabel="diverged fraction",
             title="d  Hiratani: critical rate")  # fmt: skip
    ax_d.legend(loc="lower right", fontsize=6)
    return fig
