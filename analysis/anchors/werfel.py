"""Werfel, Xie & Seung (2005) anchor: GD, NP and WP at their optimal learning rates (T6).

*Werfel, Xie & Seung (2005)*, white inputs (``k = d``, ``T = 1``): at optimal rates NP is slower
than GD by ``(1 - a_GD) / (1 - a_NP) = N + 2`` (small-step limit; exact time ratio
``log a_GD / log a_NP``), WP slower than NP by ``(N d + 2) / (N + 2) ~ d``. *Sequential* NP
perturbs one output unit per trial, cycling through the ``N`` units (one sample and one
perturbed pass per trial): row ``i`` gets ``-eta (g_i z^2) x^T``, ``E z^4 = 3``, so each cycle
of ``N`` trials contracts by ``1 - 2 eta + 3 eta^2 (d + 2)``; at optimal rates parallel NP is
faster per trial by ``3 N / (N + 2)`` (tends to 3: "a factor that does not depend on network
size" in the paper's abstract).

Closed forms follow the single-layer recursion table of
:mod:`analysis.anchors.linear_student`; :func:`measure_optimal_rates` checks them against
:func:`~analysis.anchors.linear_student.simulate_linear_student`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.anchors.linear_student import (
    RULES,
    _k_and_floor,
    _pos_int,
    _rule,
    simulate_linear_student,
)
from analysis.rates import RateFit, fit_rate

__all__ = [
    "WhiteRate",
    "measure_optimal_rates",
    "werfel_optimal",
    "werfel_ratios",
    "werfel_time_to_error",
]


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
