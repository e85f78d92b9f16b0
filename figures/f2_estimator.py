"""F2 estimator variance and alignment: Monte Carlo (points, ±2 SE) against theory (lines).

Panels: (a) second moment and variance of the NP estimate vs the number N of perturbed units,
linearised and exact-MSE estimator; (b) cosine with the true gradient vs N; (c) second moment
of layer 1's estimate when L layers share one dL (T2); (d) an input-side projector of rank r:
variance of ``G P`` relative to the unprojected estimate and cosine of its mean with ``g x^T``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .io import figure

__all__ = ["make"]


def _err(ax, x, entry, **kw):
    mc = np.array([e["mc"] for e in entry])
    se = np.array([e["se"] for e in entry])
    ax.errorbar(x, mc, yerr=2 * se, fmt="o", ms=3, capsize=0, elinewidth=0.8, **kw)


def make(dimension: str, depth: str, projection: str) -> Figure:
    """Build F2 from the three Monte-Carlo result files."""
    dim = json.loads(Path(dimension).read_text())
    dep = json.loads(Path(depth).read_text())
    pro = json.loads(Path(projection).read_text())
    fig = figure(figsize=(7.0, 2.3), layout="constrained")
    ax_a, ax_b, ax_c, ax_d = fig.subplots(1, 4)

    for quadratic, color, name in ((False, "C0", "linearised"), (True, "C1", "exact MSE")):
        rows = [r for r in dim["rows"] if r["quadratic"] == quadratic]
        n = np.array([r["N"] for r in rows])
        ax_a.plot(n, [r["second_moment"]["theory"] for r in rows], "-", color=color, lw=0.9)
        _err(ax_a, n, [r["second_moment"] for r in rows], color=color, label=name)
        _err(ax_b, n, [r["cosine"] for r in rows], color=color, label=name)
        if not quadratic:
            ax_b.plot(n, [r["cosine"]["theory"] for r in rows], "-", color=color, lw=0.9)
            ax_b.plot(n, np.sqrt(2 / (np.pi * n)), ":", color="0.4", lw=0.9)
    ax_a.set(xscale="log", yscale="log", xlabel="perturbed units N",
             ylabel=r"$E\|G\|^2 / (\|g\|^2\|x\|^2)$",
             title=rf"a  second moment ($\sigma$={dim['sigma']:g})")  # fmt: skip
    ax_a.legend(loc="upper left")
    ax_b.set(xscale="log", yscale="log", xlabel="perturbed units N",
             ylabel=r"$E\cos(G, g x^\top)$", title="b  alignment")  # fmt: skip
    ax_b.text(0.05, 0.05, r"dotted: $\sqrt{2/(\pi N)}$", transform=ax_b.transAxes, fontsize=6)

    layers = np.array([r["layers"] for r in dep["rows"]])
    ax_c.plot(layers, [r["second_moment"]["theory"] for r in dep["rows"]], "-", color="C2", lw=0.9)
    _err(ax_c, layers, [r["second_moment"] for r in dep["rows"]], color="C2")
    ax_c.set(xlabel=f"layers sharing dL ({dep['units']} units each)",
             ylabel=r"$E\|G_1\|^2$", title="c  depth (T2)")  # fmt: skip

    ranks = np.array([r["rank"] for r in pro["rows"]])
    full = max(pro["rows"], key=lambda r: r["rank"])["variance"]["theory"]
    var = [{k: v / full for k, v in r["variance"].items() if k != "z"} for r in pro["rows"]]
    ax_d.plot(ranks, [v["theory"] for v in var], "-", color="C3", lw=0.9)
    _err(ax_d, ranks, var, color="C3", label="variance / unprojected")
    ax_d.plot(ranks, [r["mean_cosine"]["theory"] for r in pro["rows"]], "-", color="C5", lw=0.9)
    _err(ax_d, ranks, [r["mean_cosine"] for r in pro["rows"]], color="C5",
         label=r"$\cos(E[GP], g x^\top)$")  # fmt: skip
    ax_d.axvline(pro["k"], color="0.6", ls=":", lw=0.8)
    ax_d.set(xscale="log", ylim=(0, 1.1), xlabel="projector rank r",
             title=f"d  projection (d={pro['d']}, k={pro['k']})")  # fmt: skip
    ax_d.legend(loc="lower right", fontsize=6)
    return fig
