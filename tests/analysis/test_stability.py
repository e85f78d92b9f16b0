"""The one-step SGD rate prediction against T5 where it is exact (the linear student), and its
measurement in a network against fresh draws."""

import numpy as np
import pytest

from analysis import theory
from analysis.stability import quadratic_rates, sgd_rate_predictions, step_root
from sim.synthetic import orthonormal_basis

Z = 4.0  # tolerance in standard errors of the Monte-Carlo root


def _linear_student_draws(C, Q, n_out, m, draws, sigma, rng):
    """NP's online estimates in the linear student ``y = W x``, MSE, ``x ~ N(0, C)``: per draw a
    fresh error ``E_i`` with ``E[E^T E] = U diag(m) U^T`` (``U`` C's eigenbasis), input and node
    noise; the step direction ``D_i = Ghat_i Q``. Returns ``(E, D)``, arrays (draws, N, d)."""
    d = C.shape[0]
    U = np.linalg.eigh(C)[1]
    E = rng.standard_normal((draws, n_out, d)) * np.sqrt(m / n_out) @ U.T
    x = rng.multivariate_normal(np.zeros(d), C, size=draws, method="cholesky")
    xi = rng.normal(0.0, sigma, (draws, n_out))
    r = np.einsum("bnd,bd->bn", E, x)  # the clean residual W x - y*
    dl = 0.5 * np.sum((r + xi) ** 2 - r**2, axis=1)  # the exact loss difference
    G = (dl / sigma**2)[:, None, None] * xi[:, :, None] * x[:, None, :]
    return E, G @ Q


def _rates(C, Q, E, D):
    """`quadratic_rates` of the population loss ``tr(E C E^T) / 2`` (exactly quadratic): the
    descent given the error, ``<E C, E C Q>``, and the curvature ``tr(D C D^T)``."""
    g = E @ C
    return quadratic_rates(np.einsum("bnd,bnd->b", g, g @ Q), np.einsum("bnd,de,bne->b", D, C, D))


def test_white_inputs_give_t5s_rates_for_any_error():
    """C = I: E Delta = 0 exactly at 2 / ((N + 2)(d + 2)) whatever the error (1^T A = rho 1^T);
    the greedy optimum is half of it (T5's optimal rate)."""
    rng = np.random.default_rng(1)
    n_out, d = 3, 6
    C = np.eye(d)
    m = rng.uniform(0.2, 2.0, d)  # an anisotropic error
    E, D = _linear_student_draws(C, np.eye(d), n_out, m, 200_000, 1e-3, rng)
    r = _rates(C, np.eye(d), E, D)
    edge = theory.max_stable_lr("np", C, n_out)
    assert edge == pytest.approx(2 / ((n_out + 2) * (d + 2)), rel=1e-12)
    assert abs(r["max_stable"] - edge) < Z * r["max_stable_se"]
    assert r["max_stable_se"] < 0.03 * edge  # the test has power
    assert r["best"] == r["max_stable"] / 2
    assert theory.optimal_lr("np", C, n_out) == pytest.approx(edge / 2, rel=1e-9)
    # the measured loss changes' first root: the same edge (the loss is exactly quadratic)
    loss = lambda err: 0.5 * np.einsum("bnd,de,bne->b", err, C, err)  # noqa: E731
    root = step_root(lambda eta: loss(E - eta * D) - loss(E), r["best"] / 2)
    assert abs(root["max_stable"] - edge) < Z * root["max_stable_se"] + 0.01 * edge


def test_coloured_inputs_and_projector_give_t5s_edge_along_its_perron_vector():
    """Coloured C with a commuting projector Q: with the error's second moment along the
    Perron vector of T5's map at its edge, the root is T5's maximal stable rate."""
    rng = np.random.default_rng(2)
    n_out, d = 2, 8
    U = orthonormal_basis(d, d, rng)
    c = np.geomspace(0.1, 3.0, d)  # ascending, as eigh returns them
    q = np.array([1, 1, 1, 1, 1, 1, 0, 0.0])  # LOCO-like: the top two directions removed
    C, Q = U @ np.diag(c) @ U.T, U @ np.diag(q) @ U.T
    edge = theory.max_stable_lr("np", C, n_out, proj=Q)
    prob = theory._rate_problem("np", C, n_out, Q)  # the active (kept) modes, in c's order
    A = np.eye(prob.D.size) - edge * np.diag(prob.D) + edge**2 * prob.S
    assert theory._spectral_radius(prob, edge) == pytest.approx(1.0, abs=1e-9)
    w, v = np.linalg.eig(A)
    m = np.zeros(d)
    m[q > 0] = np.abs(np.real(v[:, np.argmax(np.real(w))]))
    E, D = _linear_student_draws(C, Q, n_out, m, 200_000, 1e-3, rng)
    r = _rates(C, Q, E, D)
    assert abs(r["max_stable"] - edge) < Z * r["max_stable_se"]
    assert r["max_stable_se"] < 0.05 * edge
    assert abs(edge - 2 / ((n_out + 2) * (d + 2))) > 10 * r["max_stable_se"]  # not white


def test_bad_moments_are_refused():
    with pytest.raises(ValueError, match="descent"):
        quadratic_rates(-np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="curvature"):
        quadratic_rates(np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="per draw"):
        quadratic_rates(np.ones(1), np.ones(1))


CONFIG = {
    "data": {"name": "teacher", "n_train": 1000, "n_val": 200, "n_test": 10},
    "network": {"mode": "rate", "depth": 3, "hidden": 16},
    "rule": {"name": "np", "sigma": 1e-3, "loss": "cross_entropy", "k": 4},
    "training": {"batch_size": 16},
    "seed": 3,
}


@pytest.fixture(scope="module")
def network_prediction():
    return sgd_rate_predictions(CONFIG, rules=("np", "loco"), draws=8, warmup=20, eval_samples=200)


def test_network_prediction_is_finite_and_loco_keeps_part_of_each_input(network_prediction):
    p = network_prediction
    for rule in ("np", "loco"):
        row = p["rules"][rule]
        assert 0 < row["best"] < row["max_stable"] < np.inf
        assert row["max_stable_se"] < row["max_stable"]
    assert all(0 < f < 1 for f in p["rules"]["loco"]["energy_fraction"])
    assert p["ratios"]["loco"]["max_stable"] > 0
    root = p["rules"]["np"]["step_root"]
    assert root["max_stable"] is None or root["max_stable"] > p["rules"]["np"]["best"] / 2


def test_a_warmup_too_short_for_locos_projector_is_refused():
    with pytest.raises(ValueError, match="warmup must be >= 2 x LOCO's refresh"):
        sgd_rate_predictions(CONFIG, draws=2, warmup=5, eval_samples=200)
