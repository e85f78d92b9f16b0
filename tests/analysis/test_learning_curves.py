"""T5 learning curves and the LOCO prediction against Monte-Carlo simulation of the online update.

The reference simulates the update rules literally (loss difference of two forward passes, fresh
x and perturbation every step), vectorised over many independent replicate runs; the expected
loss of each replicate is tr(E C E^T)/2 (the average over the next input, exact).  The theory must
agree within 5 standard errors (SE of the mean over replicates) at every checked time.
"""

import time

import numpy as np
import pytest

from analysis import theory as T

Z_TOL = 5.0


def simulate(rule, C, n_out, eta, steps, times, *, sigma=0.0, proj=None, E0, reps, seed):
    """Mean and SE over ``reps`` runs of the expected loss at ``times``.

    ``sigma = 0`` simulates the sigma -> 0 limit: with ``xi = sigma z``, ``dL / sigma^2 * xi``
    tends to ``(r . z) z`` (NP) and ``dL / sigma^2 * Psi`` to ``(r . Z x) Z`` (WP).
    """
    rng = np.random.default_rng(seed)
    dim = C.shape[0]
    w, U = np.linalg.eigh(C)
    L = U * np.sqrt(np.clip(w, 0, None))  # x = L z ~ N(0, C)
    Q = np.eye(dim) if proj is None else proj
    E = np.broadcast_to(E0, (reps, n_out, dim)).copy()
    out = {}
    for t in range(steps + 1):
        if t in times:
            loss = 0.5 * np.einsum("rnd,rnd->r", E @ C, E)
            out[t] = (loss.mean(), loss.std(ddof=1) / np.sqrt(reps))
        if t == steps:
            break
        x = rng.standard_normal((reps, dim)) @ L.T
        r = np.einsum("rnd,rd->rn", E, x)  # W x - y*
        if rule == "wp":
            Z = rng.standard_normal((reps, n_out, dim))
            Zx = np.einsum("rnd,rd->rn", Z, x)
            if sigma == 0:
                coef, Psi = np.sum(r * Zx, 1), Z
            else:
                Psi = sigma * Z
                dl = 0.5 * np.sum((r + sigma * Zx) ** 2, 1) - 0.5 * np.sum(r**2, 1)
                coef = dl / sigma**2
            GQ = coef[:, None, None] * (Psi.reshape(-1, dim) @ Q).reshape(E.shape)
        else:  # Ghat = a b^T, so Ghat Q = a (Q x)^T
            if rule == "gd":
                a = r
            else:
                z = rng.standard_normal((reps, n_out))
                if sigma == 0:
                    a = np.sum(r * z, 1)[:, None] * z
                else:
                    xi = sigma * z
                    dl = 0.5 * np.sum((r + xi) ** 2, 1) - 0.5 * np.sum(r**2, 1)
                    a = (dl / sigma**2)[:, None] * xi
            GQ = a[:, :, None] * (x @ Q)[:, None, :]
        E -= eta * GQ
    return out


def compare(rule, C, n_out, eta, steps, times, *, sigma=0.0, proj=None, E0=None, reps, seed):
    """z-scores (MC - theory) / SE at ``times``; prints them."""
    dim = C.shape[0]
    if E0 is None:
        E0 = np.random.default_rng(0).standard_normal((n_out, dim)) / np.sqrt(dim)
    theory = T.learning_curve(rule, C, n_out, eta, steps, sigma, proj, E0)
    mc = simulate(
        rule, C, n_out, eta, steps, times, sigma=sigma, proj=proj, E0=E0, reps=reps, seed=seed
    )
    z = np.array([(mc[t][0] - theory[t]) / mc[t][1] for t in times])
    shown = np.round(theory[list(times)], 5)
    print(f"{rule} eta={eta:.4g} sigma={sigma}: theory {shown}, z {np.round(z, 2)}")
    return z, theory, mc


def coloured(dim, seed):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    c = np.geomspace(2.0, 0.1, dim)
    return U @ np.diag(c) @ U.T, U, c


TIMES = (5, 20, 50, 100)


@pytest.mark.parametrize(
    "rule, sigma", [("gd", 0.0), ("np", 0.0), ("np", 0.5), ("wp", 0.0), ("wp", 0.5)]
)
def test_white_inputs_match_monte_carlo(rule, sigma):
    C = np.eye(8)
    eta = T.optimal_lr(rule, C, 3)
    z, *_ = compare(rule, C, 3, eta, 100, TIMES, sigma=sigma, reps=10_000, seed=1)
    assert np.abs(z).max() < Z_TOL


