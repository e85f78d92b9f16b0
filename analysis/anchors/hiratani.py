"""Hiratani et al. (2022) anchor: critical NP learning rate of a two-layer linear net (T6).

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

from analysis._checks import nonneg, positive
from analysis.anchors.linear_student import _check_rng, _pos_int, _record_times

__all__ = [
    "EdgeScan",
    "HirataniRun",
    "hiratani_critical_c",
    "hiratani_eta_star",
    "hiratani_initial_order_parameters",
    "hiratani_mean_field",
    "hiratani_stability_edge",
    "simulate_hiratani",
]


def _layer_sizes(n_in: int, n_hidden: int, n_out: int) -> tuple[int, int, int]:
    """Validated ``(Lx, Lh, Ly)``."""
    return _pos_int(n_in, "n_in"), _pos_int(n_hidden, "n_hidden"), _pos_int(n_out, "n_out")


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
    lx, lh, ly = _layer_sizes(n_in, n_hidden, n_out)
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
    a0 = nonneg(a0, "a0")
    eps0 = positive(eps0, "eps0")
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
        Layer sizes ``Lx``, ``Lh``, ``Ly`` (``beta0`` from `hiratani_initial_order_parameters`).

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
    eta = nonneg(eta, "eta")
    steps = _pos_int(steps, "steps")
    s_t = nonneg(teacher_noise, "teacher_noise")
    div = positive(divergence_factor, "divergence_factor")
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
    lx, lh, ly = _layer_sizes(n_in, n_hidden, n_out)
    eta = nonneg(eta, "eta")
    steps = _pos_int(steps, "steps")
    r = _pos_int(replicates, "replicates")
    s_t = nonneg(teacher_noise, "teacher_noise")
    every = _pos_int(record_every, "record_every")
    div = positive(divergence_factor, "divergence_factor")
    _check_rng(rng)
    _, _, eps0 = hiratani_initial_order_parameters(lx, lh, ly)

    teacher = rng.normal(0.0, np.sqrt(2.0 / (lx + ly)), (r, ly, lx))
    w1 = rng.normal(0.0, np.sqrt(2.0 / (lx + lh)), (r, lh, lx))
    w2 = rng.normal(0.0, np.sqrt(2.0 / (lh + ly)), (r, ly, lh))
    g_limit = div * (lx * ly * eps0 + ly * s_t**2)

    rec_t = _record_times(steps, every)
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
