"""Per-layer NP and LOCO estimator moments in a real network, measured against T2 and T4.

`layer_estimator_moments` takes a training config in rate mode (where the true gradient is
exact), lets LOCO's projectors see ``warmup`` training batches, freezes each layer's projector
``P_l``, and then draws ``draws`` NP estimates on one further batch. Per layer it compares:

* the second moment ``E|G_l|^2`` (NP) and ``E|G_l P_l|^2`` (LOCO) with the theory. With per-sample
  current gradients ``g_b`` (all layers; ``g_{b,l}`` layer ``l``'s part), inputs ``x_{b,l}``
  (bias 1 appended), batch size ``B`` and the true batch gradient ``gbar_l``,

      E|G_l P|^2 = |gbar_l P|^2 + (1/B^2) sum_b [ |P x_{b,l}|^2 (N_l |g_b|^2 + |g_{b,l}|^2) ]

  i.e. T2's per-sample second moment (`analysis.theory.depth_second_moments`, all layers
  perturbed with one shared dL) minus its squared mean, with the input-side projector of T4
  acting on ``x`` (``P = I`` for NP). Exact for the linearised estimator; NP's finite
  difference adds a relative bias of order ``sigma``, so measure with a small ``sigma``.
* the mean cosine of one estimate with ``gbar_l`` against the ratio-of-moments approximation
  ``<gbar_l P, gbar_l> / (|gbar_l| sqrt(E|G_l P|^2))`` (exact only when ``|G|`` concentrates,
  i.e. for many perturbed units; reported, not a test of the theory).
"""

from __future__ import annotations

import copy

import numpy as np

from sim.config import settings
from sim.experiments import run_config
from sim.rules.loco import with_bias
from sim.streams import stream
from sim.train import build_network, build_rule, load_data

from .theory import depth_second_moments

__all__ = [
    "batch_projector",
    "cosine_similarity",
    "layer_estimator_moments",
    "predicted_second_moments",
    "warm_up",
]


def predicted_second_moments(
    per_sample: list[list[np.ndarray]],
    inputs: list[np.ndarray],
    projectors: list[np.ndarray] | None = None,
) -> np.ndarray:
    """``E|G_l P_l|^2`` of the batch-mean NP estimate, every layer (see the module docstring).

    Parameters
    ----------
    per_sample : list over samples of lists over layers of ndarray (N_l,)
        Per-sample gradients of the loss with respect to each layer's perturbed currents.
    inputs : list over layers of ndarray (B, d_l + 1)
        Each layer's input, bias included.
    projectors : list over layers of ndarray (d_l + 1, d_l + 1), optional
        Symmetric input-side projectors (None: NP, ``P = I``).

    Examples
    --------
    One sample, one layer of one unit, input (1, 1): ``|x|^2 (N|g|^2 + |g|^2) + |g x|^2``.

    >>> float(predicted_second_moments([[np.array([2.0])]], [np.array([[1.0, 1.0]])])[0])
    24.0
    """
    depth = len(inputs)
    batch = inputs[0].shape[0]
    if len(per_sample) != batch or any(len(g) != depth for g in per_sample):
        raise ValueError("per_sample must hold one list of per-layer gradients per input row")
    eye = [np.eye(x.shape[1]) for x in inputs]
    P = eye if projectors is None else projectors
    projected = [x @ p for x, p in zip(inputs, P, strict=True)]  # P symmetric
    mean = [
        np.einsum("bn,bd->nd", np.array([g[l] for g in per_sample]), projected[l]) / batch
        for l in range(depth)
    ]
    noise = np.zeros(depth)
    for b, g in enumerate(per_sample):
        xs = [projected[l][b] for l in range(depth)]
        second = depth_second_moments(g, xs)
        noise += second - np.array([(g[l] @ g[l]) * (x @ x) for l, x in enumerate(xs)])
    return np.array([np.sum(m**2) for m in mean]) + noise / batch**2


def _per_sample_gradients(net, drive, targets, bp) -> list[list[np.ndarray]]:
    """``dL_b/dI_l`` of every sample: the bias column of BP's gradient on that sample alone."""
    return [
        [
            g[:, -1].copy()
            for g in bp.estimate(net, drive[b : b + 1], targets[b : b + 1], None).grads
        ]
        for b in range(drive.shape[0])
    ]


def _stats(values: np.ndarray) -> dict:
    return {"mc": float(values.mean()), "se": float(values.std(ddof=1) / np.sqrt(values.size))}


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two arrays taken as flat vectors (0 when either is zero)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(np.sum(a * b) / (na * nb)) if na > 0 and nb > 0 else 0.0


def batch_projector(rule, layer: int, inputs: np.ndarray) -> np.ndarray:
    """Layer ``layer``'s symmetric input-side matrix ``M`` (``G -> G M``) of a rule for the
    batch ``inputs`` (bias included): LOCO's current projector ``P``, the port's per-batch one
    (one more step), or DNP's ``Rt^T Rt`` (``Rt = blockdiag(R_l, 1)``: its SGD step on ``V``
    moves the effective weights by ``G_V Rt``, NP's ``G`` times ``Rt^T Rt``; not a projector)."""
    if hasattr(rule, "decorrelators"):
        rt = np.eye(inputs.shape[1])
        rt[:-1, :-1] = rule.decorrelators[layer]
        return rt.T @ rt
    projector = rule.projectors[layer]
    return projector.matrix() if hasattr(projector, "matrix") else projector(inputs)


