"""Single-layer linear student (T6): closed-form loss recursions and a simulator.

Conventions: student ``y = W x``, error ``E = W - W*``, loss per time step
``|W x - y*|^2 / 2``, update ``W <- W - eta Ghat``. Perturbation estimators are taken in the
linearised limit ``sigma -> 0`` (``sigma=0``), where the closed forms below are exact; a finite
``sigma`` uses the exact loss difference of the quadratic loss and adds small floors.

**Single-layer recursions** (derived here, white inputs on a ``k``-dim subspace of ``R^d``,
``x_t = V z_t``, ``z_t ~ N(0, I_k)``; ``N`` outputs; a trial has ``T`` time steps with fresh
inputs, trial loss = sum over its steps; ``m = |E V|_F^2`` is twice the excess loss per step).
With Gaussian moments ``E[S^2] = T (T + k + 1) I`` (``S = sum_t z_t z_t^T``) and
``E[|E X|^2 |X|^2] = T (T k + 2) m``, one trial gives ``E m' = a m + b``,
``a = 1 - 2 eta T + eta^2 K``:

=====================  =====================================  =================================
rule                   ``K``                                  floor ``b / (eta^2 2 E_opt T k)``
=====================  =====================================  =================================
gd                     ``T (T + k + 1)``                      ``1``
np (parallel)          ``T [N (T k + 2) + 2 (T + k + 1)]``    ``N T + 2``
wp                     ``(N k + 2) T (T + k + 1)``            ``N k + 2``
np_sequential (T = 1)  ``3 (k + 2)`` per cycle of N trials    ``3`` per cycle
=====================  =====================================  =================================

(``E_opt``: optimal loss per step of an unrealisable target, here output noise of variance
``s^2`` per unit, ``E_opt = N s^2 / 2``; any residual independent of ``x`` acts the same.)
For ``T = 1`` these are T5: ``(k+2)``, ``(N+2)(k+2)``, ``(Nk+2)(k+2)``. The optimal rate
is ``eta* = T / K`` with ``a* = 1 - T^2 / K``; ``eta > 2 T / K`` diverges.

The table is :func:`_k_and_floor`; :mod:`analysis.anchors.werfel` and
:mod:`analysis.anchors.zuege` build their predictions on it, and :func:`simulate_linear_student`
(vectorised over replicates) checks them. The validators here are shared by all anchors.
:func:`simulate_covariance_student` runs one step per sample with inputs of any covariance
``C`` and an input-side projector (T5, F3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis._checks import nonneg, positive

__all__ = [
    "COVARIANCE_RULES",
    "RULES",
    "StudentRun",
    "loss_curve_stats",
    "simulate_covariance_student",
    "simulate_linear_student",
]

RULES = ("gd", "np", "wp", "np_sequential")
COVARIANCE_RULES = {"gd": "gd", "np": "np", "wp": "wp", "np_loco": "np"}  # variant -> estimator


# --------------------------------------------------------------------------- validation


def _pos_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _rule(rule: str) -> str:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    return rule


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")


def _record_times(total: int, every: int) -> NDArray[np.int_]:
    """Steps ``0, every, 2 every, ...`` and always the last step ``total``."""
    rec_t = np.arange(0, total + 1, every)
    if rec_t[-1] != total:
        rec_t = np.append(rec_t, total)
    return rec_t


# ------------------------------------------------------------ single-layer closed forms


def _k_and_floor(rule: str, n_out: int, k: int, trial_length: int) -> tuple[float, float]:
    """``K`` of ``a = 1 - 2 eta T + eta^2 K`` and the floor coefficient ``b / (eta^2 2 E_opt)``.

    For ``np_sequential`` the values are per cycle of ``n_out`` trials with ``T = 1``.
    """
    t, n = trial_length, n_out
    if rule == "np_sequential":
        if t != 1:
            raise ValueError("trial_length must be 1 for rule 'np_sequential'")
        return 3.0 * (k + 2), 3.0 * k
    wish = t * (t + k + 1)
    if rule == "gd":
        return float(wish), float(t * k)
    if rule == "np":
        return float(t * (n * (t * k + 2) + 2 * (t + k + 1))), float(t * k * (n * t + 2))
    return float((n * k + 2) * wish), float((n * k + 2) * t * k)


# -------------------------------------------------------------- single-layer simulation


@dataclass(frozen=True)
class StudentRun:
    """Result of :func:`simulate_linear_student`.

    Attributes
    ----------
    t : ndarray, shape (n_rec,)
        Trial index of each record (before the update of that trial).
    loss : ndarray, shape (R, n_rec)
        Expected loss per time step given the weights, ``E_opt + |E V|^2 / 2`` (inf once a
        replicate diverged).
    null_norm : ndarray, shape (R, n_rec)
        ``|E P_perp|^2``, the weights mediating zero input (0 for white inputs).
    e_opt : float
        ``N s^2 / 2``.
    diverged : ndarray of bool, shape (R,)
    """

    t: NDArray[np.float64]
    loss: NDArray[np.float64]
    null_norm: NDArray[np.float64]
    e_opt: float
    diverged: NDArray[np.bool_]


def simulate_linear_student(
    rule: str,
    n_out: int,
    n_in: int,
    eta: float,
    trials: int,
    *,
    replicates: int,
    rng: np.random.Generator,
    input_rank: int | None = None,
    trial_length: int = 1,
    output_noise: float = 0.0,
    sigma: float = 0.0,
    record_every: int = 1,
    init_scale: float = 1.0,
) -> StudentRun:
    """Online linear teacher-student learning, vectorised over replicates.

    Only the error ``E = W - W*`` matters, so it is simulated directly from
    ``E_0 ~ N(0, init_scale^2 / n_in)`` entries. Each trial draws ``T`` inputs
    ``x_t = V z_t`` (``V``: random orthonormal ``n_in x k`` basis, identity for white inputs),
    output noise ``r_t ~ N(0, s^2 I)``, output errors ``Gamma = E X - R`` (N x T), then

    * gd: ``G = Gamma X^T``;
    * np: ``xi ~ N(0, sigma^2)`` per output and time step, ``dL = <Gamma, xi> + |xi|^2/2``,
      ``G = dL / sigma^2 xi X^T``; ``sigma = 0``: ``G = <Gamma, z> z X^T``, ``z ~ N(0, 1)``;
    * wp: ``Psi ~ N(0, sigma^2)`` (N x d), ``dL = <Gamma, Psi X> + |Psi X|^2/2``,
      ``G = dL / sigma^2 Psi``; ``sigma = 0``: ``G = <Psi, Gamma X^T> Psi``, ``Psi ~ N(0, 1)``;
    * np_sequential (``T = 1``): trial ``t`` perturbs only unit ``t mod N``.

    and ``E <- E - eta G``. A replicate whose loss exceeds ``1e12`` times its initial loss (or
    becomes non-finite) is frozen and reported as diverged, with ``inf`` loss afterwards.

    Parameters
    ----------
    rule : {"gd", "np", "wp", "np_sequential"}
    n_out, n_in : int
        ``N`` and ambient input dimension ``d``.
    eta : float
    trials : int
    replicates : int
    rng : numpy.random.Generator
    input_rank : int, optional
        ``k <= d``: inputs white on a random ``k``-dim subspace (default: white in ``R^d``).
    trial_length : int, default 1
    output_noise : float, default 0.0
        Teacher output-noise s.d. ``s`` (unrealisable target).
    sigma : float, default 0.0
        Perturbation s.d. (0 = linearised limit).
    record_every : int, default 1
    init_scale : float, default 1.0

    Returns
    -------
    StudentRun

    Examples
    --------
    >>> run = simulate_linear_student("gd", 2, 5, 0.1, 50, replicates=8,
    ...                               rng=np.random.default_rng([0]))
    >>> run.loss.shape, bool(run.loss[:, -1].mean() < run.loss[:, 0].mean())
    ((8, 51), True)
    """
    _rule(rule)
    n, d = _pos_int(n_out, "n_out"), _pos_int(n_in, "n_in")
    k = d if input_rank is None else _pos_int(input_rank, "input_rank")
    if k > d:
        raise ValueError(f"input_rank must not exceed n_in={d}, got {k}")
    eta = nonneg(eta, "eta")
    trials = _pos_int(trials, "trials")
    r = _pos_int(replicates, "replicates")
    t_len = _pos_int(trial_length, "trial_length")
    if rule == "np_sequential" and t_len != 1:
        raise ValueError("trial_length must be 1 for rule 'np_sequential'")
    s_out = nonneg(output_noise, "output_noise")
    sigma = nonneg(sigma, "sigma")
    every = _pos_int(record_every, "record_every")
    init_scale = positive(init_scale, "init_scale")
    _check_rng(rng)

    white = k == d
    basis = np.eye(d) if white else np.linalg.qr(rng.standard_normal((d, k)))[0]
    err = rng.standard_normal((r, n, d)) * (init_scale / np.sqrt(d))
    e_opt = n * s_out**2 / 2.0

    def measure(e: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        inside = np.sum((e @ basis) ** 2, axis=(1, 2))
        null = np.zeros(r) if white else np.sum(e**2, axis=(1, 2)) - inside
        return e_opt + inside / 2.0, null

    rec_t = _record_times(trials, every)
    loss = np.empty((r, rec_t.size))
    null = np.empty((r, rec_t.size))
    alive = np.ones(r, dtype=bool)
    loss0, _ = measure(err)
    limit = 1e12 * np.maximum(loss0, 1e-300)
    j = 0
    for step in range(trials + 1):
        if step == rec_t[j]:
            with np.errstate(over="ignore", invalid="ignore"):
                lo, nu = measure(err)
            bad = ~np.isfinite(lo) | (lo > limit)
            alive &= ~bad
            loss[:, j] = np.where(alive, lo, np.inf)
            null[:, j] = np.where(alive, nu, np.inf)
            j += 1
        if step == trials:
            break
        z = rng.standard_normal((r, k, t_len))
        x = z if white else basis @ z  # (r, d, T)
        gam = err @ x  # (r, n, T)
        if s_out > 0:
            gam -= s_out * rng.standard_normal((r, n, t_len))
        if rule == "gd":
            g = gam @ np.swapaxes(x, 1, 2)
        elif rule == "np":
            zeta = rng.standard_normal((r, n, t_len))
            if sigma == 0.0:
                coef = np.sum(gam * zeta, axis=(1, 2))
            else:
                xi = sigma * zeta
                dl = np.sum(gam * xi, axis=(1, 2)) + 0.5 * np.sum(xi**2, axis=(1, 2))
                coef = dl / sigma
            g = coef[:, None, None] * (zeta @ np.swapaxes(x, 1, 2))
        elif rule == "wp":
            psi = rng.standard_normal((r, n, d))
            px = psi @ x
            if sigma == 0.0:
                coef = np.sum(gam * px, axis=(1, 2))
            else:
                dl = sigma * np.sum(gam * px, axis=(1, 2)) + 0.5 * sigma**2 * np.sum(
                    px**2, axis=(1, 2)
                )
                coef = dl / sigma
            g = coef[:, None, None] * psi
        else:  # np_sequential
            unit = step % n
            zeta = rng.standard_normal(r)
            gi = gam[:, unit, 0]
            coef = (
                gi * zeta
                if sigma == 0.0
                else (gi * sigma * zeta + 0.5 * (sigma * zeta) ** 2) / sigma
            )
            g = np.zeros((r, n, d))
            g[:, unit, :] = (coef * zeta)[:, None] * x[:, :, 0]
        err[alive] -= eta * g[alive]
    return StudentRun(rec_t.astype(np.float64), loss, null, e_opt, ~alive)


def simulate_covariance_student(
    variant: str,
    C: NDArray[np.float64],
    Q: NDArray[np.float64] | None,
    E0: NDArray[np.float64],
    eta: float,
    steps: int,
    sigma: float,
    replicates: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Online learning with inputs of covariance ``C`` and an input-side projector ``Q`` (T5).

    The learning curves T5 predicts exactly (F3). Only the error ``E = W - W*`` matters;
    every replicate starts at ``E0``. Each step draws ``x ~ N(0, C)``; with the output error
    ``e = E x`` and the per-sample loss ``|e|^2 / 2``:

    * gd: ``G = e x^T``;
    * np, np_loco: ``xi ~ N(0, sigma^2 I_N)``, ``dL = e.xi + |xi|^2/2``,
      ``G = dL / sigma^2 xi x^T`` (``sigma = 0``: the linearised limit ``G = (e.z) z x^T``,
      ``z ~ N(0, I)``);
    * wp: ``Psi ~ N(0, sigma^2)`` (N x d), ``dL = e.(Psi x) + |Psi x|^2/2``,
      ``G = dL / sigma^2 Psi``;

    then ``E <- E - eta G Q`` (``Q`` None: identity; F3 gives ``np_loco`` its projector). A
    replicate whose loss exceeds 1e8 times its initial value is frozen and counted as diverged
    (inf afterwards). `simulate_linear_student` is the white-input, trial-based sibling of the
    anchors (T6).

    Returns
    -------
    ndarray, shape (replicates, steps + 1)
        The expected loss given the weights, ``tr(E C E^T) / 2``, at steps 0..steps.

    Examples
    --------
    >>> loss = simulate_covariance_student("gd", np.eye(3), None, np.ones((2, 3)), 0.1, 20,
    ...                                    0.0, 4, np.random.default_rng(0))
    >>> loss.shape, bool(loss[:, -1].max() < loss[:, 0].min())
    ((4, 21), True)
    """
    if variant not in COVARIANCE_RULES:
        raise ValueError(f"variant must be one of {sorted(COVARIANCE_RULES)}, got {variant!r}")
    rule = COVARIANCE_RULES[variant]
    n, d = E0.shape
    w, V = np.linalg.eigh(C)
    root = V * np.sqrt(np.clip(w, 0, None))  # x = root @ z has covariance C
    E = np.broadcast_to(E0, (replicates, n, d)).copy()
    loss = np.full((replicates, steps + 1), np.inf)
    alive = np.ones(replicates, dtype=bool)

    def expected_loss(E):  # tr(E C E^T) / 2 = |E root|^2 / 2
        return 0.5 * np.sum((E.reshape(-1, d) @ root) ** 2, axis=1).reshape(-1, n).sum(axis=1)

    with np.errstate(over="ignore", invalid="ignore"):
        loss0 = expected_loss(E)
        for t in range(steps + 1):
            cur = expected_loss(E)
            alive &= np.isfinite(cur) & (cur <= 1e8 * loss0)
            loss[alive, t] = cur[alive]
            if t == steps or not alive.any():
                break
            x = rng.standard_normal((replicates, d)) @ root.T
            e = np.einsum("rnd,rd->rn", E, x)
            xq = x if Q is None else x @ Q  # G Q = (...) (Q x)^T for gd and np
            if rule == "gd":
                G = e[:, :, None] * xq[:, None, :]
            elif rule == "np":
                z = rng.standard_normal((replicates, n))
                if sigma == 0:
                    coef = np.sum(e * z, axis=1)
                else:
                    coef = sigma * np.sum(e * z, axis=1) + 0.5 * sigma**2 * np.sum(z**2, axis=1)
                    coef /= sigma
                G = coef[:, None, None] * z[:, :, None] * xq[:, None, :]
            else:  # wp
                psi = rng.standard_normal((replicates, n, d))
                px = np.einsum("rnd,rd->rn", psi, x)
                if sigma == 0:
                    coef = np.sum(e * px, axis=1)
                else:
                    coef = sigma * np.sum(e * px, axis=1) + 0.5 * sigma**2 * np.sum(px**2, axis=1)
                    coef /= sigma
                G = coef[:, None, None] * psi
                if Q is not None:
                    G = (G.reshape(-1, d) @ Q).reshape(G.shape)
            E -= np.where(alive, eta, 0.0)[:, None, None] * G
    return loss


def loss_curve_stats(loss: NDArray[np.float64]) -> dict:
    """Per step over replicates: ``mean`` and ``se`` of the finite runs (inf / nan when fewer
    than one / two), ``median`` of all, ``diverged`` fraction and ``replicates``."""
    diverged = ~np.isfinite(loss[:, -1])
    finite = loss[~diverged]
    return {
        "mean": finite.mean(axis=0) if finite.size else np.full(loss.shape[1], np.inf),
        "se": finite.std(axis=0, ddof=1) / np.sqrt(max(len(finite), 1))
        if len(finite) > 1
        else np.full(loss.shape[1], np.nan),
        "median": np.median(loss, axis=0),
        "diverged": diverged.mean(),
        "replicates": loss.shape[0],
    }
