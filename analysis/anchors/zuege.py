"""Zuege, Klos & Memmesheimer (2023) anchor: input subspace, temporal extension, floors (T6).

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

The coefficients ``a``, ``b`` and ``K`` are those of the single-layer recursion table of
:mod:`analysis.anchors.linear_student`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analysis._checks import nonneg
from analysis.anchors.linear_student import _k_and_floor, _pos_int, _rule
from analysis.lowrank import participation_ratio

__all__ = [
    "zuege_asymptotic_loss",
    "zuege_contraction",
    "zuege_effective_dimension",
    "zuege_null_diffusion",
]


def zuege_contraction(
    rule: str, n_out: int, k: int, eta: float, trial_length: int = 1
) -> tuple[float, float]:
    """Per-trial coefficients ``(a, b / (2 E_opt))`` of ``E m' = a m + b``.

    From the recursion table of :mod:`analysis.anchors.linear_student`.

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
    eta = nonneg(eta, "eta")
    big_k, fl = _k_and_floor(rule, n, k, t)
    steps = 1 if rule == "np_sequential" else t
    return 1.0 - 2.0 * eta * steps + eta**2 * big_k, eta**2 * fl


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
        The growth of ``|E P_perp|^2`` over ``trials`` (0 for GD and NP).

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
    m0 = nonneg(m0, "m0")
    eta = nonneg(eta, "eta")
    if rule != "wp":
        return 0.0
    a, _ = zuege_contraction("wp", n, k, eta, t)
    geo = trials if a == 1.0 else (1.0 - a**trials) / (1.0 - a)
    return float(eta**2 * n * (d - k) * t * (t + k + 1) * m0 * geo)


def zuege_asymptotic_loss(
    rule: str, n_out: int, k: int, eta: float, e_opt: float, trial_length: int = 1
) -> float:
    """Asymptotic expected loss per time step with an unrealisable target.

    ``E_opt + b / (2 (1 - a))`` (``a``, ``b``: :func:`zuege_contraction`); ``inf`` beyond the
    stability edge. At the speed-optimal rate (``eta = T / K``) and ``T = 1`` this is
    ``E_opt (2k + 2)/(k + 2)`` (about ``2 E_opt``) for every rule; it tends to ``E_opt`` as
    ``eta -> 0``.

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
        The loss per time step as ``t -> inf`` (``inf`` beyond the stability edge).

    Examples
    --------
    >>> from analysis.anchors.werfel import werfel_optimal
    >>> eta = werfel_optimal("np", 3, 10).eta_opt
    >>> round(zuege_asymptotic_loss("np", 3, 10, eta, e_opt=1.0), 12)  # (2k + 2) / (k + 2)
    1.833333333333
    """
    e_opt = nonneg(e_opt, "e_opt")
    a, b_per = zuege_contraction(rule, n_out, k, eta, trial_length)
    if a >= 1.0:
        return float("inf")
    return float(e_opt + 2.0 * e_opt * b_per / (2.0 * (1.0 - a)))
