"""External anchors (LOCO.md T6): closed-form predictions and simulations that check them.

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
For ``T = 1`` these are LOCO.md T5: ``(k+2)``, ``(N+2)(k+2)``, ``(Nk+2)(k+2)``. The optimal rate
is ``eta* = T / K`` with ``a* = 1 - T^2 / K``; ``eta > 2 T / K`` diverges.

*Werfel, Xie & Seung (2005)*, white inputs (``k = d``, ``T = 1``): at optimal rates NP is slower
than GD by ``(1 - a_GD) / (1 - a_NP) = N + 2`` (small-step limit; exact time ratio
``log a_GD / log a_NP``), WP slower than NP by ``(N d + 2) / (N + 2) ~ d``. *Sequential* NP
perturbs one output unit per trial, cycling through the ``N`` units (one sample and one
perturbed pass per trial): row ``i`` gets ``-eta (g_i z^2) x^T``, ``E z^4 = 3``, so each cycle
of ``N`` trials contracts by ``1 - 2 eta + 3 eta^2 (d + 2)``; at optimal rates parallel NP is
faster per trial by ``3 N / (N + 2)`` (tends to 3: "a factor that does not depend on network
size" in the paper's abstract).

*Zuege, Klos & Memmesheimer (2023)*: (i) WP's loss dynamics depend on the inputs only through
their subspace: ``K_WP`` contains ``k`` (the participation ratio of ``C = V V^T``), not the
ambient ``d``; the rest of WP's noise, ``eta^2 N (d - k) E|A|^2`` per trial, diffuses the weights
that mediate zero input, which NP never touches (its updates lie in ``span{x}``). (ii) Temporal
extension raises NP's perturbation dimension (``N T``) but not WP's: ``K_WP / K_NP -> 1`` for
``T >> k`` (with independent inputs per time step WP approaches, but does not overtake, NP).
(iii) With an unrealisable target the asymptotic loss per step is ``E_opt + b / (2 (1 - a))``.
At each rule's speed-optimal rate and ``T = 1`` it is ``E_opt (2 k + 2) / (k + 2) ~ 2 E_opt``
for every rule (NP with ``T`` steps: ``E_opt [1 + k (N T + 2) / (N (T k + 2) + 2 (T + k + 1))]``);
it tends to ``E_opt`` only as ``eta -> 0``. The "~2 E_opt" asymptote is thus the one reached at
the learning rate that maximises the initial convergence speed.

*Hiratani, Mehta, Lillicrap & Latham (2022)*: NP in ``y = W2 W1 x`` (sizes ``Lx -> Lh -> Ly``),
perturbing hidden and output units with unit-variance noise (linearised limit), Xavier-Glorot
initialisation ``W1 ~ N(0, 2/(Lx+Lh))``, ``W2 ~ N(0, 2/(Lh+Ly))``, teacher
``A ~ N(0, 2/(Lx+Ly))``, optional teacher output noise of s.d. ``sigma_t``. Order parameters
``alpha = |W1|^2 / Lx``, ``beta = |W2|^2 / Ly``, ``eps = |W2 W1 - A|^2 / (Lx Ly)``; at
initialisation ``alpha0 = 2 Lh / (Lx + Lh)``, ``beta0 = 2 Lh / (Lh + Ly)``,
``eps0 = 4 Lh / ((Lx + Lh)(Ly + Lh)) + 2 / (Lx + Ly)``, ``a0 = alpha0 / Lh^(1/3)``. Their
two-variable mean field (``a = alpha / Lh^(1/3)``, ``eta_h = eta Lh^(1/3)``,
``c = eta_h Lx Ly (1 + beta0)``, ``eps_t = sigma_t^2 / Lx``), per step:
``da = eta_h c (eps + eps_t)``, ``d eps = eta_h (-2 a eps + c a^2 (eps + eps_t))``.
Without teacher noise it conserves ``c a^3 / 3 - a^2 - c eps`` (continuous-time limit); the
error reaches 0 before ``a`` reaches ``2 / c`` (where ``d eps`` turns positive) iff
``p(c) <= 0`` with
``p(c) = (eps0 - a0^3/3) c^3 + a0^2 c^2 - 4/3``, hence the critical
``eta* = c* / (Lx Ly (1 + beta0) Lh^(1/3))`` ~ ``Lh^(-1/3)``. With teacher noise ``da > 0``
always: the weight norm grows without bound and learning finally diverges. Definitions follow
the authors' public code (github.com/nhiratani/node_perturbation, ``linear/lin_st_theor.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis.lowrank import participation_ratio
from analysis.rates import RateFit, fit_rate

__all__ = [
    "EdgeScan",
    "HirataniRun",
    "StudentRun",
    "WhiteRate",
    "hiratani_critical_c",
    "hiratani_eta_star",
    "hiratani_initial_order_parameters",
    "hiratani_mean_field",
    "hiratani_stability_edge",
    "measure_optimal_rates",
    "simulate_hiratani",
    "simulate_linear_student",
    "werfel_optimal",
    "werfel_ratios",
    "werfel_time_to_error",
    "zuege_asymptotic_loss",
    "zuege_contraction",
    "zuege_effective_dimension",
    "zuege_null_diffusion",
]

RULES = ("gd", "np", "wp", "np_sequential")


# --------------------------------------------------------------------------- validation


def _pos_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _nonneg(value: float, name: str) -> float:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(value)


def _pos(value: float, name: str) -> float:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _rule(rule: str) -> str:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    return rule


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


def zuege_contraction(
    rule: str, n_out: int, k: int, eta: float, trial_length: int = 1
) -> tuple[float, float]:
    """Per-trial coefficients ``(a, b / (2 E_opt))`` of ``E m' = a m + b`` (module table).

    Parameters
    ----------
    rule : {"gd", "np", "wp", "np_sequential"}
    n_out : int
        Number of outputs ``N``.
    k : int
        Input dimension that the loss sees: the rank of the white input subspace (``d`` for
        white inputs in ``R^d``).
    eta : float
        Learning rate.
    trial_length : int, default 1
        Time steps ``T`` per trial.

    Returns
    -------
    (float, float)
        ``a`` and ``b / (2 E_opt)``; for ``np_sequential``, per cycle of ``n_out`` trials.

    Examples
    --------
    >>> a, _ = zuege_contraction("np", n_out=3, k=8, eta=1 / 50)
    >>> round(a, 12)  # 1 - 1/((N+2)(k+2)) at the optimal rate
    0.98
    """
    _rule(rule)
    n, k, t = _pos_int(n_out, "n_out"), _pos_int(k, "k"), _pos_int(trial_length, "trial_length")
    eta = _nonneg(eta, "eta")
    big_k, fl = _k_and_floor(rule, n, k, t)
    steps = 1 if rule == "np_sequential" else t
    return 1.0 - 2.0 * eta * steps + eta**2 * big_k, eta**2 * fl


@dataclass(frozen=True)
class WhiteRate:
    """Optimal learning rate and convergence of one rule (see :func:`werfel_optimal`).

    Attributes
    ----------
    rule : str
    eta_opt : float
        Learning rate minimising the per-trial contraction factor of the expected loss.
    contraction : float
        Expected-loss factor per trial at ``eta_opt`` (per trial also for ``np_sequential``,
        i.e. the cycle factor to the power ``1 / N``).
    rate : float
        ``-log(contraction)``: e-folds per trial.
    eta_max : float
        Stability edge ``2 eta_opt``.
    """

    rule: str
    eta_opt: float
    contraction: float
    rate: float
    eta_max: float


def werfel_optimal(rule: str, n_out: int, n_in: int, trial_length: int = 1) -> WhiteRate:
    """Optimal learning rate and convergence rate for white inputs (or a ``k``-dim subspace).

    Parameters
    ----------
    rule : {"gd", "np", "wp", "np_sequential"}
    n_out : int
        Outputs ``N``.
    n_in : int
        Input dimension seen by the loss (``d`` for white inputs; ``k`` for inputs white on a
        ``k``-dim subspace).
    trial_length : int, default 1

    Returns
    -------
    WhiteRate

    Examples
    --------
    >>> r = werfel_optimal("wp", n_out=2, n_in=3)
    >>> r.eta_opt == 1 / ((2 * 3 + 2) * (3 + 2)), round(r.contraction, 6)
    (True, 0.975)
    """
    _rule(rule)
    n, k, t = (
        _pos_int(n_out, "n_out"),
        _pos_int(n_in, "n_in"),
        _pos_int(trial_length, "trial_length"),
    )
    big_k, _ = _k_and_floor(rule, n, k, t)
    steps = 1 if rule == "np_sequential" else t
    eta = steps / big_k
    a = 1.0 - steps**2 / big_k
    if rule == "np_sequential":
        a = a ** (1.0 / n)
    return WhiteRate(rule, eta, a, float(-np.log(a)), 2.0 * eta)


def werfel_time_to_error(rule: str, n_out: int, n_in: int, reduction: float) -> float:
    """Trials for the expected loss to fall by ``reduction`` at the optimal rate (realisable).

    ``t = log(reduction) / log(a*)``.

    Parameters
    ----------
    rule : {"gd", "np", "wp", "np_sequential"}
    n_out, n_in : int
    reduction : float
        Target ratio ``loss(t) / loss(0)``, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> t_gd = werfel_time_to_error("gd", 4, 10, 1e-3)
    >>> t_np = werfel_time_to_error("np", 4, 10, 1e-3)
    >>> round(t_np / t_gd, 3)  # N + 2 = 6 in the small-step limit
    6.221
    """
    if not (0.0 < reduction < 1.0):
        raise ValueError(f"reduction must be in (0, 1), got {reduction!r}")
    return float(np.log(reduction) / -werfel_optimal(rule, n_out, n_in).rate)


def werfel_ratios(n_out: int, n_in: int) -> dict[str, float]:
    """Werfel et al. (2005) slow-down ratios at optimal learning rates, white inputs.

    Parameters
    ----------
    n_out : int
        Outputs ``N``.
    n_in : int
        Inputs ``d``.

    Returns
    -------
    dict
        ``np_vs_gd``, ``wp_vs_np``, ``sequential_vs_parallel``: exact ratios of times to any
        fixed reduction of the expected loss (ratios of ``-log a*``); and their small-step
        (continuous-time) forms ``*_limit`` = ratios of ``1 - a*``: ``N + 2``,
        ``(N d + 2) / (N + 2)`` and ``3 N / (N + 2)``.

    Examples
    --------
    >>> r = werfel_ratios(n_out=10, n_in=50)
    >>> r["np_vs_gd_limit"], round(r["wp_vs_np_limit"], 4), r["sequential_vs_parallel_limit"]
    (12.0, 41.8333, 2.5)
    """
    n, d = _pos_int(n_out, "n_out"), _pos_int(n_in, "n_in")
    rate = {rule: werfel_optimal(rule, n, d).rate for rule in RULES}
    return {
        "np_vs_gd": rate["gd"] / rate["np"],
        "wp_vs_np": rate["np"] / rate["wp"],
        "sequential_vs_parallel": rate["np"] / rate["np_sequential"],
        "np_vs_gd_limit": float(n + 2),
        "wp_vs_np_limit": (n * d + 2) / (n + 2),
        "sequential_vs_parallel_limit": 3.0 * n / (n + 2),
    }


def zuege_effective_dimension(cov: NDArray[np.float64]) -> float:
    """Effective input dimension ``(tr C)^2 / tr(C^2)`` that governs WP (participation ratio).

    Exactly ``k`` for inputs white on a ``k``-dim subspace, where WP's loss recursion is that
    of white inputs in ``k`` dimensions (:func:`zuege_contraction` with ``k``).

    Parameters
    ----------
    cov : ndarray, shape (d, d)
        Input covariance ``C`` (or its eigenvalues, 1-D).

    Returns
    -------
    float

    Examples
    --------
    >>> v = np.linalg.qr(np.random.default_rng([3]).standard_normal((20, 4)))[0]
    >>> round(zuege_effective_dimension(v @ v.T), 9)
    4.0
    """
    return participation_ratio(cov)


def zuege_null_diffusion(
    rule: str,
    n_out: int,
    k: int,
    n_in: int,
    eta: float,
    trials: int,
    m0: float,
    trial_length: int = 1,
) -> float:
    """Expected growth of ``|E P_perp|^2`` (weights mediating zero input) after ``trials``.

    WP (realisable): ``eta^2 N (d - k) T (T + k + 1) m0 (1 - a^t) / (1 - a)``; GD and NP update
    only inside ``span{x}``: exactly 0.

    Parameters
    ----------
    rule : {"gd", "np", "wp"}
    n_out, k, n_in : int
        ``N``, input-subspace rank ``k`` and ambient dimension ``d >= k``.
    eta : float
    trials : int
    m0 : float
        Initial ``|E V|^2`` (mean over replicates).
    trial_length : int, default 1

    Returns
    -------
    float

    Examples
    --------
    >>> zuege_null_diffusion("np", 2, 3, 10, 0.01, 100, 1.0)
    0.0
    >>> round(zuege_null_diffusion("wp", 2, 3, 10, 0.01, 10**6, 1.0), 6)  # t -> inf
    0.4375
    """
    if rule not in ("gd", "np", "wp"):
        raise ValueError(f"rule must be 'gd', 'np' or 'wp', got {rule!r}")
    n, k, d = _pos_int(n_out, "n_out"), _pos_int(k, "k"), _pos_int(n_in, "n_in")
    if k > d:
        raise ValueError(f"k must not exceed n_in={d}, got {k}")
    t = _pos_int(trial_length, "trial_length")
    trials = _pos_int(trials, "trials")
    m0 = _nonneg(m0, "m0")
    eta = _nonneg(eta, "eta")
    if rule != "wp":
        return 0.0
    a, _ = zuege_contraction("wp", n, k, eta, t)
    geo = trials if a == 1.0 else (1.0 - a**trials) / (1.0 - a)
    return float(eta**2 * n * (d - k) * t * (t + k + 1) * m0 * geo)


def zuege_asymptotic_loss(
    rule: str, n_out: int, k: int, eta: float, e_opt: float, trial_length: int = 1
) -> float:
    """Asymptotic expected loss per time step with an unrealisable target.

    ``E_opt + b / (2 (1 - a))`` (module table); ``inf`` beyond the stability edge. At the
    speed-optimal rate (``eta = T / K``) and ``T = 1`` this is ``E_opt (2k + 2)/(k + 2)``
    (about ``2 E_opt``) for every rule; it tends to ``E_opt`` as ``eta -> 0``.

    Parameters
    ----------
    rule : {"gd", "np", "wp", "np_sequential"}
    n_out, k : int
    eta : float
    e_opt : float
        Optimal (irreducible) loss per time step, e.g. ``N s^2 / 2`` for output noise ``s``.
    trial_length : int, default 1

    Returns
    -------
    float

    Examples
    --------
    >>> eta = werfel_optimal("np", 3, 10).eta_opt
    >>> round(zuege_asymptotic_loss("np", 3, 10, eta, e_opt=1.0), 12)  # (2k + 2) / (k + 2)
    1.833333333333
    """
    e_opt = _nonneg(e_opt, "e_opt")
    a, b_per = zuege_contraction(rule, n_out, k, eta, trial_length)
    if a >= 1.0:
        return float("inf")
    return float(e_opt + 2.0 * e_opt * b_per / (2.0 * (1.0 - a)))


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
    eta = _nonneg(eta, "eta")
    trials = _pos_int(trials, "trials")
    r = _pos_int(replicates, "replicates")
    t_len = _pos_int(trial_length, "trial_length")
    if rule == "np_sequential" and t_len != 1:
        raise ValueError("trial_length must be 1 for rule 'np_sequential'")
    s_out = _nonneg(output_noise, "output_noise")
    sigma = _nonneg(sigma, "sigma")
    every = _pos_int(record_every, "record_every")
    init_scale = _pos(init_scale, "init_scale")
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")

    white = k == d
    basis = np.eye(d) if white else np.linalg.qr(rng.standard_normal((d, k)))[0]
    err = rng.standard_normal((r, n, d)) * (init_scale / np.sqrt(d))
    e_opt = n * s_out**2 / 2.0

    def measure(e: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        inside = np.sum((e @ basis) ** 2, axis=(1, 2))
        null = np.zeros(r) if white else np.sum(e**2, axis=(1, 2)) - inside
        return e_opt + inside / 2.0, null

    rec_t = np.arange(0, trials + 1, every)
    if rec_t[-1] != trials:
        rec_t = np.append(rec_t, trials)
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


def measure_optimal_rates(
    n_out: int,
    n_in: int,
    trials: dict[str, int],
    *,
    replicates: int,
    rng: np.random.Generator,
    skip: float = 0.1,
) -> dict[str, RateFit]:
    """Measure each rule's convergence rate at its optimal learning rate (Werfel anchor).

    Runs :func:`simulate_linear_student` (white inputs, realisable, linearised) for every rule
    in ``trials`` at ``werfel_optimal(rule).eta_opt`` and fits the replicate-mean curve with
    :func:`analysis.rates.fit_rate` over ``[skip * trials, trials]``. For ``np_sequential`` only
    whole cycles of ``N`` trials are recorded, and the rate is per trial. Compare
    ``-fit.rate`` with ``werfel_optimal(rule).rate``.

    Parameters
    ----------
    n_out, n_in : int
    trials : dict
        ``{rule: number of trials}``, e.g. long enough for ~3-5 e-folds.
    replicates : int
    rng : numpy.random.Generator
    skip : float, default 0.1
        Fraction of the run excluded from the fit.

    Returns
    -------
    dict
        ``{rule: RateFit}``.

    Examples
    --------
    >>> fits = measure_optimal_rates(2, 4, {"gd": 60}, replicates=200,
    ...                              rng=np.random.default_rng([5]))
    >>> pred = werfel_optimal("gd", 2, 4).rate
    >>> abs(-fits["gd"].rate - pred) < 5 * fits["gd"].rate_se
    True
    """
    if not (0.0 <= skip < 1.0):
        raise ValueError(f"skip must be in [0, 1), got {skip!r}")
    out: dict[str, RateFit] = {}
    for rule, n_trials in trials.items():
        opt = werfel_optimal(_rule(rule), n_out, n_in)
        every = n_out if rule == "np_sequential" else 1
        n_trials = _pos_int(n_trials, f"trials[{rule!r}]")
        n_trials -= n_trials % every
        run = simulate_linear_student(
            rule,
            n_out,
            n_in,
            opt.eta_opt,
            n_trials,
            replicates=replicates,
            rng=rng,
            record_every=every,
        )
        out[rule] = fit_rate(run.loss, run.t, window=(skip * n_trials, n_trials + 1))
    return out


# ------------------------------------------------------------------------- Hiratani et al.


def hiratani_initial_order_parameters(
    n_in: int, n_hidden: int, n_out: int
) -> tuple[float, float, float]:
    """``(alpha0, beta0, eps0)`` at Xavier-Glorot initialisation (module docstring).

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        ``Lx``, ``Lh``, ``Ly``.

    Returns
    -------
    (float, float, float)
        Expected ``|W1|^2 / Lx``, ``|W2|^2 / Ly`` and ``|W2 W1 - A|^2 / (Lx Ly)``.

    Examples
    --------
    >>> hiratani_initial_order_parameters(10, 10, 10)
    (1.0, 1.0, 0.2)
    """
    lx, lh, ly = _pos_int(n_in, "n_in"), _pos_int(n_hidden, "n_hidden"), _pos_int(n_out, "n_out")
    alpha0 = 2.0 * lh / (lx + lh)
    beta0 = 2.0 * lh / (lh + ly)
    eps0 = 4.0 * lh / ((lx + lh) * (ly + lh)) + 2.0 / (lx + ly)
    return alpha0, beta0, eps0


def hiratani_critical_c(a0: float, eps0: float) -> float:
    """Critical ``c*``: positive root of ``(eps0 - a0^3/3) c^3 + a0^2 c^2 - 4/3 = 0``.

    For ``eps0 > a0^3 / 3`` (the paper's regime) the cubic is increasing on ``c > 0`` and has
    exactly one positive root, its largest real root.

    Parameters
    ----------
    a0 : float
        ``alpha0 / Lh^(1/3)`` (positive).
    eps0 : float
        Initial error, must exceed ``a0^3 / 3``.

    Returns
    -------
    float

    Examples
    --------
    >>> c = hiratani_critical_c(0.0, 1.0)   # eps0 c^3 = 4/3
    >>> round(c**3, 12)
    1.333333333333
    """
    a0 = _nonneg(a0, "a0")
    eps0 = _pos(eps0, "eps0")
    lead = eps0 - a0**3 / 3.0
    if lead <= 0:
        raise ValueError(f"eps0 must exceed a0**3/3 = {a0**3 / 3:.6g}, got eps0={eps0:.6g}")
    roots = np.roots([lead, a0**2, 0.0, -4.0 / 3.0])
    real = roots[np.abs(roots.imag) <= 1e-9 * np.abs(roots)].real
    c = float(real[real > 0].max())
    # One Newton step polishes the root to machine precision.
    p = lead * c**3 + a0**2 * c**2 - 4.0 / 3.0
    dp = 3 * lead * c**2 + 2 * a0**2 * c
    return c - p / dp


def hiratani_eta_star(n_in: int, n_hidden: int, n_out: int) -> float:
    """Critical NP learning rate ``c* / (Lx Ly (1 + beta0) Lh^(1/3))`` of Hiratani et al.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        ``Lx``, ``Lh``, ``Ly``.

    Returns
    -------
    float
        Scales as ``Lh^(-1/3)`` for ``Lh >> Lx, Ly``.

    Examples
    --------
    >>> e1, e2 = hiratani_eta_star(100, 10**6, 10), hiratani_eta_star(100, 8 * 10**6, 10)
    >>> round(e2 / e1, 2)  # 8^(-1/3)
    0.5
    """
    alpha0, beta0, eps0 = hiratani_initial_order_parameters(n_in, n_hidden, n_out)
    cbrt_lh = np.cbrt(float(n_hidden))
    c = hiratani_critical_c(alpha0 / cbrt_lh, eps0)
    return float(c / (n_in * n_out * (1.0 + beta0) * cbrt_lh))


def hiratani_mean_field(
    n_in: int,
    n_hidden: int,
    n_out: int,
    eta: float,
    steps: int,
    *,
    teacher_noise: float = 0.0,
    divergence_factor: float = 1e3,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two-variable mean-field trajectories ``(alpha_t, eps_t)`` of Hiratani et al.

    Iterates the per-step map of the module docstring from ``(a0, eps0)``; stops (values
    ``inf`` afterwards) once ``eps > divergence_factor * eps0``.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
    eta : float
    steps : int
    teacher_noise : float, default 0.0
        Teacher output-noise s.d. ``sigma_t``.
    divergence_factor : float, default 1e3

    Returns
    -------
    (ndarray, ndarray)
        ``alpha`` and ``eps`` at steps ``0..steps``.

    Examples
    --------
    >>> eta = hiratani_eta_star(10, 100, 5)
    >>> _, eps_lo = hiratani_mean_field(10, 100, 5, 0.9 * eta, 20000)
    >>> _, eps_hi = hiratani_mean_field(10, 100, 5, 1.1 * eta, 20000)
    >>> bool(eps_lo[-1] < 1e-3 * eps_lo[0]), bool(np.isinf(eps_hi[-1]))
    (True, True)
    """
    alpha0, beta0, eps0 = hiratani_initial_order_parameters(n_in, n_hidden, n_out)
    eta = _nonneg(eta, "eta")
    steps = _pos_int(steps, "steps")
    s_t = _nonneg(teacher_noise, "teacher_noise")
    div = _pos(divergence_factor, "divergence_factor")
    cbrt_lh = np.cbrt(float(n_hidden))
    eta_h = eta * cbrt_lh
    c = eta_h * n_in * n_out * (1.0 + beta0)
    eps_t = s_t**2 / n_in
    a, e = alpha0 / cbrt_lh, eps0
    alpha = np.full(steps + 1, np.inf)
    eps = np.full(steps + 1, np.inf)
    for i in range(steps + 1):
        if not (np.isfinite(e) and e <= div * eps0):
            break
        alpha[i], eps[i] = a * cbrt_lh, e
        da = eta_h * c * (e + eps_t)
        de = eta_h * (-2.0 * a * e + c * a * a * (e + eps_t))
        a, e = a + da, e + de
    return alpha, eps


@dataclass(frozen=True)
class HirataniRun:
    """Result of :func:`simulate_hiratani` (arrays ``(R, n_rec)``; ``inf`` after divergence).

    Attributes
    ----------
    t : ndarray
        Step of each record.
    alpha, beta, eps : ndarray
        ``|W1|^2 / Lx``, ``|W2|^2 / Ly``, ``|W2 W1 - A|^2 / (Lx Ly)``.
    diverged_at : ndarray of float, shape (R,)
        Step at which a replicate was declared diverged (NaN if it did not).
    """

    t: NDArray[np.float64]
    alpha: NDArray[np.float64]
    beta: NDArray[np.float64]
    eps: NDArray[np.float64]
    diverged_at: NDArray[np.float64]


def simulate_hiratani(
    n_in: int,
    n_hidden: int,
    n_out: int,
    eta: float,
    steps: int,
    *,
    replicates: int,
    rng: np.random.Generator,
    teacher_noise: float = 0.0,
    record_every: int = 1,
    divergence_factor: float = 1e3,
) -> HirataniRun:
    """NP in the two-layer linear student ``y = W2 W1 x``, vectorised over replicates.

    Setup of Hiratani et al. (module docstring): ``x ~ N(0, I)``, target ``A x + sigma_t n``,
    Xavier-Glorot weights, a fresh teacher ``A`` per replicate. Linearised NP (perturbation
    size ``-> 0``, as the authors' ``sigma_p = 1e-6``): with ``g = y - y*``, hidden noise
    ``u ~ N(0, I_Lh)`` and output noise ``v ~ N(0, I_Ly)``, ``c = g . (W2 u + v)``,
    ``W1 -= eta c u x^T``, ``W2 -= eta c v h^T`` (``h = W1 x``). A replicate is declared
    diverged (and frozen) when a sample's ``|g|^2`` exceeds ``divergence_factor`` times
    ``Lx Ly eps0 + Ly sigma_t^2`` or its recorded ``eps`` exceeds ``divergence_factor * eps0``.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        ``Lx``, ``Lh``, ``Ly``.
    eta : float
    steps : int
    replicates : int
    rng : numpy.random.Generator
    teacher_noise : float, default 0.0
    record_every : int, default 1
    divergence_factor : float, default 1e3

    Returns
    -------
    HirataniRun

    Examples
    --------
    >>> eta = 0.5 * hiratani_eta_star(6, 30, 3)
    >>> run = simulate_hiratani(6, 30, 3, eta, 2000, replicates=4,
    ...                         rng=np.random.default_rng([7]), record_every=100)
    >>> bool(np.all(run.eps[:, -1] < 1e-3 * run.eps[:, 0]))
    True
    """
    lx, lh, ly = _pos_int(n_in, "n_in"), _pos_int(n_hidden, "n_hidden"), _pos_int(n_out, "n_out")
    eta = _nonneg(eta, "eta")
    steps = _pos_int(steps, "steps")
    r = _pos_int(replicates, "replicates")
    s_t = _nonneg(teacher_noise, "teacher_noise")
    every = _pos_int(record_every, "record_every")
    div = _pos(divergence_factor, "divergence_factor")
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")
    _, _, eps0 = hiratani_initial_order_parameters(lx, lh, ly)

    teacher = rng.normal(0.0, np.sqrt(2.0 / (lx + ly)), (r, ly, lx))
    w1 = rng.normal(0.0, np.sqrt(2.0 / (lx + lh)), (r, lh, lx))
    w2 = rng.normal(0.0, np.sqrt(2.0 / (lh + ly)), (r, ly, lh))
    g_limit = div * (lx * ly * eps0 + ly * s_t**2)

    rec_t = np.arange(0, steps + 1, every)
    if rec_t[-1] != steps:
        rec_t = np.append(rec_t, steps)
    shape = (r, rec_t.size)
    alpha, beta, eps = np.full(shape, np.inf), np.full(shape, np.inf), np.full(shape, np.inf)
    alive = np.ones(r, dtype=bool)
    died = np.full(r, np.nan)
    j = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            if step == rec_t[j]:
                e = np.sum((w2 @ w1 - teacher) ** 2, axis=(1, 2)) / (lx * ly)
                bad = alive & ~(e <= div * eps0)
                died[bad] = step
                alive &= ~bad
                alpha[alive, j] = np.sum(w1[alive] ** 2, axis=(1, 2)) / lx
                beta[alive, j] = np.sum(w2[alive] ** 2, axis=(1, 2)) / ly
                eps[alive, j] = e[alive]
                j += 1
            if step == steps or not alive.any():
                break
            x = rng.standard_normal((r, lx, 1))
            h = w1 @ x
            g = w2 @ h - teacher @ x
            if s_t > 0:
                g -= s_t * rng.standard_normal((r, ly, 1))
            g2 = np.sum(g**2, axis=(1, 2))
            bad = alive & ~(g2 <= g_limit)
            died[bad] = step
            alive &= ~bad
            u = rng.standard_normal((r, lh, 1))
            v = rng.standard_normal((r, ly, 1))
            c = np.sum(g * (w2 @ u + v), axis=(1, 2))
            c = np.where(alive, eta * c, 0.0)[:, None, None]
            w1 -= c * (u @ np.swapaxes(x, 1, 2))
            w2 -= c * (v @ np.swapaxes(h, 1, 2))
    return HirataniRun(rec_t.astype(np.float64), alpha, beta, eps, died)


@dataclass(frozen=True)
class EdgeScan:
    """Result of :func:`hiratani_stability_edge`.

    Attributes
    ----------
    ratios : ndarray
        Learning rates in units of ``eta*``.
    eta_star : float
        Predicted critical rate.
    diverged_fraction : ndarray
        Fraction of replicates that diverged at each ratio.
    edge_ratio : float
        Ratio where the diverged fraction first crosses 1/2 (log-linear interpolation; NaN if
        it never does).
    """

    ratios: NDArray[np.float64]
    eta_star: float
    diverged_fraction: NDArray[np.float64]
    edge_ratio: float

    @property
    def edge_eta(self) -> float:
        """Measured stability edge ``edge_ratio * eta_star``."""
        return self.edge_ratio * self.eta_star


def hiratani_stability_edge(
    n_in: int,
    n_hidden: int,
    n_out: int,
    ratios: NDArray[np.float64] | list[float],
    steps: int,
    *,
    replicates: int,
    rng: np.random.Generator,
) -> EdgeScan:
    """Measure the stability edge of NP in the two-layer linear student (no teacher noise).

    Simulates :func:`simulate_hiratani` at ``eta = ratio * eta*`` for each ratio and reports
    the fraction of replicates that diverged within ``steps``. The mean-field prediction is an
    edge at ratio 1; it is asymptotic in ``Lh`` (it neglects ``beta`` against ``alpha`` in the
    contraction), so small networks deviate by tens of percent.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        ``Lx``, ``Lh``, ``Ly``.
    ratios : array_like
        Increasing positive multiples of ``eta*`` to simulate.
    steps : int
        Horizon per run (long enough for runs below the edge to converge).
    replicates : int
    rng : numpy.random.Generator

    Returns
    -------
    EdgeScan

    Examples
    --------
    >>> scan = hiratani_stability_edge(6, 30, 3, [0.5, 2.0], 1500, replicates=8,
    ...                                rng=np.random.default_rng([8]))
    >>> scan.diverged_fraction.tolist()
    [0.0, 1.0]
    """
    rat = np.asarray(ratios, dtype=np.float64)
    if rat.ndim != 1 or rat.size == 0 or np.any(rat <= 0) or np.any(np.diff(rat) <= 0):
        raise ValueError("ratios must be a non-empty increasing sequence of positive numbers")
    eta_star = hiratani_eta_star(n_in, n_hidden, n_out)
    frac = np.empty(rat.size)
    for i, q in enumerate(rat):
        run = simulate_hiratani(
            n_in,
            n_hidden,
            n_out,
            q * eta_star,
            steps,
            replicates=replicates,
            rng=rng,
            record_every=steps,
        )
        frac[i] = np.mean(np.isfinite(run.diverged_at))
    edge = float("nan")
    for i in range(rat.size):
        if frac[i] >= 0.5:
            if i == 0:
                edge = float(rat[0])
            else:
                f0, f1 = frac[i - 1], frac[i]
                w = (0.5 - f0) / (f1 - f0)
                edge = float(np.exp(np.log(rat[i - 1]) + w * np.log(rat[i] / rat[i - 1])))
            break
    return EdgeScan(rat, eta_star, frac, edge)
