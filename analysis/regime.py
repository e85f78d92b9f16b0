"""LOCO in its authors' regime (F10): learning curves, tuned and fixed-rate accuracies, the
decomposition of LOCO's gain over NP and the projectors' effect on each layer (T4).

Reads the records of `sim.experiments.lr_sweep` (one per cell and seed; the first seed's sweep
chose the cell's rate, the other seeds trained at that rate and at the authors' fixed rate) and
of `analysis.layer_estimates.layer_estimator_moments`. A cell is (stream, scaling, rule).

Numbers (``F10.`` prefix; accuracies have a CI key beside them, ``test_acc_ci95...``, the half
width of the 95 % t interval over seeds, present with 2 seeds or more):

* ``test_acc.<stream>.<rule>`` (normalised scaling) and ``test_acc_authors_scaling.<stream>.
  <rule>``: final test accuracy at the chosen rate, mean over seeds; ``lr.<scaling>.<stream>.
  <rule>`` the chosen rate; ``test_acc_authors_lr.<stream>.<rule>``: at the fixed rate;
* ``gain.<scaling>.<stream>``: LOCO minus NP (tuned), ``gain_port...`` the port minus NP,
  ``gain_authors_lr.<stream>``: LOCO minus NP at the fixed rate (authors' scaling); the
  difference between the two is what tuning NP's step recovers;
* ``ablation.<variant>.<stream>``: LOCO variant minus full LOCO (authors' scaling, LOCO's rate);
* ``step_ratio.<scaling>.<stream>.<rule>``: mean applied update norm over NP's, at the
  chosen rates (the effective step size);
* per layer ``l``: ``energy.<rule>.L<l>`` (``sum |P x|^2 / sum |x|^2``), ``variance_ratio.
  <rule>.L<l>`` (measured ``E|G P|^2 / E|G|^2``) and ``variance_ratio_theory...`` (T4), and
  ``layers.max_abs_z`` over every measured-vs-T4 second moment.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.config import settings
from sim.train import updates_per_epoch

from .runs import at_grid_edge, ci95, mean, mean_curve, spread_key

__all__ = ["curve", "regime_summary", "run_at"]

ACCURACY_KEY = {"normalised": "test_acc", "authors": "test_acc_authors_scaling"}  # per scaling


def run_at(sweep: dict, lr: float) -> dict | None:
    """The run of ``sweep`` trained at rate ``lr`` (None: not trained or diverged)."""
    for run in sweep["runs"]:
        if np.isclose(run["lr"], lr, rtol=1e-12, atol=0) and not run["diverged"]:
            return run
    return None


def curve(run: dict | None, per_epoch: int) -> dict:
    """``{"updates": [...], "test_acc": [...]}`` of a run's history (empty when None)."""
    history = run["history"] if run else []
    return {
        "updates": [r["epoch"] * per_epoch for r in history],
        "test_acc": [r["test_acc"] for r in history],
    }


def _final(run: dict | None) -> float | None:
    return run["history"][-1]["test_acc"] if run else None


def _step(run: dict | None) -> float | None:
    """Mean applied update norm over the run's epochs and layers."""
    return float(np.mean([r["update_norm"] for r in run["history"]])) if run else None


def _with_ci(numbers: dict, key: str, values: list) -> None:
    """``numbers[key]``: the mean of ``values``; with 2 values or more also the CI key
    (``F10.test_acc.x`` -> ``F10.test_acc_ci95.x``)."""
    numbers[key] = mean(values)
    if len([v for v in values if v is not None]) >= 2:
        numbers[spread_key(key)] = ci95(values)


