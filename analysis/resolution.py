"""What the spiking network's time resolution does to node perturbation.

An IF network simulated for ``T`` steps reports rates in quanta of ``1/T`` spikes per step; its
``T -> inf`` limit is the rate network with the same weights and readout (`sim.transfer`), whose
gradient is exact. A perturbation of size ``sigma`` on a hidden unit's current reaches the loss
only through the spikes it adds or removes, so with ``sigma`` well below ``1/T`` most
perturbations change no spike and NP's estimate loses its signal.

NP's mean estimate is built from each unit's loss difference: ``E[G] = (1/sigma^2) E[dL xi] x^T``
carries, unit by unit, the finite-difference derivative of the loss with respect to that
unit's current at scale ``sigma`` (the other units only add noise, T2, alike in both modes).
`estimator_resolution` measures that derivative directly, without NP's noise: on one batch at
the config's initial weights, for ``units`` random units per layer, the central difference
``J_fd = (L_b(I_i + sigma) - L_b(I_i - sigma)) / (2 sigma)`` of every sample's loss, against the
rate limit's exact ``J = dL_b/dI_i`` (BP's per-sample deltas). Per layer:

* ``slope``: ``sum J_fd J / sum J^2``, the share of the true derivative the difference carries
  (1: NP's mean estimate is the gradient; 0: no signal);
* ``cosine``: of ``J_fd`` and ``J`` over samples and units;
* ``zero``: the fraction of (sample, unit) whose loss the perturbation leaves exactly unchanged;
* ``changed``: the fraction of a layer's (sample, unit) rates one NP perturbation of all units
  changes (mean over ``draws``);
* ``readout_error``: ``|y_T - y_rate| / |y_rate|`` of the clean readouts (how far ``T`` steps
  are from the limit).

The rate network itself (``mode = "rate"``, with the membrane readout of the same ``T``) gives
the reference row at each ``T`` and ``sigma``. `resolution_summary` adds the F12 cells: the
regime's network trained in rate mode and in spiking mode with ``T`` steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from itertools import product

import numpy as np

from sim.config import settings
from sim.experiments import run_config
from sim.losses import loss
from sim.rules.gradient import BP
from sim.streams import stream
from sim.train import build_network, load_data, updates_per_epoch

from .layer_estimates import cosine_similarity
from .regime import curve, run_at

__all__ = ["estimator_resolution", "resolution_summary", "sigma_tag", "signal_curves"]


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def estimator_resolution(
    config: dict,
    *,
    steps: list[int],
    sigmas: list[float],
    draws: int = 10,
    batch: int = 100,
    units: int = 20,
) -> dict:
    """Per-layer finite-difference derivatives against the rate limit (module docstring).

    Parameters
    ----------
    config : dict
        A `sim.config` training config; its network is simulated in spiking mode with each of
        ``steps`` and in rate mode, with the noise on the input currents and the config's loss.
    steps : list of int
        Numbers of simulation steps per presentation (each >= 1).
    sigmas : list of float
        Perturbation sizes (each > 0).
    draws : int
        NP perturbations per (steps, sigma) for ``changed`` (>= 1).
    batch : int
        Samples in the measurement batch (the first of the training set).
    units : int
        Units per layer whose derivative is measured (all when a layer has fewer), the same
        for every (steps, sigma).

    Returns
    -------
    dict
        ``rows``: one per (steps, mode, sigma) with ``mode`` ("rate", "spiking"), ``steps``,
        ``sigma``, ``readout_error`` and per layer ``slope``, ``cosine``, ``zero`` and
        ``changed``; plus ``draws``, ``batch``, ``units`` (the measured unit indices per
        layer) and ``sizes``.
    """
    if not steps or not all(isinstance(t, int) and t >= 1 for t in steps):
        raise ValueError(f"steps must be a non-empty list of integers >= 1, got {steps!r}")
    if not sigmas or not all(np.isfinite(s) and s > 0 for s in sigmas):
        raise ValueError(f"sigmas must be a non-empty list of numbers > 0, got {sigmas!r}")
    if not (isinstance(draws, int) and draws >= 1):
        raise ValueError(f"draws must be an integer >= 1, got {draws!r}")
    if not (isinstance(units, int) and units >= 1):
        raise ValueError(f"units must be an integer >= 1, got {units!r}")
    cfg = settings(run_config(config, "np"))
    if not (isinstance(batch, int) and 1 <= batch <= cfg.data.n_train):
        raise ValueError(f"batch must be an integer in [1, data.n_train], got {batch!r}")
    data = load_data(cfg)
    x, y = data.train_x[:batch], np.eye(data.n_classes)[data.train_y[:batch]]

    def network(mode: str, t: int):
        network = dataclasses.replace(cfg.network, mode=mode, steps=t, perturb="current")
        return build_network(
            dataclasses.replace(cfg, network=network), data.n_features, data.n_classes
        )

    loss_name = cfg.rule["loss"]
    sizes = network("rate", 1).sizes
    pick = stream(cfg.seed, "resolution", 0, 0)
    chosen = [np.sort(pick.choice(n, min(units, n), replace=False)) for n in sizes[1:]]
    rows = []
    for t, mode in product(steps, ("rate", "spiking")):
        net, limit = network(mode, t), network("rate", t)  # the rate net: same readout scale
        exact = BP(loss=loss_name).per_sample_current_gradients(limit, x, y)
        true = [g[:, idx] for g, idx in zip(exact, chosen, strict=True)]  # dL_b/dI, measured units
        rng = stream(cfg.seed, "resolution", t, mode == "spiking")
        drive = net.encode(x, rng)
        clean = net.forward(drive)
        error = _relative(clean.output, limit.forward(x).output)
        for sigma in sigmas:
            layers = []
            for l, idx in enumerate(chosen):
                fd = np.empty((batch, idx.size))
                for k, i in enumerate(idx):
                    losses = []
                    for sign in (1.0, -1.0):
                        bump = [None] * net.depth
                        bump[l] = np.zeros((batch, net.sizes[l + 1]))
                        bump[l][:, i] = sign * sigma
                        out = net.forward(drive, bump, reuse=clean).output
                        losses.append(loss(loss_name, out, y))
                    fd[:, k] = (losses[0] - losses[1]) / (2 * sigma)
                j = true[l]
                layers.append({
                    "slope": float(np.sum(fd * j) / np.sum(j * j)),
                    "cosine": cosine_similarity(fd, j),
                    "zero": float(np.mean(fd == 0)),
                })  # fmt: skip
            changed = np.zeros(net.depth)
            for _ in range(draws):
                noise = [rng.normal(0.0, sigma, (batch, n)) for n in net.sizes[1:]]
                noisy = net.forward(drive, noise, reuse=clean)
                outs = [
                    *zip(noisy.pre_rates[1:], clean.pre_rates[1:], strict=True),
                    (noisy.output, clean.output),
                ]
                changed += [np.mean(a != b) for a, b in outs]
            for layer, c in zip(layers, changed / draws, strict=True):
                layer["changed"] = float(c)
            rows.append({
                "mode": mode, "steps": t, "sigma": sigma, "readout_error": error, "layers": layers
            })  # fmt: skip
    return {
        "rows": rows,
        "draws": draws,
        "batch": batch,
        "units": [idx.tolist() for idx in chosen],
        "sizes": sizes,
    }


def sigma_tag(sigma: float) -> str:
    """A numbers key part for a noise size: 0.005 -> 'sigma0p005'."""
    return "sigma" + format(sigma, "g").replace(".", "p").replace("-", "m")


def signal_curves(measurement: dict) -> dict:
    """Per ``sigma`` (as ``format(sigma, "g")``), against ``steps``, means over the hidden
    layers (all but the readout, whose perturbation acts without spikes) of the spiking value
    over its rate limit's: ``signal`` (``slope``: the share of the exact derivative that NP's
    mean estimate keeps) and ``fidelity`` (``cosine``: how well each single difference follows
    the derivative; quantisation adds noise that lowers it even where the mean is kept), and
    ``changed``, the mean fraction of hidden rates one NP perturbation changes in spiking mode
    (the rate limit changes every unit in its linear range)."""
    rows = {(r["mode"], r["steps"], r["sigma"]): r for r in measurement["rows"]}
    curves: dict = {}
    for (mode, t, sigma), row in sorted(rows.items()):
        if mode != "spiking":
            continue
        limit = rows[("rate", t, sigma)]["layers"]
        hidden = range(len(row["layers"]) - 1)
        curve = curves.setdefault(
            format(sigma, "g"), {"steps": [], "signal": [], "fidelity": [], "changed": []}
        )
        curve["steps"].append(t)
        for name, key in (("signal", "slope"), ("fidelity", "cosine")):
            ratios = [row["layers"][l][key] / limit[l][key] for l in hidden if limit[l][key] > 0]
            curve[name].append(float(np.mean(ratios)) if ratios else None)
        curve["changed"].append(float(np.mean([row["layers"][l]["changed"] for l in hidden])))
    return curves


def resolution_summary(
    measurement: dict, runs: Mapping[tuple[str, str, str], dict]
) -> tuple[dict, dict]:
    """Summary and numbers of F12: the estimator measurement and the trained cells.

    Parameters
    ----------
    measurement : dict
        `estimator_resolution` output.
    runs : {(stream, rule, cell): lr_sweep record}
        ``cell`` is ``"rate"`` or ``"T<steps>"`` (spiking); each record's ``best`` is the
        cell's rate.

    Returns
    -------
    (summary, numbers)
        Numbers (``F12.`` prefix): per steps ``T`` and noise (`sigma_tag`) ``signal.T<T>.
        <sigma>``, ``fidelity...`` and ``changed...`` (`signal_curves`),
        ``readout_error.T<T>``; per trained cell ``test_acc.<stream>.<rule>.<cell>`` (final
        test accuracy at the chosen rate) and ``lr...``, ``gain.<stream>.<cell>`` (LOCO minus
        NP); ``sigma`` (the runs' noise), ``updates`` and ``hidden``.
    """
    curves = signal_curves(measurement)
    numbers: dict = {}
    for sigma, c in curves.items():
        for i, t in enumerate(c["steps"]):
            for name in ("signal", "fidelity", "changed"):
                numbers[f"F12.{name}.T{t}.{sigma_tag(float(sigma))}"] = c[name][i]
    for row in measurement["rows"]:
        if row["mode"] == "spiking":
            numbers[f"F12.readout_error.T{row['steps']}"] = row["readout_error"]
    summary: dict = {"measurement": measurement, "signal": curves, "cells": {}}
    if runs:
        first = settings(runs[min(runs)]["config"])
        per_epoch = updates_per_epoch(first)
        numbers |= {
            "F12.sigma": first.rule["sigma"],
            "F12.updates": per_epoch * first.training.epochs,
            "F12.hidden": first.network.hidden,
        }
    for (order, rule, cell), sweep in sorted(runs.items()):
        lr = sweep["best"]["lr"] if sweep["best"] else None
        run = run_at(sweep, lr) if lr is not None else None
        tag = f"{order}.{rule}.{cell}"
        numbers[f"F12.test_acc.{tag}"] = run["history"][-1]["test_acc"] if run else None
        numbers[f"F12.lr.{tag}"] = lr
        summary["cells"][tag] = {"lr": lr, "curve": curve(run, per_epoch)}
    for order, cell in sorted({(k[0], k[2]) for k in runs}):
        acc = {r: numbers.get(f"F12.test_acc.{order}.{r}.{cell}") for r in ("np", "loco")}
        if None not in acc.values():
            numbers[f"F12.gain.{order}.{cell}"] = acc["loco"] - acc["np"]
    return summary, numbers
