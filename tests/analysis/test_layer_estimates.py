"""Per-layer NP / LOCO estimator moments in a real rate-mode network against T2 and T4."""

import numpy as np
import pytest

from analysis.layer_estimates import layer_estimator_moments, predicted_second_moments

Z_TOL = 5.0  # |z| <= 5 standard errors


def _config(**network) -> dict:
    return {
        "data": {"name": "teacher", "n_train": 400, "n_val": 10, "n_test": 10},
        "network": {"mode": "rate", "depth": 3, "hidden": 16, **network},
        "rule": {"name": "np", "sigma": 1e-4, "loss": "cross_entropy", "k": 4},
        "training": {"batch_size": 16},
        "seed": 3,
    }


@pytest.fixture(scope="module")
def measured() -> dict:
    return layer_estimator_moments(_config(), draws=20_000, warmup=5)


def test_second_moments_match_T2_and_T4_in_every_layer(measured: dict) -> None:
    for layer in measured["layers"]:
        for rule in ("np", "loco"):
            assert abs(layer[rule]["second_moment"]["z"]) < Z_TOL, (rule, layer)


def test_projection_lowers_the_second_moment_and_keeps_alignment_close(measured: dict) -> None:
    first = measured["layers"][0]
    assert first["projection_rank"] < first["inputs"]
    assert first["loco"]["second_moment"]["theory"] < first["np"]["second_moment"]["theory"]
    for layer in measured["layers"]:  # ratio-of-moments approximation of E cos, within 10 %
        for rule in ("np", "loco"):
            c = layer[rule]["cosine"]
            assert abs(c["mc"] - c["approx"]) < 0.1 * c["approx"] + Z_TOL * c["se"]


def test_prediction_equals_a_direct_sum_over_units() -> None:
    """Brute force: E|G P|^2 summed unit by unit from E[(g.xi)^2 xi_i xi_j] (Isserlis)."""
    rng = np.random.default_rng(5)
    sizes, d = [3, 2], [4, 3]
    batch = 2
    g = [[rng.standard_normal(n) for n in sizes] for _ in range(batch)]
    x = [rng.standard_normal((batch, k)) for k in d]
    basis = [np.linalg.qr(rng.standard_normal((k, 2)))[0] for k in d]
    P = [b @ b.T for b in basis]
    got = predicted_second_moments(g, x, P)
    for l in range(2):
        # G_l P = (1/B) sum_b (g_b . z_b) z_{b,l} (P x_b)^T with z ~ N(0, I) over all units
        total = 0.0
        mean = sum(np.outer(g[b][l], P[l] @ x[l][b]) for b in range(batch)) / batch
        for b in range(batch):
            gb = np.concatenate(g[b])
            off = sum(sizes[:l])
            # E[(g.z)^2 z_i z_j] = |g|^2 delta_ij + 2 g_i g_j
            cov = (gb @ gb) * np.eye(sizes[l]) + 2 * np.outer(
                gb[off : off + sizes[l]], gb[off : off + sizes[l]]
            )
            px = P[l] @ x[l][b]
            total += (np.trace(cov) - g[b][l] @ g[b][l]) * (px @ px)
        assert got[l] == pytest.approx(np.sum(mean**2) + total / batch**2, rel=1e-12)


def test_bad_input_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match=r"network\.mode"):
        layer_estimator_moments(_config(mode="spiking"), draws=10)
    with pytest.raises(ValueError, match="draws"):
        layer_estimator_moments(_config(), draws=1)
    with pytest.raises(ValueError, match="warmup"):
        layer_estimator_moments(_config(), warmup=0)
    with pytest.raises(ValueError, match="training samples"):
        layer_estimator_moments(_config(), warmup=100)


def test_the_ports_perbatch_projector_matches_T4_too() -> None:
    """The port's projector (protecting 2 of 3 k-means centres after 5 batches) in the same
    T4 comparison; its energy fraction is that of the projector applied."""
    cfg = _config()
    cfg["rule"] |= {"n_clusters": 3}
    got = layer_estimator_moments(cfg, draws=20_000, warmup=5, projected=("loco_port",))
    for layer in got["layers"]:
        assert abs(layer["loco_port"]["second_moment"]["z"]) < Z_TOL, layer
        assert 0 < layer["energy_fraction"]["loco_port"] < 1
        assert layer["projection_ranks"]["loco_port"] == layer["projection_rank"] <= 5


def _dnp_config() -> dict:
    cfg = _config()
    cfg["rule"] |= {"estimator": "np", "decor_lr": 0.2, "kappa": 0.5}
    return cfg


def test_dnp_step_is_np_times_its_input_side_matrix() -> None:
    """DNP (NP estimator) on the same draws: its SGD step on V moves W by G_V Rt, which equals
    NP's estimate times Rt^T Rt, exactly."""
    from analysis.layer_estimates import batch_projector
    from sim.config import resolve
    from sim.experiments import run_config
    from sim.rules import make_rule
    from sim.rules.loco import with_bias
    from sim.train import build_network, load_data

    cfg = resolve(run_config(_dnp_config(), "dnp"))
    data = load_data(cfg)
    net = build_network(cfg, data.n_features, data.n_classes)
    dnp = make_rule(**cfg["rule"])
    plain = make_rule("np", sigma=cfg["rule"]["sigma"], loss=cfg["rule"]["loss"])
    x, y = data.train_x[:16], np.eye(data.n_classes)[data.train_y[:16]]
    for _ in range(3):  # R moves away from the identity
        dnp.estimate(net, x, y, np.random.default_rng(0))
        dnp.decorrelate(net)
    got = dnp.estimate(net, x, y, np.random.default_rng(9)).grads
    ref = plain.estimate(net, x, y, np.random.default_rng(9)).grads
    inputs = [with_bias(a) for a in net.forward(x).pre_rates]
    for l, g in enumerate(got):
        M = batch_projector(dnp, l, inputs[l])
        rt = np.eye(M.shape[0])
        rt[:-1, :-1] = dnp.decorrelators[l]
        assert not np.allclose(M, np.eye(M.shape[0]))
        assert np.allclose(g @ rt, ref[l] @ M, rtol=1e-9, atol=1e-12)


def test_dnp_second_moment_matches_T4_with_its_matrix() -> None:
    got = layer_estimator_moments(_dnp_config(), draws=20_000, warmup=4, projected=("dnp",))
    for layer in got["layers"]:
        assert abs(layer["dnp"]["second_moment"]["z"]) < Z_TOL, layer
