"""F2's panels: NP estimator moments by Monte Carlo against T1, T2 and T4 (|z| < 5)."""

import numpy as np
import pytest

from analysis.estimator_checks import PANELS, expected_abs_cosine
from analysis.estimators import np_sampler

Z_TOL = 5.0
SETTINGS = {
    "dimension": {"d": 6, "sigma": 0.3, "N": [1, 4, 16]},
    "depth": {"units": 4, "d": 5, "layers": [1, 3]},
    "projection": {"N": 4, "d": 12, "k": 3, "eps": 0.05, "ranks": [1, 3, 12]},
}


@pytest.mark.parametrize("panel", sorted(PANELS))
def test_every_panel_agrees_with_the_theory(panel):
    out = PANELS[panel](SETTINGS[panel], np.random.default_rng(7), 40_000, 20)
    zs = [
        abs(v["z"]) for row in out["rows"] for v in row.values() if isinstance(v, dict) and "z" in v
    ]
    assert zs and max(zs) < Z_TOL, out["rows"]


def test_projection_keeps_the_mean_inside_the_projected_directions():
    out = PANELS["projection"](SETTINGS["projection"], np.random.default_rng(1), 2_000, 10)
    full = next(row for row in out["rows"] if row["rank"] == 12)
    assert full["px2"] == pytest.approx(1.0) and full["mean_cosine"]["theory"] == pytest.approx(1.0)


def test_sampler_is_the_np_estimate_drawn_by_hand():
    g, x, sigma = np.array([0.6, -0.8, 0.0]), np.array([1.0, 2.0]), 0.5
    got = np_sampler(g, x, sigma, quadratic=True, units=2)(np.random.default_rng(3), 4)
    xi = sigma * np.random.default_rng(3).standard_normal((4, 3))
    coef = (xi @ g + 0.5 * np.sum(xi**2, axis=1)) / sigma**2
    want = np.einsum("m,mi,d->mid", coef, xi[:, :2], x)
    assert np.allclose(got, want, rtol=1e-14, atol=0)


def test_expected_abs_cosine_in_two_dimensions_is_two_over_pi():
    assert expected_abs_cosine(2) == pytest.approx(2 / np.pi, rel=1e-12)
