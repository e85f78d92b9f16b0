"""analysis.budget: the plateau test against known slopes, budgets to a target."""

import numpy as np
import pytest

from analysis.budget import plateau_test, predicted_budget, updates_to_reach

U = np.geomspace(100, 30_000, 25)


def test_the_slope_per_decade_is_recovered_with_a_calibrated_interval():
    """Curves a + b log10(u) + noise: the 95 % interval covers b in ~95 % of draws."""
    rng = np.random.default_rng(0)
    covered, b = 0, 0.03
    for _ in range(400):
        curves = [0.5 + b * np.log10(U) + 0.01 * rng.standard_normal(U.size) + rng.normal(0, 0.05)
                  for _ in range(3)]  # fmt: skip
        r = plateau_test([U] * 3, curves)
        covered += abs(r["slope"] - b) <= r["slope_ci95"]
    assert 0.92 <= covered / 400 <= 0.98


def test_flat_and_rising_curves_are_told_apart():
    rng = np.random.default_rng(1)
    flat = [0.8 + 0.002 * rng.standard_normal(U.size) for _ in range(2)]
    rising = [0.5 + 0.05 * np.log10(U) + 0.002 * rng.standard_normal(U.size) for _ in range(2)]
    assert plateau_test([U] * 2, flat)["plateau"] is True
    assert plateau_test([U] * 2, rising)["plateau"] is False
    only_last = plateau_test([U], [rising[0]])
    assert only_last["window"] == pytest.approx([3000.0, 30000.0])


def test_too_few_points_never_count_as_a_plateau():
    r = plateau_test([[100.0, 1000.0]], [[0.5, 0.5]])
    assert r["plateau"] is False and r["slope"] is None


def test_budget_helpers():
    assert updates_to_reach([1, 2, 3], [0.1, 0.2, 0.3], 0.9) is None
    assert predicted_budget([1.0], [3])["n_total_plus_2"] == 5
