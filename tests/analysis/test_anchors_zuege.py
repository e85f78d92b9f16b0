"""Zuege et al. (2023) anchor (T6): closed forms checked exactly, predictions against simulation.

Statistical checks use |z| <= 5 standard errors (seeds fixed).
"""

import numpy as np
import pytest

from analysis.anchors import (
    simulate_linear_student,
    werfel_optimal,
    zuege_asymptotic_loss,
    zuege_contraction,
    zuege_effective_dimension,
    zuege_null_diffusion,
)
from analysis.estimators import mc_moments, z_score
from analysis.rates import fit_rate

Z_TOL = 5.0


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([31415, *key])


# ----------------------------------------------------------------------------- closed forms


def test_trial_recursion_coefficients_match_one_step_monte_carlo() -> None:
    # E<E, G> = T |E V|^2 and E|G V|^2 = K |E V|^2 for a fixed error E (rotation invariance),
    # an independent check of the Wishart moments behind the T > 1 table.
    rng = _rng(1)
    n, k, d, t_len = 2, 3, 5, 3
    basis = np.linalg.qr(rng.standard_normal((d, k)))[0]
    err = rng.standard_normal((n, d))
    m = np.sum((err @ basis) ** 2)

    def sampler(rule: str):
        def draw(r: np.random.Generator, size: int) -> np.ndarray:
            x = basis @ r.standard_normal((size, k, t_len))
            gam = err @ x
            if rule == "gd":
                g = gam @ np.swapaxes(x, 1, 2)
            elif rule == "np":
                z = r.standard_normal((size, n, t_len))
                g = np.sum(gam * z, axis=(1, 2))[:, None, None] * (z @ np.swapaxes(x, 1, 2))
            else:
                psi = r.standard_normal((size, n, d))
                g = np.sum(gam * (psi @ x), axis=(1, 2))[:, None, None] * psi
            return g @ basis

        return draw

    for rule in ("gd", "np", "wp"):
        res = mc_moments(sampler(rule), 200_000, rng=rng)
        a = zuege_contraction(rule, n, k, 1.0, t_len)[0]
        big_k = a - 1 + 2 * t_len  # a(eta=1) = 1 - 2T + K
        assert abs(z_score(res.second_moment, res.second_moment_se, big_k * m)) < Z_TOL
        mean_z = z_score(res.mean, res.mean_se, t_len * err @ basis)
        assert np.max(np.abs(mean_z)) < Z_TOL


def test_asymptote_at_speed_optimal_rate_is_about_twice_e_opt() -> None:
    for rule in ("gd", "np", "wp", "np_sequential"):
        for k in (1, 10, 1000):
            eta = werfel_optimal(rule, 4, k).eta_opt
            if rule == "np_sequential":
                eta = 1 / (3 * (k + 2))  # per-cycle optimum
            loss = zuege_asymptotic_loss(rule, 4, k, eta, e_opt=2.0)
            assert loss == pytest.approx(2.0 * (2 * k + 2) / (k + 2), rel=1e-9)
    assert zuege_asymptotic_loss("np", 4, 10, 1e-7, e_opt=2.0) == pytest.approx(2.0, rel=1e-5)
    assert zuege_asymptotic_loss("np", 4, 10, 1.0, e_opt=2.0) == np.inf


def test_effective_dimension_is_participation_ratio_and_k_for_subspace() -> None:
    q = np.linalg.qr(_rng(2).standard_normal((30, 5)))[0]
    assert zuege_effective_dimension(q @ q.T) == pytest.approx(5.0, rel=1e-10)
    lam = np.r_[np.ones(4), np.full(36, 0.09)]
    c = np.diag(lam)
    assert zuege_effective_dimension(c) == pytest.approx(lam.sum() ** 2 / np.sum(lam**2))


# -------------------------------------------------------------- Zuege et al. (simulation)


def test_wp_rate_is_governed_by_input_subspace_rank_not_ambient_dimension() -> None:
    n, k, d = 2, 3, 24
    eta = werfel_optimal("wp", n, k).eta_opt
    # with the ambient d this rate would be far beyond WP's stability edge:
    assert zuege_contraction("wp", n, d, eta)[0] > 1.5
    run = simulate_linear_student("wp", n, d, eta, 200, replicates=2000, rng=_rng(6), input_rank=k)
    fit = fit_rate(run.loss, run.t, window=(20, 201))
    assert abs(z_score(-fit.rate, fit.rate_se, werfel_optimal("wp", n, k).rate)) < Z_TOL
    assert not run.diverged.any()


