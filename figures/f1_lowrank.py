"""F1 low rank: energy spectra of NP and LOCO batch updates and of layer inputs vs rank bounds.

Panels (trained network, first seed), each spectrum normalised by its largest value: squared
singular values of (a) one batch update and (b) the sum of F1.batches batch updates, per layer
(colour) for NP (solid) and LOCO (dashed), with the T3 rank bounds min(B, N, d+1) (dotted, layer
colour) and the participation ratio (PR) in the legend; (c) eigenvalues of the inputs of each
layer of the NP-trained network: uncentred second moment with the bias (solid; the rows an
update is built from) and centred covariance (dashed), with their PRs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .io import figure

__all__ = ["make"]

LABEL = {"np": "NP", "loco": "LOCO"}
DASH = {"np": "-", "loco": "--"}


def _curve(ax, values, **kwargs) -> None:
    values = np.asarray(values)
    values = values[values > 0]
    ax.plot(np.arange(1, len(values) + 1), values, lw=1.0, **kwargs)


def make(summary: str) -> Figure:
    """Build F1 from ``results/F1/summary.json``."""
    s = json.loads(Path(summary).read_text())
    meta, rules = s["meta"], s["config"]["rules"]
    fig = figure(figsize=(7.0, 2.7), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = [
        ("single", "rank_bound_single", "a  one batch update"),
        ("accumulated", "rank_bound_accumulated", f"b  sum of {meta['batches']} batch updates"),
    ]
    for ax, (key, bound, title) in zip(axes, panels, strict=False):
        for rule in rules:
            for l, m in enumerate(s["rules"][rule]["spectra"]["trained"]):
                pr = m[f"participation_ratio_{key}"]
                _curve(
                    ax,
                    m[f"{key}_update"],
                    color=f"C{l}",
                    ls=DASH[rule],
                    label=f"{LABEL[rule]} L{l + 1}: PR {pr:.1f}" if pr else None,
                )
        for l in range(len(meta["units"])):
            ax.axvline(meta[bound][l], color=f"C{l}", ls=":", lw=0.8)
        ax.set_title(title)
    ax = axes[2]
    rule = "np" if "np" in rules else rules[0]
    for l, m in enumerate(s["rules"][rule]["spectra"]["trained"]):
        pr_u, pr_c = m["participation_ratio_activity_uncentred"], m["participation_ratio_activity"]
        _curve(
            ax,
            m["activity_uncentred"],
            color=f"C{l}",
            label=f"L{l + 1} ({meta['inputs'][l]} in): PR {pr_u:.1f} / {pr_c:.1f}",
        )
        _curve(ax, m["activity_covariance"], color=f"C{l}", ls="--")
    ax.set_title(f"c  layer inputs ({LABEL[rule]} net)")
    for ax in axes:
        ax.set(xscale="log", yscale="log", xlabel="index", ylim=(1e-8, 2))
        ax.legend(loc="lower left", fontsize=5)
    axes[0].set_ylabel("normalised energy (s$^2$ or eigenvalue)")
    axes[2].text(
        0.98,
        0.98,
        "solid: uncentred + bias\ndashed: centred",
        ha="right",
        va="top",
        transform=axes[2].transAxes,
        fontsize=5.5,
    )
    return fig
