"""Rate fits and steps-to-threshold: exact on deterministic curves, calibrated CIs on noisy ones."""

import numpy as np
import pytest
from scipy.special import digamma

from analysis.estimators import z_score
from analysis.rates import fit_rate, steps_to_threshold

Z_TOL = 5.0


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([5501, *key])


def test_fit_rate_is_exact_for_exponential_with_floor_and_window() -> None:
    t = np.arange(0.0, 200.0, 2.0)
    loss = 0.3 + 5.0 * np.exp(-0.02 * t)
    fit = fit_rate(loss, t, floor=0.3, window=(20.0, 150.0))
    assert fit.rate == pytest.approx(-0.02, rel=1e-12)
    assert fit.intercept == pytest.approx(np.log(5.0), rel=1e-12)
    assert fit.rate_se < 1e-12
    assert fit.n_points == 65
    assert fit.e_folding_steps == pytest.approx(50.0, rel=1e-12)
    assert fit.factor == pytest.approx(np.exp(-0.02), rel=1e-12)


def test_single_curve_regression_interval_has_nominal_coverage_for_iid_log_noise() -> None:
    rng = _rng(1)
    t = np.arange(30.0)
    covered = 0
    n_rep = 400
    for _ in range(n_rep):
        loss = np.exp(1.0 - 0.05 * t + 0.2 * rng.standard_normal(t.size))
        lo, hi = fit_rate(loss, t, level=0.95).ci
        covered += lo <= -0.05 <= hi
    # binomial SE of the coverage at 0.95 with 400 trials is 0.011
    assert abs(covered / n_rep - 0.95) < 5 * np.sqrt(0.95 * 0.05 / n_rep)


def test_replicate_jackknife_rate_of_mean_curve_matches_multiplicative_process() -> None:
    # loss_r(t) = prod_{s<t} u_{r,s} with E u = a: the mean curve decays exactly like a^t.
    # Factors with relative s.d. 0.1 keep E[loss^2] / E[loss]^2 moderate over 60 steps; much
    # heavier tails bias log(mean) low and the jackknife SE becomes optimistic (the theory brief).
    rng = _rng(2)
    a = 0.95
    zs = []
    for _ in range(60):
        u = a * rng.gamma(shape=100.0, scale=1 / 100.0, size=(400, 60))
        loss = np.cumprod(np.c_[np.ones(400), u], axis=1)
        fit = fit_rate(loss)
        zs.append(z_score(fit.rate, fit.rate_se, np.log(a)))
        assert fit.method == "jackknife"
        assert fit.n_replicates == 400
    zs = np.array(zs)
    assert abs(zs.mean()) < Z_TOL / np.sqrt(zs.size)
    assert 0.75 < zs.std(ddof=1) < 1.3
    assert np.all(np.abs(zs) < Z_TOL)


def test_per_replicate_log_slopes_estimate_expected_log_factor_not_mean_curve_rate() -> None:
    # Fitting individual curves reports E log u = log a + digamma(s) - log s, not log a: the
    # reason fit_rate uses the replicate-mean curve for replicates.
    rng = _rng(4)
    a, shape = 0.95, 20.0
    u = a * rng.gamma(shape=shape, scale=1 / shape, size=(2000, 60))
    loss = np.cumprod(np.c_[np.ones(2000), u], axis=1)
    per_rep = np.array([fit_rate(row).rate for row in loss])
    se = per_rep.std(ddof=1) / np.sqrt(per_rep.size)
    assert abs(z_score(per_rep.mean(), se, np.log(a) + digamma(shape) - np.log(shape))) < Z_TOL
    assert abs(z_score(per_rep.mean(), se, np.log(a))) > 10


def test_steps_to_threshold_interpolates_exactly_in_log_loss() -> None:
    t = np.arange(0.0, 100.0, 5.0)
    res = steps_to_threshold(np.exp(-0.1 * t), np.exp(-0.1 * 37.0), t)
    assert res.steps == pytest.approx(37.0, rel=1e-12)
    assert res.method == "single"
    assert steps_to_threshold(np.exp(-0.1 * t), 2.0, t).steps == 0.0
    assert np.isnan(steps_to_threshold(np.exp(-0.1 * t), 1e-9, t).steps)


def test_steps_to_threshold_per_replicate_and_mean_curve() -> None:
    t = np.arange(0.0, 400.0)
    rates = np.array([0.02, 0.025, 0.03, 0.04])
    loss = np.exp(-rates[:, None] * t[None, :])
    thr = np.exp(-3.0)
    per = steps_to_threshold(loss, thr, t, method="replicates")
    np.testing.assert_allclose(per.per_replicate, 3.0 / rates, rtol=1e-9)
    assert per.steps == pytest.approx(np.mean(3.0 / rates), rel=1e-9)
    assert per.se == pytest.approx(np.std(3.0 / rates, ddof=1) / 2, rel=1e-9)
    mean_curve = steps_to_threshold(loss, thr, t)
    direct = steps_to_threshold(loss.mean(axis=0), thr, t).steps
    assert mean_curve.steps == pytest.approx(direct, rel=1e-12)
    assert mean_curve.ci[0] < mean_curve.steps < mean_curve.ci[1]
    never = steps_to_threshold(np.r_[loss, np.ones((1, t.size))], thr, t, method="replicates")
    assert np.isnan(never.steps)
    assert never.n_reached == 4


def test_steps_to_threshold_jackknife_se_is_calibrated() -> None:
    rng = _rng(3)
    t = np.arange(200.0)
    true_rate = 0.03
    # exact mean curve: E exp(-k t) for k = rate * Gamma(50, 1/50) is (1 + rate t / 50)^-50
    ref = steps_to_threshold((1 + true_rate * t / 50.0) ** -50.0, np.exp(-2.0), t).steps
    zs = []
    for _ in range(60):
        k = true_rate * rng.gamma(50.0, 1 / 50.0, size=(300, 1))
        loss = np.exp(-k * t)
        res = steps_to_threshold(loss, np.exp(-2.0), t)
        zs.append(z_score(res.steps, res.se, ref))
    zs = np.array(zs)
    assert abs(zs.mean()) < Z_TOL / np.sqrt(zs.size) + 0.2
    assert 0.7 < zs.std(ddof=1) < 1.35


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: fit_rate(np.ones((2, 2, 2))), "loss"),
        (lambda: fit_rate(np.ones(5), t=np.arange(4.0)), "t"),
        (lambda: fit_rate(np.ones(5), t=np.array([0.0, 2.0, 1.0, 3.0, 4.0])), "t"),
        (lambda: fit_rate(np.exp(-np.arange(10.0)), window=(0.0, 1.5)), "window"),
        (lambda: fit_rate(np.exp(-np.arange(10.0)), floor=0.5), "floor"),
        (lambda: fit_rate(np.exp(-np.arange(10.0)), level=1.5), "level"),
        (lambda: steps_to_threshold(np.ones(5), 0.0), "threshold"),
        (lambda: steps_to_threshold(np.ones((2, 5)), 0.5, method="median"), "method"),
        (lambda: steps_to_threshold(np.r_[1.0, np.nan, 0.1], 0.5), "loss"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