@pytest.mark.parametrize("rule", ["gd", "np", "wp"])
@pytest.mark.parametrize("frac", [0.5, 0.9])
def test_coloured_inputs_below_and_near_the_edge(rule, frac):
    """Near the edge the loss across runs is heavy-tailed (its own variance grows faster than
    the mean squared), so the SE is only trustworthy over a short horizon: 15 steps there."""
    dim, n_out = (6, 2) if rule == "wp" else (8, 3)
    C, *_ = coloured(dim, 2)
    eta = frac * T.max_stable_lr(rule, C, n_out)
    sigma = 0.3 if rule != "gd" else 0.0
    steps, times, reps = (100, TIMES, 20_000) if frac < 0.8 else (15, (3, 6, 10, 15), 40_000)
    z, *_ = compare(rule, C, n_out, eta, steps, times, sigma=sigma, reps=reps, seed=2)
    assert np.abs(z).max() < Z_TOL


@pytest.mark.parametrize("rule", ["gd", "np", "wp"])
def test_lowrank_inputs_projected_commuting_and_noncommuting(rule):
    """Low-rank-plus-noise C with the projector onto its signal subspace (commutes: eigenbasis
    path) and onto a random 3-dim subspace (does not commute: dense path)."""
    dim, n_out = (6, 2) if rule == "wp" else (8, 3)
    C, P_span = T.lowrank_plus_noise_cov(dim, 3, 0.3, rng=3)
    V = np.linalg.qr(np.random.default_rng(9).standard_normal((dim, 3)))[0]
    P_rand = V @ V.T
    assert T._joint_eigenbasis(C, P_rand) is None  # really the dense path
    for proj, seed in ((P_span, 3), (P_rand, 4)):
        eta = 0.7 * T.max_stable_lr(rule, C, n_out, P_span)
        sigma = 0.3 if rule != "gd" else 0.0
        z, *_ = compare(
            rule, C, n_out, eta, 100, TIMES, sigma=sigma, proj=proj, reps=10_000, seed=seed
        )
        assert np.abs(z).max() < Z_TOL


def test_monte_carlo_rejects_a_wrong_constant():
    """Power check: the same simulation rejects the recursion with (N+1) in place of (N+2)."""
    dim, n_out = 8, 3
    C = np.eye(dim)
    eta = 0.9 * T.max_stable_lr("np", C, n_out)
    z, theory, mc = compare("np", C, n_out, eta, 50, (50,), reps=10_000, seed=6)
    assert abs(z[0]) < Z_TOL
    m = theory[0] * 2
    for _ in range(50):  # white-input scalar recursion with the wrong constant N + 1
        m *= 1 - 2 * eta + eta**2 * (n_out + 1) * (dim + 2)
    assert abs((mc[50][0] - m / 2) / mc[50][1]) > 3 * Z_TOL


def test_diagonal_and_dense_paths_agree():
    """Degenerate C with a commuting projector (joint eigenbasis needed) vs the dense path."""
    rng = np.random.default_rng(8)
    U = np.linalg.qr(rng.standard_normal((10, 10)))[0]
    C = U @ np.diag(np.r_[np.full(5, 1.0), np.full(5, 0.2)]) @ U.T
    V = U[:, :5] @ np.linalg.qr(rng.standard_normal((5, 2)))[0]  # inside a degenerate block
    P = V @ V.T
    assert T._joint_eigenbasis(C, P) is not None
    for rule in ("gd", "np", "wp"):
        fast = T.learning_curve(rule, C, 4, 0.01, 200, 0.2, P)
        E0 = np.random.default_rng(0).standard_normal((4, 10)) / np.sqrt(10)
        step, M = T._dense_step(rule, C, P, 4, 0.2, 0.01), E0.T @ E0
        dense = []
        for _ in range(201):
            dense.append(0.5 * np.sum(M * C))
            M = step(M)
        np.testing.assert_allclose(fast, dense, rtol=1e-10)