def warm_up(net, rules: dict, names, batch_at, batches: int, rng) -> None:
    """Let the rules ``names`` of ``rules`` (name -> rule) see training batches
    ``batch_at(0 .. batches - 1)`` without a weight step on ``net``: LOCO's projectors track the
    inputs, DNP's decorrelation learns (on a copy of ``net``: DNP rewrites ``W``)."""
    warm = {name: copy.deepcopy(net) for name in names}
    for i in range(batches):
        for name in names:
            rules[name].estimate(warm[name], *batch_at(i), rng)
            if hasattr(rules[name], "decorrelate"):  # DNP's R learns (no weight step)
                rules[name].decorrelate(warm[name])


def layer_estimator_moments(
    config: dict, *, draws: int = 2000, warmup: int = 20, projected: tuple = ("loco",)
) -> dict:
    """Measured and predicted per-layer NP / LOCO estimator moments (see the module docstring).

    Parameters
    ----------
    config : dict
        A `sim.config` training config with ``network.mode = "rate"``; its ``rule`` section
        gives ``sigma``, ``loss`` and LOCO's projector options.
    draws : int
        Independent NP estimates on the measurement batch (>= 2).
    warmup : int
        Training batches LOCO's projectors see before they are frozen (>= 1).
    projected : tuple of str
        Rules whose estimate is NP's times an input-side matrix, measured beside NP: ``loco``,
        ``loco_port`` (the projector it would apply to the measurement batch) and ``dnp`` (with
        ``estimator: np``; T4 with ``Rt^T Rt`` for ``P``: decorrelation rescales ``|x|^2``,
        never the node-noise factor).

    Returns
    -------
    dict
        ``layers``: per layer ``units``, ``inputs`` (bias included), ``projection_rank`` (of
        the first projected rule; per rule in ``projection_ranks``), ``energy_fraction``
        (per projected rule: ``sum_b |P x_b|^2 / sum_b |x_b|^2`` on the measurement batch) and,
        for ``np`` and each projected rule, ``second_moment`` {mc, se, theory, z} and
        ``cosine`` {mc, se, approx}; plus ``depth``, ``batch_size``, ``sigma``, ``draws`` and
        ``warmup``.

    Raises
    ------
    ValueError
        Spiking mode (no exact gradient), too few draws or warm-up batches, or too little data.
    """
    names = ("np", *projected, "bp")
    runs = {name: settings(run_config(config, name)) for name in names}
    cfg = runs["np"]
    if cfg.network.mode != "rate":
        raise ValueError("layer_estimator_moments needs network.mode = 'rate' (exact gradients)")
    if not (isinstance(draws, int) and draws >= 2):
        raise ValueError(f"draws must be an integer >= 2, got {draws!r}")
    if not (isinstance(warmup, int) and warmup >= 1):
        raise ValueError(f"warmup must be an integer >= 1, got {warmup!r}")
    batch = cfg.training.batch_size
    if (warmup + 1) * batch > cfg.data.n_train:
        raise ValueError(
            f"needs (warmup + 1) * batch_size = {(warmup + 1) * batch} training samples, "
            f"data.n_train is {cfg.data.n_train}"
        )
    data = load_data(cfg)
    net = build_network(cfg, data.n_features, data.n_classes)
    make = {name: build_rule(run) for name, run in runs.items()}
    perturb, bp = make["np"], make["bp"]
    rng = stream(cfg.seed, "layer_estimates")

    def batch_at(i: int):
        sl = slice(i * batch, (i + 1) * batch)
        return net.encode(data.train_x[sl], rng), np.eye(data.n_classes)[data.train_y[sl]]

    warm_up(net, make, projected, batch_at, warmup, rng)
    drive, targets = batch_at(warmup)
    inputs = [with_bias(x) for x in net.forward(drive).pre_rates]
    P = {
        name: [batch_projector(make[name], l, x) for l, x in enumerate(inputs)]
        for name in projected
    }
    per_sample = _per_sample_gradients(net, drive, targets, bp)
    true = bp.estimate(net, drive, targets, None).grads
    theory = {"np": predicted_second_moments(per_sample, inputs)}
    theory |= {name: predicted_second_moments(per_sample, inputs, P[name]) for name in projected}
    depth = net.depth
    second = {k: np.empty((draws, depth)) for k in theory}
    cosine = {k: np.empty((draws, depth)) for k in theory}
    for r in range(draws):
        grads = perturb.estimate(net, drive, targets, rng).grads
        for l, G in enumerate(grads):
            for name, est in [("np", G)] + [(n, G @ P[n][l]) for n in projected]:
                second[name][r, l] = np.sum(est**2)
                cosine[name][r, l] = cosine_similarity(est, true[l])
    layers = []
    for l in range(depth):
        row = {
            "units": int(net.weights[l].shape[0]),
            "inputs": int(net.weights[l].shape[1]),
            "projection_rank": round(float(np.trace(P[projected[0]][l]))),
            "projection_ranks": {n: round(float(np.trace(P[n][l]))) for n in projected},
            "energy_fraction": {
                n: float(np.sum((inputs[l] @ P[n][l]) ** 2) / np.sum(inputs[l] ** 2))
                for n in projected
            },
        }
        for name in theory:
            proj = true[l] if name == "np" else true[l] @ P[name][l]
            sm = _stats(second[name][:, l]) | {"theory": float(theory[name][l])}
            sm["z"] = (sm["mc"] - sm["theory"]) / sm["se"] if sm["se"] > 0 else 0.0
            approx = float(
                np.sum(proj * true[l]) / (np.linalg.norm(true[l]) * np.sqrt(theory[name][l]))
            )
            row[name] = {
                "second_moment": sm,
                "cosine": _stats(cosine[name][:, l]) | {"approx": approx},
            }
        layers.append(row)
    return {
        "depth": depth,
        "batch_size": batch,
        "sigma": perturb.sigma,
        "draws": draws,
        "warmup": warmup,
        "layers": layers,
    }
