"""Werfel et al. (2005) anchor (T6): closed forms checked exactly, rates against simulation.

Also the single-layer simulator's finite-sigma floor and linearised limit. Statistical checks
use |z| <= 5 standard errors (seeds fixed).
"""

import numpy as np
import pytest

from analysis.anchors import (
    measure_optimal_rates,
    simulate_linear_student,
    werfel_optimal,
    werfel_ratios,
    werfel_time_to_error,
    zuege_contraction,
)
from analysis.estimators import ratio_with_se, z_score

Z_TOL = 5.0


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([31415, *key])


# ----------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize(("n", "d"), [(1, 1), (3, 8), (10, 50)])
def test_white_contraction_equals_loco_t5_factors(n: int, d: int) -> None:
    eta = 0.0123
    expected = {
        "gd": d + 2,
        "np": (n + 2) * (d + 2),
        "wp": (n * d + 2) * (d + 2),
        "np_sequential": 3 * (d + 2),  # per cycle of n trials
    }
    for rule, factor in expected.items():
        a, _ = zuege_contraction(rule, n, d, eta)
        assert a == pytest.approx(1 - 2 * eta + eta**2 * factor, rel=1e-14)
        opt = werfel_optimal(rule, n, d)
        assert opt.eta_opt == pytest.approx(1 / factor, rel=1e-14)
        a_opt, _ = zuege_contraction(rule, n, d, opt.eta_opt)
        a_near = [zuege_contraction(rule, n, d, opt.eta_opt * f)[0] for f in (0.99, 1.01)]
        assert a_opt < min(a_near)
        assert zuege_contraction(rule, n, d, opt.eta_max)[0] == pytest.approx(1.0, rel=1e-13)


def test_werfel_ratio_limits_are_the_papers_factors() -> None:
    n, d = 7, 30
    r = werfel_ratios(n, d)
    assert r["np_vs_gd_limit"] == n + 2
    assert r["wp_vs_np_limit"] == pytest.approx((n * d + 2) / (n + 2), rel=1e-15)
    assert r["sequential_vs_parallel_limit"] == pytest.approx(3 * n / (n + 2), rel=1e-15)
    # exact ratios of -log a* approach the limits for large networks
    big = werfel_ratios(50, 2000)
    assert big["np_vs_gd"] == pytest.approx(52, rel=1e-3)
    assert big["wp_vs_np"] == pytest.approx((50 * 2000 + 2) / 52, rel=1e-3)
    assert big["sequential_vs_parallel"] == pytest.approx(150 / 52, rel=1e-3)
    t_np = werfel_time_to_error("np", n, d, 1e-2)
    assert t_np == pytest.approx(np.log(100) / werfel_optimal("np", n, d).rate, rel=1e-14)


# -------------------------------------------------------------- Werfel et al. (simulation)


def test_werfel_rates_at_optimal_learning_rates_match_simulation() -> None:
    n, d = 3, 8
    trials = {"gd": 40, "np": 200, "wp": 1000, "np_sequential": 360}
    fits = measure_optimal_rates(n, d, trials, replicates=2000, rng=_rng(3))
    for rule, fit in fits.items():
        pred = werfel_optimal(rule, n, d).rate
        assert abs(z_score(-fit.rate, fit.rate_se, pred)) < Z_TOL, rule
    ratios = werfel_ratios(n, d)
    pairs = {
        "np_vs_gd": ("gd", "np"),
        "wp_vs_np": ("np", "wp"),
        "sequential_vs_parallel": ("np", "np_sequential"),
    }
    for key, (fast, slow) in pairs.items():
        q, se = ratio_with_se(
            fits[fast].rate, fits[fast].rate_se, fits[slow].rate, fits[slow].rate_se
        )
        assert abs(z_score(q, se, ratios[key])) < Z_TOL, key
    # NP is slower than GD by about N + 2 = 5, not by N = 3:
    q, se = ratio_with_se(fits["gd"].rate, fits["gd"].rate_se, fits["np"].rate, fits["np"].rate_se)
    assert abs(z_score(q, se, n)) > 10


def test_finite_sigma_np_floor_matches_t5() -> None:
    # realisable, white: m' = a m + eta^2 sigma^2 N (N+2)(N+4) d / 4 ; loss -> b / (2 (1 - a))
    n, d, sigma = 2, 4, 0.5
    eta = werfel_optimal("np", n, d).eta_opt
    a, _ = zuege_contraction("np", n, d, eta)
    b = eta**2 * sigma**2 * n * (n + 2) * (n + 4) * d / 4
    run = simulate_linear_student(
        "np", n, d, eta, 1500, replicates=400, rng=_rng(4), sigma=sigma, record_every=10
    )
    per = run.loss[:, run.t >= 300].mean(axis=1)
    assert abs(z_score(per.mean(), per.std(ddof=1) / np.sqrt(per.size), b / (2 * (1 - a)))) < Z_TOL


@pytest.mark.parametrize("rule", ["np", "wp", "np_sequential"])
def test_small_sigma_reproduces_linearised_limit(rule: str) -> None:
    kw = {"replicates": 4, "record_every": 10, "input_rank": 3}
    if rule == "np_sequential":
        kw.pop("input_rank")
    lin = simulate_linear_student(rule, 2, 5, 0.01, 200, rng=_rng(5), **kw)
    fin = simulate_linear_student(rule, 2, 5, 0.01, 200, rng=_rng(5), sigma=1e-6, **kw)
    np.testing.assert_allclose(fin.loss, lin.loss, rtol=1e-4)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: werfel_optimal("sgd", 2, 3), "rule"),
        (lambda: werfel_optimal("np", 0, 3), "n_out"),
        (lambda: werfel_ratios(2, 0), "n_in"),
        (lambda: werfel_time_to_error("np", 2, 3, 1.5), "reduction"),
        (
            lambda: simulate_linear_student(
                "np", 2, 3, 0.1, 10, replicates=2, rng=_rng(0), input_rank=4
            ),
            "input_rank",
        ),
        (
            lambda: simulate_linear_student("np", 2, 3, 0.1, 10, replicates=0, rng=_rng(0)),
            "replicates",
        ),
        (lambda: simulate_linear_student("np", 2, 3, 0.1, 10, replicates=2, rng=1), "rng"),
        (
            lambda: measure_optimal_rates(2, 3, {"np": 10}, replicates=2, rng=_rng(0), skip=1.0),
            "skip",
        ),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
