"""Learning rates of plain SGD predicted from one step's expected loss change (F6's SGD panel).

For an update direction ``D`` (a rule's estimate, every layer) and rate ``eta`` one SGD step
changes the loss by ``Delta(eta) = L(W - eta D) - L(W)``. Averaged over the estimate's
randomness (perturbations and batches), to second order in the step,

    E Delta(eta) = -eta a + eta^2 b / 2,   a = <gbar, E D>,   b = E[D^T H D],

the descent along the mean against the curvature-weighted second moment of the step; for
NP-type estimates ``b`` carries the noise of every perturbed unit (T2) on the inputs the
projector keeps (T4). Hence

* the **predicted maximal stable rate** ``2 a / b``: a step no longer lowers the loss on
  average, the loss grows (F6's divergence criterion);
* the **predicted best rate** ``a / b``: the greedy one-step rate, halfway to the edge.

Where this is exact (`tests/analysis/test_stability.py`): the linear student of T5 (MSE,
Gaussian inputs, quadratic loss). With white inputs ``1^T A(eta) = rho(eta) 1^T`` for T5's
diagonal map ``A``, so for *any* error both rates are T5's (NP: ``2 / ((N + 2)(d + 2))`` and
half of it). For coloured inputs (and a commuting projector) ``2 a / b`` is T5's edge when the
error's second moment lies along the Perron vector of ``A`` at the edge (``E Delta = 0`` there
because ``A m = m``). In a network it is a stated approximation: the loss is replaced by its
quadratic expansion along each draw's direction with the Gauss-Newton curvature (``b``: the
output's change along ``D`` in the loss's quadratic form; the clipped-ReLU units' kinks add no
smooth curvature), at one point (after LOCO's warm-up); later training, where the error has moved
into the slow directions and the curvature has changed, can have other rates.
`sgd_rate_predictions` reports how well the expansion predicts the measured mean loss change of
a step at the predicted best rate (same draws), and a third rate without the expansion:

* the **step root** (`step_root`): the first rate at which the *measured* mean one-step loss
  change turns positive. Clipped rates saturate under large steps, so the network's loss grows
  more slowly than its expansion and the step root lies above ``2 a / b`` (quick build: NP
  0.011 vs 0.0046, inside its measured edge bracket [0.01, 0.03]).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from sim.config import settings
from sim.experiments import run_config
from sim.losses import loss, output_curvature
from sim.rules.loco import DEFAULT_REFRESH, with_bias
from sim.streams import stream
from sim.train import build_network, build_rule, load_data

from .layer_estimates import batch_projector, warm_up

__all__ = [
    "jackknife",
    "prediction_problems",
    "quadratic_rates",
    "sgd_rate_predictions",
    "step_root",
]

_REL_STEP = 1e-4  # the output's central difference: a step of this fraction of |W|


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def quadratic_rates(descent: np.ndarray, curvature: np.ndarray) -> dict:
    """Maximal stable ``2 a / b`` and best ``a / b`` rate from per-draw ``a_i`` and ``b_i``.

    Parameters
    ----------
    descent : ndarray (draws,)
        ``a_i = <gbar, D_i>`` (or its expectation given the draw's projector); mean > 0.
    curvature : ndarray (draws,)
        ``b_i = D_i^T H D_i``; mean > 0.

    Returns
    -------
    dict
        ``max_stable``, ``best``, their SE ``max_stable_se`` and ``best_se`` (delta method for
        the ratio of two means, with their covariance over draws), ``a`` and ``b`` {mean, se}.

    Examples
    --------
    >>> r = quadratic_rates(np.ones(3), np.array([1.0, 2.0, 3.0]))
    >>> r["max_stable"], r["best"]
    (1.0, 0.5)
    """
    a_i, b_i = np.asarray(descent, dtype=float), np.asarray(curvature, dtype=float)
    if a_i.shape != b_i.shape or a_i.ndim != 1 or a_i.size < 2:
        raise ValueError("descent and curvature need one value per draw, at least 2 draws")
    if not a_i.mean() > 0:
        raise ValueError(f"the mean descent <gbar, D> must be > 0, got {a_i.mean():g}")
    if not b_i.mean() > 0:
        raise ValueError(f"the mean curvature D^T H D must be > 0, got {b_i.mean():g}")
    best, best_se = jackknife(np.divide, a_i, b_i)
    return {
        "max_stable": 2 * best,
        "max_stable_se": 2 * best_se,
        "best": best,
        "best_se": best_se,
        "a": dict(zip(("mean", "se"), _mean_se(a_i), strict=True)),
        "b": dict(zip(("mean", "se"), _mean_se(b_i), strict=True)),
    }


def step_root(change, start: float, *, factor: float = 2**0.5, cap: float = 1e3) -> dict:
    """The first rate at which one step's mean measured loss change turns positive: the edge
    without the quadratic model (saturating units and bounded losses included).

    ``change(eta)``: every draw's loss change at ``eta`` (same draws at every rate). Scans
    ``start * factor**k`` up to ``cap * start``; interpolates the crossing linearly in
    ``log eta`` to 1 %; ``se`` by the delta method (the mean's SE at the root over the
    bracket's slope). ``None``
    values when the mean never turns positive (or is positive at ``start``).

    >>> r = step_root(lambda e: np.array([e * e - e, e * e - e + 1e-3]), 0.1)
    >>> round(r["max_stable"], 2)
    1.0
    """
    etas, means, ses = [], [], []
    eta = start
    while eta <= cap * start:
        values = np.asarray(change(eta), dtype=float)
        etas.append(eta)
        means.append(float(values.mean()))
        ses.append(float(values.std(ddof=1) / np.sqrt(values.size)))
        if means[-1] > 0:
            break
        eta *= factor
    scan = {"eta": etas, "mean": means, "se": ses}
    if means[-1] <= 0 or len(means) < 2:
        return {"max_stable": None, "max_stable_se": None, "scan": scan}
    seen: dict[float, np.ndarray] = {}

    def mean_at(log_eta: float) -> float:
        seen[log_eta] = np.asarray(change(float(np.exp(log_eta))), dtype=float)
        return float(seen[log_eta].mean())

    root = brentq(mean_at, np.log(etas[-2]), np.log(etas[-1]), xtol=0.01)
    values = seen.get(root, None)
    if values is None:
        mean_at(root)
        values = seen[root]
    slope = (means[-1] - means[-2]) / (np.log(etas[-1]) - np.log(etas[-2]))
    se_log = values.std(ddof=1) / np.sqrt(values.size) / slope
    return {
        "max_stable": float(np.exp(root)),
        "max_stable_se": float(np.exp(root) * se_log),
        "scan": scan,
    }


def jackknife(statistic, *samples: np.ndarray) -> tuple[float, float]:
    """A function of sample means and its jackknife SE: ``statistic(*means)`` of the paired
    per-draw ``samples`` (it must accept arrays: the leave-one-out means are passed at once).

    >>> x = np.array([1.0, 2.0, 3.0, 6.0])
    >>> value, se = jackknife(lambda m: m, x)
    >>> float(value), bool(np.isclose(se, x.std(ddof=1) / 2))
    (3.0, True)
    """
    samples = [np.asarray(x, dtype=float) for x in samples]
    n = samples[0].size
    full = float(statistic(*(x.mean() for x in samples)))
    loo = np.asarray(statistic(*((x.sum() - x) / (n - 1) for x in samples)))
    return full, float(np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)))


def prediction_problems(
    config: dict,
    *,
    rules: Sequence[str],
    draws: int,
    warmup: int,
    eval_samples: int,
    root_draws: int = 64,
) -> list[str]:
    """What makes `sgd_rate_predictions` refuse these settings (empty: none), from the config
    alone, so that a workflow reports it before any job; each message names its setting.

    >>> cfg = {"data": {"name": "teacher", "n_train": 100, "n_val": 10},
    ...        "network": {"mode": "rate"}, "training": {"batch_size": 10}}
    >>> for p in prediction_problems(cfg, rules=["np", "loco"], draws=2, warmup=5,
    ...                              eval_samples=20):
    ...     print(p[:44])
    warmup must be >= 2 x LOCO's refresh (10) so
    eval_samples: 20 exceeds the validation samp
    """
    problems = []
    cfg = settings(run_config(config, "np"))
    if cfg.network.mode != "rate":
        problems.append("network.mode must be 'rate' (exact gradients) for the prediction")
    if "np" not in rules:
        problems.append(f"rules must include 'np' (the others project its draws): {list(rules)}")
    for name, value, low in [
        ("draws", draws, 2),
        ("warmup", warmup, 1),
        ("eval_samples", eval_samples, 1),
        ("root_draws", root_draws, 2),
    ]:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            problems.append(f"{name} must be an integer >= {low}, got {value!r}")
    if problems:
        return problems
    if "loco" in rules:
        refresh = settings(run_config(config, "loco")).rule.get("refresh", DEFAULT_REFRESH)
        if warmup < 2 * refresh:
            problems.append(
                f"warmup must be >= 2 x LOCO's refresh ({refresh}) so that its projector has "
                f"folded at least two batches; got {warmup}"
            )
    batch, data = cfg.training.batch_size, cfg.data
    if (warmup + 1) * batch > data.n_train:
        problems.append(
            f"warmup: (warmup + 1) x training.batch_size = {(warmup + 1) * batch} exceeds the "
            f"training samples (data.n_train = {data.n_train})"
        )
    if eval_samples > data.n_val:
        problems.append(
            f"eval_samples: {eval_samples} exceeds the validation samples "
            f"(data.n_val = {data.n_val})"
        )
    return problems


def sgd_rate_predictions(
    config: dict,
    *,
    rules: Sequence[str] = ("np", "loco"),
    draws: int = 32,
    warmup: int = 20,
    eval_samples: int = 1000,
    root_draws: int = 64,
) -> dict:
    """Predicted maximal stable and best SGD rates of NP and projected NP rules in a network.

    Parameters
    ----------
    config : dict
        A `sim.config` training config with ``network.mode = "rate"``; its ``rule`` section
        gives ``sigma``, ``loss`` and the projectors' options.
    rules : sequence of str
        ``np`` and rules whose estimate is NP's times an input-side matrix (``loco``,
        ``loco_port``); LOCO's projectors see ``warmup`` training batches and are then frozen,
        the port's projector is that of each draw's batch.
    draws : int
        Estimates, >= 2: a fresh perturbation each, on the training batches after the
        warm-up's in turn (cycling when there are fewer batches than draws).
    warmup : int
        Training batches before the measurement; with LOCO at least twice its projector's
        ``refresh`` (the batches between folds: with fewer its subspace rests on one batch).
    eval_samples : int
        Validation samples on which the loss and its exact gradient are evaluated.
    root_draws : int
        Draws of `step_root`, the edge from measured (not expanded) loss changes.

    Returns
    -------
    dict
        ``rules``: per rule `quadratic_rates`'s keys, ``expansion_check`` (at the predicted
        best rate: the predicted and the measured mean loss change of a step, same draws),
        ``step_root`` (`step_root` from the first ``root_draws`` draws) and,
        for projected rules, per layer ``energy_fraction`` (``sum |P x|^2 / sum |x|^2`` on the
        evaluation inputs) and ``descent_kept`` (``<gbar_l P, gbar_l> / |gbar_l|^2``).
        ``ratios``: per projected rule its edge over NP's with the jackknife SE (paired draws)
        and the ``descent`` and ``curvature`` ratios that make it (edge ratio = descent ratio /
        curvature ratio). ``depth``, ``batch_size``, ``sigma``, ``draws``, ``warmup``,
        ``eval_samples`` and the evaluation loss.
    """
    problems = prediction_problems(
        config, rules=rules, draws=draws, warmup=warmup, eval_samples=eval_samples,
        root_draws=root_draws,
    )  # fmt: skip
    if problems:
        raise ValueError("; ".join(problems))
    rules = list(rules)
    cfg = settings(run_config(config, "np"))
    batch = cfg.training.batch_size
    data = load_data(cfg)
    n_batches = len(data.train_y) // batch
    projected = [r for r in rules if r != "np"]
    make = {n: build_rule(run_config(config, n)) for n in [*rules, "bp"]}
    net = build_network(cfg, data.n_features, data.n_classes)
    rng = stream(cfg.seed, "sgd_rates")
    eye = np.eye(data.n_classes)

    def batch_at(i: int):  # the draws cycle through the batches after the warm-up's
        if i >= n_batches:
            i = warmup + (i - warmup) % (n_batches - warmup)
        sl = slice(i * batch, (i + 1) * batch)
        return net.encode(data.train_x[sl], rng), eye[data.train_y[sl]]

    warm_up(net, make, projected, batch_at, warmup, rng)
    eval_drive = net.encode(data.val_x[:eval_samples], rng)
    eval_targets = eye[data.val_y[:eval_samples]]
    loss_name = make["np"].loss

    def eval_output(weights: list[np.ndarray]) -> np.ndarray:
        saved, net.weights = net.weights, weights
        try:
            return net.forward(eval_drive).output
        finally:
            net.weights = saved

    def eval_loss(weights: list[np.ndarray]) -> float:
        return float(np.mean(loss(loss_name, eval_output(weights), eval_targets)))

    clean = net.forward(eval_drive)  # the evaluation set's loss, readout and layer inputs
    base_output = clean.output
    base_loss = float(np.mean(loss(loss_name, base_output, eval_targets)))
    eval_inputs = [with_bias(x) for x in clean.pre_rates]
    gbar = make["bp"].estimate(net, eval_drive, eval_targets, None).grads

    def projectors(n: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return [batch_projector(make[n], l, x) for l, x in enumerate(inputs)]

    weight_norm = np.sqrt(sum(np.sum(w * w) for w in net.weights))

    def moved(D: list[np.ndarray], t: float) -> float:
        """The evaluation loss's change after the step ``-t D``."""
        return eval_loss([w - t * d for w, d in zip(net.weights, D, strict=True)]) - base_loss

    def curvature(D: list[np.ndarray]) -> float:
        """``D^T H D`` (Gauss-Newton): the output's central difference along ``D`` in the
        output loss's quadratic form, averaged over the evaluation samples."""
        h = _REL_STEP * weight_norm / np.sqrt(sum(np.sum(d * d) for d in D))
        ahead, back = (
            [w + s * h * d for w, d in zip(net.weights, D, strict=True)] for s in (1, -1)
        )
        v = (eval_output(ahead) - eval_output(back)) / (2 * h)
        return float(np.mean(output_curvature(loss_name, base_output, v)))

    a = {n: np.empty(draws) for n in rules}
    b = {n: np.empty(draws) for n in rules}
    steps: dict[str, list] = {n: [] for n in rules}
    for i in range(draws):
        drive, targets = batch_at(warmup + i)
        est = make["np"].estimate(net, drive, targets, rng)
        grads = est.grads
        inputs = [with_bias(x) for x in est.extras["pre_rates"]]  # its clean pass's
        for n in rules:  # NP's draw, projected by LOCO's frozen projector or the port's
            P = projectors(n, inputs) if n != "np" else [None] * len(grads)
            D = [G if p is None else G @ p for G, p in zip(grads, P, strict=True)]
            a[n][i] = sum(
                np.sum(g * (g if p is None else g @ p)) for g, p in zip(gbar, P, strict=True)
            )  # E<gbar, D> given the projector: NP's estimate is unbiased
            b[n][i] = curvature(D)
            steps[n].append(D)

    out: dict = {"rules": {}, "ratios": {}}
    for n in rules:
        row = quadratic_rates(a[n], b[n])
        eta = row["best"]  # the expansion's check: a step at the predicted best rate
        measured = np.array([moved(D, eta) for D in steps[n]])
        row["expansion_check"] = {
            "eta": eta,
            "predicted": -eta * row["a"]["mean"] + eta**2 * row["b"]["mean"] / 2,
            "measured": dict(zip(("mean", "se"), _mean_se(measured), strict=True)),
        }
        root_steps = steps[n][:root_draws]
        row["step_root"] = step_root(
            lambda t, root_steps=root_steps: np.array([moved(D, t) for D in root_steps]), eta / 2
        )
        if n != "np":
            P = projectors(n, eval_inputs)
            row["energy_fraction"] = [
                float(np.sum((x @ p) ** 2) / np.sum(x**2))
                for x, p in zip(eval_inputs, P, strict=True)
            ]
            row["descent_kept"] = [
                float(np.sum((g @ p) * g) / np.sum(g * g)) for g, p in zip(gbar, P, strict=True)
            ]
        out["rules"][n] = row
    for n in projected:
        edge, edge_se = jackknife(
            lambda an, bn, a0, b0: (an / bn) / (a0 / b0), a[n], b[n], a["np"], b["np"]
        )
        roots = [out["rules"][r]["step_root"]["max_stable"] for r in (n, "np")]
        out["ratios"][n] = {
            "step_root": roots[0] / roots[1] if None not in roots else None,
            "max_stable": edge,  # the best rates' ratio is the same (both are a / b times 2 or 1)
            "max_stable_se": edge_se,
            "descent": a[n].mean() / a["np"].mean(),
            "curvature": b[n].mean() / b["np"].mean(),
        }
    return out | {
        "depth": net.depth,
        "batch_size": batch,
        "sigma": make["np"].sigma,
        "draws": draws,
        "warmup": warmup,
        "eval_samples": eval_samples,
        "eval_loss": base_loss,
    }