def regime_summary(
    runs: Mapping[tuple[str, str, str, int], dict],
    ablation: Mapping[tuple[str, str, int], dict],
    layers: dict,
    *,
    authors_lr: float,
) -> tuple[dict, dict]:
    """Summary (curves per cell and seed, their means for the figure) and numbers of F10.

    Parameters
    ----------
    runs : {(stream, scaling, rule, seed): lr_sweep record}
        The first seed of each cell (smallest seed) holds the rate sweep; its ``best`` is the
        cell's rate, at which every seed is read. A cell may have fewer seeds than the others
        (``seeds.<scaling>.<stream>.<rule>`` counts them).
    ablation : {(stream, variant, seed): lr_sweep record}
        LOCO variants at the authors' scaling, trained at full LOCO's chosen rate.
    layers : dict
        `layer_estimator_moments` output with projected rules ``loco`` and ``loco_port``.
    authors_lr : float
        The authors' fixed rate (authors' scaling), trained in every seed.
    """
    cells = sorted({k[:3] for k in runs})
    seeds = sorted({k[3] for k in runs})
    first = settings(runs[min(runs)]["config"])
    per_epoch = updates_per_epoch(first)
    numbers: dict = {
        "F10.seeds": len(seeds),
        "F10.updates_per_epoch": per_epoch,
        "F10.epochs": first.training.epochs,
        "F10.batch_size": first.training.batch_size,
        "F10.hidden": first.network.hidden,
        "F10.authors_lr": authors_lr,
    }
    summary: dict = {"cells": {}, "ablation": {}, "layers": layers}
    chosen: dict = {}
    for stream, scaling, rule in cells:
        sweeps = [
            runs[(stream, scaling, rule, s)] for s in seeds if (stream, scaling, rule, s) in runs
        ]
        best = sweeps[0]["best"]
        lr = best["lr"] if best else None
        chosen[(stream, scaling, rule)] = lr
        at_lr = [run_at(sw, lr) if lr is not None else None for sw in sweeps]
        tag = f"{stream}.{rule}"
        _with_ci(numbers, f"F10.{ACCURACY_KEY[scaling]}.{tag}", [_final(r) for r in at_lr])
        numbers[f"F10.lr.{scaling}.{tag}"] = lr
        tried = [r["lr"] for r in sweeps[0]["runs"]]
        numbers[f"F10.lr_at_grid_edge.{scaling}.{tag}"] = at_grid_edge(lr, tried)
        numbers[f"F10.diverged.{scaling}.{tag}"] = sum(r is None for r in at_lr)
        numbers[f"F10.seeds.{scaling}.{tag}"] = len(sweeps)
        fixed = [run_at(sw, authors_lr) for sw in sweeps] if scaling == "authors" else []
        if fixed:
            _with_ci(numbers, f"F10.test_acc_authors_lr.{tag}", [_final(r) for r in fixed])
        summary["cells"][f"{stream}.{scaling}.{rule}"] = {
            "lr": lr,
            "curves": [curve(r, per_epoch) for r in at_lr],
            "curves_authors_lr": [curve(r, per_epoch) for r in fixed],
            "mean": mean_curve([curve(r, per_epoch) for r in at_lr]),
            "mean_authors_lr": mean_curve([curve(r, per_epoch) for r in fixed]),
            "step": mean([_step(r) for r in at_lr]),
        }
    for stream, scaling, rule in cells:
        cell = summary["cells"][f"{stream}.{scaling}.{rule}"]
        base = summary["cells"].get(f"{stream}.{scaling}.np")
        if rule != "np" and base and cell["step"] is not None and base["step"]:
            numbers[f"F10.step_ratio.{scaling}.{stream}.{rule}"] = cell["step"] / base["step"]
    for stream in sorted({c[0] for c in cells}):
        for scaling, key in ACCURACY_KEY.items():
            acc = {r: numbers.get(f"F10.{key}.{stream}.{r}") for r in ("np", "loco", "loco_port")}
            for rule, name in (("loco", "gain"), ("loco_port", "gain_port")):
                if acc["np"] is not None and acc[rule] is not None:
                    numbers[f"F10.{name}.{scaling}.{stream}"] = acc[rule] - acc["np"]
        fixed = {r: numbers.get(f"F10.test_acc_authors_lr.{stream}.{r}") for r in ("np", "loco")}
        if None not in fixed.values():
            numbers[f"F10.gain_authors_lr.{stream}"] = fixed["loco"] - fixed["np"]
    for stream, variant in sorted({k[:2] for k in ablation}):
        lr = chosen.get((stream, "authors", "loco"))
        finals = [
            _final(run_at(ablation[(stream, variant, s)], lr)) if lr is not None else None
            for s in seeds
            if (stream, variant, s) in ablation
        ]
        full = numbers.get(f"F10.test_acc_authors_scaling.{stream}.loco")
        acc = mean(finals)
        summary["ablation"][f"{stream}.{variant}"] = {"lr": lr, "test_acc": finals}
        numbers[f"F10.ablation_acc.{variant}.{stream}"] = acc
        numbers[f"F10.ablation.{variant}.{stream}"] = (
            acc - full if acc is not None and full is not None else None
        )
    z = []
    for l, layer in enumerate(layers["layers"]):
        np_moment = layer["np"]["second_moment"]
        z.append(abs(np_moment["z"]))
        for rule, fraction in layer["energy_fraction"].items():
            moment = layer[rule]["second_moment"]
            z.append(abs(moment["z"]))
            numbers[f"F10.energy.{rule}.L{l + 1}"] = fraction
            numbers[f"F10.variance_ratio.{rule}.L{l + 1}"] = moment["mc"] / np_moment["mc"]
            numbers[f"F10.variance_ratio_theory.{rule}.L{l + 1}"] = (
                moment["theory"] / np_moment["theory"]
            )
    numbers["F10.layers.max_abs_z"] = max(z)
    return summary, numbers
