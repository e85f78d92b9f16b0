"""What the spiking network's time resolution does to node perturbation.

An IF network simulated for ``T`` steps reports rates in quanta of ``1/T`` spikes per step; its
``T -> inf`` limit is the rate network with the same weights (`sim.transfer`), whose gradient is
exact. A perturbation of size ``sigma`` on a hidden unit's current reaches the loss only through
the spikes it adds or removes, so with ``sigma`` well below ``1/T`` most perturbations change no
spike and NP's estimate loses its signal. `estimator_resolution` measures this per layer, for
each number of steps and noise size, on one batch at the config's initial weights:

* ``changed``: the fraction of a layer's (sample, unit) rates that one perturbation changes;
* ``cosine``: the mean cosine of one NP estimate with the rate network's exact gradient, with
  its standard error over draws (the estimator's signal per update);
* ``mean_cosine``: the cosine of the mean of the draws' estimates with that gradient (its bias
  towards the limit, up to the residual noise of ``draws`` estimates);
* ``readout_error``: ``|y_T - y_rate| / |y_rate|`` of the clean readouts (how far ``T`` steps
  are from the limit).

The rate network itself (``mode = "rate"``, with the membrane readout of the same ``T``) gives
the reference row at each ``T`` and ``sigma``. `resolution_summary` adds the F12 cells: the
regime's network trained in rate mode and in spiking mode with ``T`` steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product

import numpy as np

from sim.config import resolve
from sim.experiments import run_config
from sim.rules import make_rule
from sim.streams import stream
from sim.train import build_network, load_data, updates_per_epoch

from .regime import curve, run_at
from .runs import mean_se

__all__ = ["estimator_resolution", "resolution_summary", "sigma_tag", "signal_curves"]


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(np.sum(a * b) / (na * nb)) if na > 0 and nb > 0 else 0.0


def estimator_resolution(
    config: dict, *, steps: list[int], sigmas: list[float], draws: int = 100, batch: int = 100
) -> dict:
    """Per-layer NP estimate quality against the number of steps and ``sigma`` (module doc).

    Parameters
    ----------
    config : dict
        A `sim.config` training config; its network is simulated in spiking mode with each of
        ``steps`` and in rate mode, with the noise on the input currents and the config's loss.
    steps : list of int
        Numbers of simulation steps per presentation (each >= 1).
    sigmas : list of float
        Node-noise standard deviations (each > 0).
    draws : int
        NP estimates per (steps, sigma) on the measurement batch (>= 2).
    batch : int
        Samples in the measurement batch (the first of the training set).

    Returns
    -------
    dict
        ``rows``: one per (steps, mode, sigma) with ``mode`` ("rate", "spiking"), ``steps``,
        ``sigma``, ``readout_error`` and per layer ``changed``, ``cosine`` {mean, se} and
        ``mean_cosine``; plus ``draws``, ``batch`` and ``sizes``.
    """
    if not steps or not all(isinstance(t, int) and t >= 1 for t in steps):
        raise ValueError(f"steps must be a non-empty list of integers >= 1, got {steps!r}")
    if not sigmas or not all(np.isfinite(s) and s > 0 for s in sigmas):
        raise ValueError(f"sigmas must be a non-empty list of numbers > 0, got {sigmas!r}")
    if not (isinstance(draws, int) and draws >= 2):
        raise ValueError(f"draws must be an integer >= 2, got {draws!r}")
    cfg = resolve(run_config(config, "np"))
    if not (isinstance(batch, int) and 1 <= batch <= cfg["data"]["n_train"]):
        raise ValueError(f"batch must be an integer in [1, data.n_train], got {batch!r}")
    cfg["network"] |= {"perturb": "current"}
    data = load_data(cfg)
    x, y = data.train_x[:batch], np.eye(data.n_classes)[data.train_y[:batch]]

    def network(mode: str, t: int):
        return build_network(
            {**cfg, "network": cfg["network"] | {"mode": mode, "steps": t}},
            data.n_features,
            data.n_classes,
        )

    loss_name = cfg["rule"]["loss"]
    rows = []
    for t, mode in product(steps, ("rate", "spiking")):
        net, limit = network(mode, t), network("rate", t)  # the rate net: same readout scale
        true = make_rule("bp", loss=loss_name).estimate(limit, x, y, None).grads
        rng = stream(cfg["seed"], "resolution", t, mode == "spiking")
        drive = net.encode(x, rng)
        clean = net.forward(drive)
        error = _relative(clean.output, limit.forward(x).output)
        for sigma in sigmas:
            rule = make_rule("np", sigma=sigma, loss=loss_name)
            cos = np.empty((draws, net.depth))
            total = [np.zeros_like(g) for g in true]
            changed = np.zeros(net.depth)
            for r in range(draws):
                grads = rule.estimate(net, drive, y, rng).grads
                for l, g in enumerate(grads):
                    cos[r, l] = _cosine(g, true[l])
                    total[l] += g
                noise = [rng.normal(0.0, sigma, (batch, n)) for n in net.sizes[1:]]
                noisy = net.forward(drive, noise, reuse=clean)
                outs = [
                    *zip(noisy.pre_rates[1:], clean.pre_rates[1:], strict=True),
                    (noisy.output, clean.output),
                ]
                changed += [np.mean(a != b) for a, b in outs]
            layers = []
            for l in range(net.depth):
                m, se = mean_se(cos[:, l])
                layers.append({
                    "changed": float(changed[l] / draws),
                    "cosine": {"mean": m, "se": se},
                    "mean_cosine": _cosine(total[l], true[l]),
                })  # fmt: skip
            rows.append({
                "mode": mode, "steps": t, "sigma": sigma, "readout_error": error, "layers": layers
            })  # fmt: skip
    return {"rows": rows, "draws": draws, "batch": batch, "sizes": net.sizes}


def sigma_tag(sigma: float) -> str:
    """A numbers key part for a noise size: 0.005 -> 'sigma0p005'."""
    return "sigma" + format(sigma, "g").replace(".", "p").replace("-", "m")


def signal_curves(measurement: dict) -> dict:
    """Per ``sigma`` (as ``format(sigma, "g")``), against ``steps``: ``signal``, the mean over
    hidden layers (all but the readout, whose perturbation acts without spikes) of the spiking
    single-draw cosine over its rate limit's, and ``changed``, the mean fraction of hidden
    rates one perturbation changes in spiking mode (the rate limit changes every unit in its
    linear range)."""
    rows = {(r["mode"], r["steps"], r["sigma"]): r for r in measurement["rows"]}
    curves: dict = {}
    for (mode, t, sigma), row in sorted(rows.items()):
        if mode != "spiking":
            continue
        limit = rows[("rate", t, sigma)]["layers"]
        hidden = range(len(row["layers"]) - 1)
        ratios = [
            row["layers"][l]["cosine"]["mean"] / limit[l]["cosine"]["mean"]
            for l in hidden
            if limit[l]["cosine"]["mean"] > 0
        ]
        curve = curves.setdefault(format(sigma, "g"), {"steps": [], "signal": [], "changed": []})
        curve["steps"].append(t)
        curve["signal"].append(float(np.mean(ratios)) if ratios else None)
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
        <sigma>`` and ``changed...`` (`signal_curves`), ``readout_error.T<T>``; per trained
        cell ``test_acc.<stream>.<rule>.<cell>`` (final test accuracy at the chosen rate) and
        ``lr...``, ``gain.<stream>.<cell>`` (LOCO minus NP); ``sigma`` (the runs' noise),
        ``updates`` and ``hidden``.
    """
    curves = signal_curves(measurement)
    numbers: dict = {}
    for sigma, c in curves.items():
        for i, t in enumerate(c["steps"]):
            for name in ("signal", "changed"):
                numbers[f"F12.{name}.T{t}.{sigma_tag(float(sigma))}"] = c[name][i]
    for row in measurement["rows"]:
        if row["mode"] == "spiking":
            numbers[f"F12.readout_error.T{row['steps']}"] = row["readout_error"]
    summary: dict = {"measurement": measurement, "signal": curves, "cells": {}}
    if runs:
        first = resolve(runs[min(runs)]["config"])
        per_epoch = updates_per_epoch(first)
        numbers |= {
            "F12.sigma": first["rule"]["sigma"],
            "F12.updates": per_epoch * first["training"]["epochs"],
            "F12.hidden": first["network"]["hidden"],
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