def test_wp_diffuses_weights_mediating_zero_input_and_np_does_not() -> None:
    n, k, d, trials = 2, 3, 24, 200
    eta = werfel_optimal("wp", n, k).eta_opt
    run = simulate_linear_student(
        "wp", n, d, eta, trials, replicates=2000, rng=_rng(7), input_rank=k
    )
    growth = run.null_norm[:, -1] - run.null_norm[:, 0]
    pred = zuege_null_diffusion("wp", n, k, d, eta, trials, m0=float(np.mean(2 * run.loss[:, 0])))
    assert abs(z_score(growth.mean(), growth.std(ddof=1) / np.sqrt(growth.size), pred)) < Z_TOL
    assert pred > 0.5 * np.mean(run.null_norm[:, 0])  # a large effect, not a rounding error
    run_np = simulate_linear_student(
        "np",
        n,
        d,
        werfel_optimal("np", n, k).eta_opt,
        trials,
        replicates=50,
        rng=_rng(8),
        input_rank=k,
    )
    np.testing.assert_allclose(run_np.null_norm[:, -1], run_np.null_norm[:, 0], rtol=1e-12)
    assert zuege_null_diffusion("np", n, k, d, eta, trials, 1.0) == 0.0


@pytest.mark.parametrize("rule", ["gd", "np", "wp"])
def test_temporally_extended_trial_rates_match_simulation(rule: str) -> None:
    n, k, d, t_len = 2, 3, 10, 4
    opt = werfel_optimal(rule, n, k, trial_length=t_len)
    trials = max(int(4 / opt.rate), 30)
    eta = opt.eta_opt if rule != "gd" else 0.5 * opt.eta_opt  # keep GD's decay resolvable
    a, _ = zuege_contraction(rule, n, k, eta, t_len)
    run = simulate_linear_student(
        rule,
        n,
        d,
        eta,
        trials,
        replicates=2000,
        rng=_rng(9, len(rule)),
        input_rank=k,
        trial_length=t_len,
    )
    fit = fit_rate(run.loss, run.t, window=(0.1 * trials, trials + 1))
    assert abs(z_score(-fit.rate, fit.rate_se, -np.log(a))) < Z_TOL


def test_temporal_extension_brings_wp_close_to_np() -> None:
    n, k = 5, 4
    gap = [
        werfel_optimal("np", n, k, trial_length=t).rate
        / werfel_optimal("wp", n, k, trial_length=t).rate
        for t in (1, 4, 32, 1024)
    ]
    assert gap[0] > 3.0
    assert np.all(np.diff(gap) < 0)
    assert gap[-1] == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize(("rule", "fraction"), [("np", 1.0), ("np", 0.25), ("wp", 1.0)])
def test_unrealisable_asymptote_matches_simulation(rule: str, fraction: float) -> None:
    n, k, s = 3, 6, 0.7
    eta = fraction * werfel_optimal(rule, n, k).eta_opt
    a, _ = zuege_contraction(rule, n, k, eta)
    tau = 1 / (1 - a)
    trials = int(30 * tau)
    run = simulate_linear_student(
        rule,
        n,
        k,
        eta,
        trials,
        replicates=400,
        rng=_rng(10, int(4 * fraction)),
        output_noise=s,
        record_every=max(1, int(tau / 4)),
    )
    per = run.loss[:, run.t >= 10 * tau].mean(axis=1)
    pred = zuege_asymptotic_loss(rule, n, k, eta, run.e_opt)
    assert abs(z_score(per.mean(), per.std(ddof=1) / np.sqrt(per.size), pred)) < Z_TOL
    if fraction == 1.0:
        assert pred / run.e_opt == pytest.approx((2 * k + 2) / (k + 2), rel=1e-12)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: zuege_contraction("np_sequential", 2, 3, 0.1, 2), "trial_length"),
        (lambda: zuege_contraction("np", 2, 3, -0.1), "eta"),
        (lambda: zuege_null_diffusion("wp", 2, 5, 3, 0.1, 10, 1.0), "k"),
        (lambda: zuege_asymptotic_loss("np", 2, 3, 0.1, -1.0), "e_opt"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
