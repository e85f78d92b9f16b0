"""F1: low-rank measures (analysis.lowrank) of updates and activity vs rank bounds.

Per rule, stage (initial / trained weights) and layer ``l`` (1 = the pixel layer), for one batch
update, the sum of ``F1.batches`` batch updates and the layer's inputs:

* numerical rank of the updates (singular values above ``max(N, d + 1) eps s_max``, numpy's
  default), checked against the T3 bounds ``min(B, N, d + 1)`` and ``min(batches B, N, d + 1)``;
* two effective dimensions, each computed the same way for updates and inputs so they compare:
  the entropy effective rank of the singular values (Roy & Vetterli,
  `analysis.lowrank.effective_rank`; sensitive to the tail) and the participation ratio
  ``(sum s^2)^2 / sum s^4`` of the energy spectrum (`analysis.lowrank.participation_ratio`;
  counts the dominant directions);
* for the inputs both of the uncentred second moment (bias included: the rows an NP update is
  built from, dominated by the mean input) and of the centred covariance (the effective input
  dimension of T3 / Zuege et al.).

Numbers are trained-network values, averaged over seeds; the figure shows energy spectra.
"""

from __future__ import annotations

import json

import numpy as np

from .lowrank import effective_rank, participation_ratio, rank_of_spectrum
from .runs import mean

__all__ = ["spectra_summary"]


MEASURES = (
    "effective_rank_single",
    "effective_rank_accumulated",
    "effective_rank_activity",
    "participation_ratio_single",
    "participation_ratio_accumulated",
    "participation_ratio_activity",
    "participation_ratio_activity_uncentred",
    "numerical_rank_single",
)


def safe(measure, values) -> float | None:
    """``measure(values)``, or None for an all-zero spectrum (a silent layer)."""
    return measure(values) if np.any(values > 0) else None


def measures(f, meta: dict, stage: str) -> list[dict]:
    """Per layer, every measure of one stage's spectra (``f``: the run's arrays)."""
    out = []
    for l, (n, d) in enumerate(zip(meta["units"], meta["inputs"], strict=True), start=1):
        single = f[f"{stage}_single_update_L{l}"]
        total = f[f"{stage}_accumulated_update_L{l}"]
        second = f[f"{stage}_activity_L{l}"] ** 2  # uncentred, bias included
        cov = f[f"{stage}_activity_covariance_L{l}"]
        out.append(
            {
                "effective_rank_single": safe(effective_rank, single),
                "effective_rank_accumulated": safe(effective_rank, total),
                "effective_rank_activity": safe(effective_rank, np.sqrt(cov)),
                "participation_ratio_single": safe(participation_ratio, single**2),
                "participation_ratio_accumulated": safe(participation_ratio, total**2),
                "participation_ratio_activity": safe(participation_ratio, cov),
                "participation_ratio_activity_uncentred": safe(participation_ratio, second),
                "numerical_rank_single": rank_of_spectrum(single, (n, d + 1)),
                "numerical_rank_accumulated": rank_of_spectrum(total, (n, d + 1)),
                "single_update": normalised(single**2),
                "accumulated_update": normalised(total**2),
                "activity_uncentred": normalised(second),
                "activity_covariance": normalised(cov),
            }
        )
    return out


def normalised(energy: np.ndarray) -> list[float]:
    return (energy / max(energy[0], 1e-300)).tolist()


def spectra_summary(runs: dict, cfg: dict) -> tuple[dict, dict]:
    """F1's summary and numbers (module docstring).

    ``runs``: {(rule, seed): arrays of `sim.experiments.update_spectra` with ``meta`` (JSON)};
    ``cfg``: the F1 settings (``rules``, ``depth``).
    """
    per_rule: dict = {}
    meta = None
    for (rule, _seed), f in runs.items():
        meta = json.loads(str(f["meta"]))
        entry = {stage: measures(f, meta, stage) for stage in ("init", "trained")}
        entry["meta"] = meta
        per_rule.setdefault(rule, []).append(entry)
    numbers = {
        "F1.n_seeds": len({seed for _, seed in runs}),
        "F1.depth": cfg["depth"],
        "F1.batches": meta["batches"],
        "F1.batch_size": meta["batch_size"],
    }
    for l in range(1, cfg["depth"] + 1):
        numbers[f"F1.rank_bound.L{l}"] = meta["rank_bound_single"][l - 1]
        numbers[f"F1.rank_bound_accumulated.L{l}"] = meta["rank_bound_accumulated"][l - 1]
        numbers[f"F1.units.L{l}"] = meta["units"][l - 1]
        numbers[f"F1.inputs.L{l}"] = meta["inputs"][l - 1]
    holds = True
    summary = {"config": dict(cfg), "rules": {}}
    for rule in cfg["rules"]:
        runs = per_rule[rule]
        for run in runs:
            for stage in ("init", "trained"):
                for l, m in enumerate(run[stage]):
                    holds &= m["numerical_rank_single"] <= meta["rank_bound_single"][l]
                    holds &= m["numerical_rank_accumulated"] <= meta["rank_bound_accumulated"][l]
        numbers[f"F1.test_acc.{rule}"] = mean(r["meta"]["history"][-1]["test_acc"] for r in runs)
        for l in range(1, cfg["depth"] + 1):
            for key in MEASURES:  # "effective_rank_single" -> "F1.effective_rank.single..."
                words = key.split("_")
                name = "_".join(words[:2]) + "." + "_".join(words[2:])
                numbers[f"F1.{name}.{rule}.L{l}"] = mean(r["trained"][l - 1][key] for r in runs)
            numbers[f"F1.effective_rank.single_init.{rule}.L{l}"] = mean(
                r["init"][l - 1]["effective_rank_single"] for r in runs
            )
            if runs[0]["meta"].get("trained_projection_rank"):
                numbers[f"F1.projection_rank.{rule}.L{l}"] = mean(
                    r["meta"]["trained_projection_rank"][l - 1] for r in runs
                )
        # spectra of the first seed for the figure; measures per seed
        summary["rules"][rule] = {
            "spectra": {stage: runs[0][stage] for stage in ("init", "trained")},
            "test_acc": numbers[f"F1.test_acc.{rule}"],
        }
    numbers["F1.rank_bound_holds"] = bool(holds)
    summary["meta"] = {
        k: meta[k]
        for k in (
            "units",
            "inputs",
            "rank_bound_single",
            "rank_bound_accumulated",
            "batch_size",
            "batches",
        )
    }
    summary["numbers"] = numbers
    return summary, numbers
