"""F3 learning curves: theory (T5, lines) against simulation (mean ± 2 SE over replicates).

Panels: (a) expected loss vs online step for GD, NP, WP and NP with the LOCO input projector,
each at its predicted optimal learning rate; (b) loss after the last step vs learning rate for
NP and LOCO-projected NP, with the predicted asymptotic optimum (dashed), the best rate for this
horizon (dotted) and the mean-square stability edge (solid).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .io import figure

__all__ = ["make"]

LABEL = {"gd": "GD", "np": "NP", "wp": "WP", "np_loco": "NP + LOCO projector"}
COLOR = {"gd": "C0", "np": "C1", "wp": "C2", "np_loco": "C3"}


def make(theory: str, summary: str) -> Figure:
    """Build F3 from the theory arrays and the simulation summary."""
    th = np.load(theory)
    s = json.loads(Path(summary).read_text())
    cfg, rates = s["config"], s["rates"]
    fig = figure(figsize=(7.0, 2.6), layout="constrained")
    ax_a, ax_b = fig.subplots(1, 2, width_ratios=[1.1, 1.0])

    for v in ("gd", "np", "wp", "np_loco"):
        if v not in s["curves"]:
            continue
        c = s["curves"][v]
        t = np.asarray(c["steps"])
        mean, se = np.asarray(c["mean"]), np.asarray(c["se"])
        ax_a.fill_between(t, mean - 2 * se, mean + 2 * se, color=COLOR[v], alpha=0.25, lw=0)
        ax_a.plot(t, c["theory"], color=COLOR[v], lw=1.0,
                  label=rf"{LABEL[v]}, $\eta$={c['eta']:.2g}")  # fmt: skip
    ax_a.set(yscale="log", xlabel="online step", ylabel="expected loss",
             title=f"a  N={cfg['N']}, d={cfg['d']}, k={cfg['k']}, "
             rf"$\epsilon$={cfg['eps']:g}")  # fmt: skip
    ax_a.legend(loc="lower left", fontsize=6)

    for v, points in s["sweeps"].items():
        eta = th[f"sweep_eta_{v}"]
        loss = th[f"sweep_loss_{v}"]
        ok = np.isfinite(loss) & (loss < 1e3 * rates[v]["loss0"])
        ax_b.plot(eta[ok], loss[ok], color=COLOR[v], lw=1.0, label=LABEL[v])
        e = np.array([p["eta"] for p in points])
        m = np.array([p["mean"] for p in points])
        se = np.array([p["se"] for p in points])
        ax_b.errorbar(e, m, yerr=2 * se, fmt="o", ms=3, color=COLOR[v], elinewidth=0.8)
        r = rates[v]
        ax_b.axvline(r["eta_opt"], color=COLOR[v], ls="--", lw=0.7)
        ax_b.axvline(r["eta_best_at_steps"], color=COLOR[v], ls=":", lw=0.9)
        ax_b.axvline(r["eta_max"], color=COLOR[v], ls="-", lw=0.7, alpha=0.6)
    ax_b.set(xscale="log", yscale="log", xlabel=r"learning rate $\eta$",
             ylabel=f"loss after {cfg['steps']} steps",
             title=r"b  $\eta^*$ (dashed), best at horizon (dotted), edge (solid)")  # fmt: skip
    ax_b.legend(loc="upper left", fontsize=6)
    return fig