def test_loco_prediction_verified_by_simulation():
    """Low-rank-plus-noise inputs: the projector's predicted speed-up is seen in simulation."""
    n_out, dim, k, steps = 4, 16, 3, 150
    C, P = T.lowrank_plus_noise_cov(dim, k, 0.3, rng=np.random.default_rng(10))
    pred = T.loco_speedup(C, P, n_out, steps)
    E0 = (np.random.default_rng(0).standard_normal((n_out, dim)) / np.sqrt(dim)) @ P
    results = {}
    variants = (("free", pred.eta_opt[0], None, 11), ("proj", pred.eta_opt[1], P, 12))
    for name, eta, proj, seed in variants:  # independent seeds: independent ratio errors
        z, _, mc = compare(
            "np", C, n_out, eta, steps, (50, steps), proj=proj, E0=E0, reps=10_000, seed=seed
        )
        assert np.abs(z).max() < Z_TOL
        results[name] = mc[steps]
    (lf, sf), (lp, sp) = results["free"], results["proj"]
    ratio, ratio_se = lf / lp, lf / lp * np.hypot(sf / lf, sp / lp)
    print(
        f"LOCO: predicted loss ratio {pred.loss_ratio:.2f}, simulated {ratio:.2f} +- {ratio_se:.2f}"
    )
    assert abs(ratio - pred.loss_ratio) < Z_TOL * ratio_se
    assert ratio - Z_TOL * ratio_se > 2  # the speed-up is real, not noise


def test_learning_curve_is_fast_for_d100():
    C, *_ = coloured(100, 12)
    T.learning_curve("np", C, 10, 1e-3, 10, 0.1)  # compile the derived recursion once
    t0 = time.perf_counter()
    curve = T.learning_curve("np", C, 10, 1e-3, 1000, 0.1)
    elapsed = time.perf_counter() - t0
    print(f"learning_curve d=100, 1000 steps: {elapsed * 1e3:.1f} ms")
    assert curve.shape == (1001,) and np.all(np.isfinite(curve))
    assert elapsed < 1.0


@pytest.mark.slow
def test_d100_curve_matches_monte_carlo_and_timing():
    """The d=100, N=10, 1000-step curve against 1000 simulated runs, with both timings."""
    C, *_ = coloured(100, 12)
    eta = 0.5 * T.optimal_lr("np", C, 10)
    t0 = time.perf_counter()
    T.learning_curve("np", C, 10, eta, 1000, 0.1)
    t_theory = time.perf_counter() - t0
    t0 = time.perf_counter()
    z, *_ = compare("np", C, 10, eta, 1000, (100, 300, 1000), sigma=0.1, reps=1000, seed=13)
    t_mc = time.perf_counter() - t0
    print(
        f"d=100, 1000 steps: theory {t_theory * 1e3:.1f} ms, Monte Carlo (1000 runs) {t_mc:.1f} s"
    )
    assert np.abs(z).max() < Z_TOL


@pytest.mark.slow
def test_loco_planning_setup_by_simulation():
    """The project brief's planning setup N=10, d=40, k=4, eps=0.3, 600 steps, simulated."""
    C, P = T.lowrank_plus_noise_cov(40, 4, 0.3, rng=0)
    pred = T.loco_speedup(C, P, 10, 600)
    E0 = (np.random.default_rng(0).standard_normal((10, 40)) / np.sqrt(40)) @ P
    for eta, proj in ((pred.eta_opt[0], None), (pred.eta_opt[1], P)):
        z, *_ = compare(
            "np", C, 10, eta, 600, (100, 300, 600), proj=proj, E0=E0, reps=3000, seed=14
        )
        assert np.abs(z).max() < Z_TOL


@pytest.mark.parametrize("variant", ["gd", "np", "wp", "np_loco"])
def test_covariance_student_simulation_follows_the_exact_curve(variant):
    """`simulate_covariance_student` (F3's simulator) against T5's exact expected loss, at a
    third of the optimal rate (near the optimum a few replicates dominate the mean of gd's
    heavy-tailed losses and the SE understates the error)."""
    from analysis.anchors.linear_student import (
        COVARIANCE_RULES,
        loss_curve_stats,
        simulate_covariance_student,
    )
    from analysis.theory import learning_curve, lowrank_plus_noise_cov, optimal_lr

    rng = np.random.default_rng(11)
    n, d, steps = 2, 6, 15
    C, P = lowrank_plus_noise_cov(d, 2, 0.05, rng)
    E0 = rng.standard_normal((n, d)) / np.sqrt(d) @ P
    rule, Q = COVARIANCE_RULES[variant], (P if variant == "np_loco" else None)
    eta = 0.3 * optimal_lr(rule, C, n, Q)
    theory = learning_curve(rule, C, n, eta, steps, 0.0, Q, E0)
    loss = simulate_covariance_student(variant, C, Q, E0, eta, steps, 0.0, 4000, rng)
    stats = loss_curve_stats(loss)
    assert stats["diverged"] == 0
    z = (stats["mean"][1:] - theory[1:]) / stats["se"][1:]
    assert np.max(np.abs(z)) < 5, z
