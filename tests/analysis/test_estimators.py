"""Monte-Carlo moments against analytic NP estimator moments (T1); SE calibration."""

import numpy as np
import pytest
from scipy.special import gammaln

from analysis.estimators import mc_moments, ratio_with_se, z_score

Z_TOL = 5.0  # every statistical check: |z| <= 5 standard errors


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([7319, *key])


def _sphere_abs_coordinate_mean(n: int) -> float:
    """E|u_1| for u uniform on the unit sphere in R^n: Gamma(n/2) / (sqrt(pi) Gamma((n+1)/2))."""
    return float(np.exp(gammaln(n / 2) - gammaln((n + 1) / 2)) / np.sqrt(np.pi))


def _np_sampler(g: np.ndarray, x: np.ndarray, sigma: float, mse: bool):
    def draw(rng: np.random.Generator, m: int) -> np.ndarray:
        xi = sigma * rng.standard_normal((m, g.size))
        dl = xi @ g + (0.5 * np.sum(xi**2, axis=1) if mse else 0.0)
        return (dl / sigma**2)[:, None, None] * xi[:, :, None] * x[None, None, :]

    return draw


def test_np_estimator_moments_match_T1_isotropic() -> None:
    rng = _rng(1)
    n, sigma = 5, 0.3
    g = rng.standard_normal(n)
    x = rng.standard_normal(3)
    true_grad = np.outer(g, x)
    res = mc_moments(_np_sampler(g, x, sigma, mse=False), 400_000, rng=rng, reference=true_grad)
    gx2 = (g @ g) * (x @ x)
    assert np.max(np.abs(z_score(res.mean, res.mean_se, true_grad))) < Z_TOL
    assert abs(z_score(res.second_moment, res.second_moment_se, (n + 2) * gx2)) < Z_TOL
    assert abs(z_score(res.variance, res.variance_se, (n + 1) * gx2)) < Z_TOL
    # E cos(G, g x^T) = E|u . g_hat| = E|u_1| on the sphere (~ sqrt(2 / (pi N)) for large N)
    assert abs(z_score(res.cosine, res.cosine_se, _sphere_abs_coordinate_mean(n))) < Z_TOL
    assert abs(z_score(res.mean_cosine, res.mean_cosine_se, 1.0)) < Z_TOL
    # A wrong node-noise factor (N + 1 instead of N + 2) is rejected by far:
    assert abs(z_score(res.second_moment, res.second_moment_se, (n + 1) * gx2)) > 20


def test_np_estimator_mse_term_adds_sigma2_n_n2_n4_over_4() -> None:
    rng = _rng(2)
    n, sigma = 3, 0.5
    g = rng.standard_normal(n)
    x = rng.standard_normal(4)
    res = mc_moments(_np_sampler(g, x, sigma, mse=True), 400_000, rng=rng)
    expected = (n + 2) * (g @ g) * (x @ x) + sigma**2 * n * (n + 2) * (n + 4) * (x @ x) / 4
    assert abs(z_score(res.second_moment, res.second_moment_se, expected)) < Z_TOL
    assert np.max(np.abs(z_score(res.mean, res.mean_se, np.outer(g, x)))) < Z_TOL


def test_iid_standard_errors_equal_classical_formula() -> None:
    samples = _rng(3).standard_normal((500, 2))
    res = mc_moments(samples, n_batches=None)
    np.testing.assert_allclose(res.mean, samples.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(res.mean_se, samples.std(axis=0, ddof=1) / np.sqrt(500), rtol=1e-12)
    sq = np.sum(samples**2, axis=1)
    assert res.second_moment_se == pytest.approx(sq.std(ddof=1) / np.sqrt(500), rel=1e-12)
    centred = samples - samples.mean(axis=0)
    assert res.variance == pytest.approx(np.sum(centred**2) / 499, rel=1e-12)


def test_variance_and_cosine_standard_errors_are_calibrated() -> None:
    # Repeat a small experiment many times: z-scores of the delta-method SEs should be ~N(0, 1).
    rng = _rng(4)
    n = 4
    g = np.array([1.0, 0.5, 0.0, 0.0])
    x = np.array([1.0])
    sampler = _np_sampler(g, x, 1.0, mse=False)
    gx2 = g @ g
    zv, zc = [], []
    for _ in range(300):
        res = mc_moments(sampler, 2000, rng=rng, reference=np.outer(g, x), n_batches=40)
        zv.append(z_score(res.variance, res.variance_se, (n + 1) * gx2))
        zc.append(z_score(res.cosine, res.cosine_se, _sphere_abs_coordinate_mean(n)))
    for z in (np.array(zv), np.array(zc)):
        assert abs(z.mean()) < 5 / np.sqrt(z.size)  # no bias beyond 5 SE of the mean z
        assert 0.8 < z.std(ddof=1) < 1.25  # SE neither under- nor over-estimated


def test_callable_and_array_sources_agree() -> None:
    g, x = np.array([1.0, -2.0]), np.array([0.5, 1.0, 2.0])
    sampler = _np_sampler(g, x, 0.1, mse=False)
    a = mc_moments(sampler, 1000, rng=_rng(5), n_batches=10)
    rng = _rng(5)
    data = np.concatenate([sampler(rng, 100) for _ in range(10)])
    b = mc_moments(data, n_batches=10)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
    assert a.variance_se == pytest.approx(b.variance_se, rel=1e-12)


def test_z_score_and_ratio_with_se_exact_values() -> None:
    assert z_score(3.0, 0.5, 2.0) == pytest.approx(2.0, rel=1e-15)
    np.testing.assert_allclose(z_score([1.0, 3.0], 2.0, [1.0, 1.0]), [0.0, 1.0])
    q, se = ratio_with_se(8.0, 0.4, 4.0, 0.2)
    assert q == 2.0
    assert se == pytest.approx(2.0 * np.sqrt(0.05**2 + 0.05**2), rel=1e-14)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: mc_moments(lambda r, m: r.standard_normal((m, 2)), rng=_rng(0)), r"\bn must"),
        (lambda: mc_moments(lambda r, m: r.standard_normal((m, 2)), 100), "rng"),
        (lambda: mc_moments(np.ones((10, 2)), 10), r"\bn must"),
        (lambda: mc_moments(np.ones((10, 2)), reference=np.ones(3)), "reference"),
        (lambda: mc_moments(np.ones((10, 2)), n_batches=1), "n_batches"),
        (lambda: mc_moments(np.ones((1, 2))), "source"),
        (lambda: mc_moments(lambda r, m: np.ones((m + 1, 2)), 10, rng=_rng(0)), "source"),
        (lambda: z_score(1.0, 0.0, 1.0), "se"),
        (lambda: z_score(np.nan, 1.0, 1.0), "measured"),
        (lambda: ratio_with_se(1.0, 0.1, 0.0, 0.1), "denominator"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
