"""analysis.resolution: finite-difference derivatives in spiking mode against the rate limit."""

import numpy as np
import pytest

from analysis.resolution import estimator_resolution, sigma_tag
from sim.network import Network
from sim.rules.gradient import BP

CONFIG = {
    "seed": 0,
    "data": {"name": "teacher", "n_train": 64, "n_val": 8, "n_test": 8},
    "network": {"depth": 3, "hidden": 40, "readout": "membrane"},
    "rule": {"loss": "cross_entropy"},
}


@pytest.fixture(scope="module")
def measured():
    return estimator_resolution(
        CONFIG, steps=[4, 400], sigmas=[0.1, 1e-4], draws=5, batch=32, units=10
    )


def _row(out, mode, steps, sigma):
    (row,) = [r for r in out["rows"] if (r["mode"], r["steps"], r["sigma"]) == (mode, steps, sigma)]
    return row


def test_the_rate_limit_differences_are_its_exact_derivatives(measured):
    # a small perturbation of a piecewise-linear network: the difference is the derivative
    for layer in _row(measured, "rate", 4, 1e-4)["layers"]:
        assert layer["slope"] == pytest.approx(1.0, abs=1e-3)
        assert layer["cosine"] == pytest.approx(1.0, abs=1e-3)


def test_a_perturbation_far_below_one_spike_changes_no_hidden_spike(measured):
    row = _row(measured, "spiking", 4, 1e-4)
    for layer in row["layers"][:-1]:
        assert layer["changed"] < 0.01 and layer["zero"] > 0.9
        assert abs(layer["slope"]) < 0.1
    assert row["layers"][-1]["changed"] == 1.0  # the readout's own perturbation always acts
    assert row["layers"][-1]["zero"] == 0.0


def test_long_presentations_approach_the_rate_limit(measured):
    short, long = _row(measured, "spiking", 4, 0.1), _row(measured, "spiking", 400, 0.1)
    assert long["readout_error"] < short["readout_error"] < 1
    for layer in long["layers"]:
        assert layer["slope"] == pytest.approx(1.0, abs=0.25) and layer["cosine"] > 0.8
    assert _row(measured, "rate", 4, 0.1)["readout_error"] == 0.0


def test_per_sample_current_gradients_are_each_samples_own():
    net = Network.init([5, 6, 3], np.random.default_rng(1), mode="rate", gain=1.5)
    x = np.random.default_rng(2).uniform(0.2, 1.0, (4, 5))
    y = np.eye(3)[[0, 1, 2, 0]]
    got = BP(loss="cross_entropy").per_sample_current_gradients(net, x, y)
    for b in range(4):
        alone = BP(loss="cross_entropy").estimate(net, x[b : b + 1], y[b : b + 1], None)
        for l, g in enumerate(alone.grads):
            np.testing.assert_allclose(got[l][b], g[:, -1], rtol=1e-12, atol=1e-15)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="steps"):
        estimator_resolution(CONFIG, steps=[0], sigmas=[0.1])
    with pytest.raises(ValueError, match="sigmas"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[-1.0])
    with pytest.raises(ValueError, match="draws"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[0.1], draws=0)
    with pytest.raises(ValueError, match="units"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[0.1], units=0)
    with pytest.raises(ValueError, match="batch"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[0.1], batch=10_000)


def test_sigma_tag_spells_a_key_part():
    assert sigma_tag(0.005) == "sigma0p005" and sigma_tag(1e-5) == "sigma1em05"


def test_summary_numbers_from_hand_made_records():
    from analysis.resolution import resolution_summary

    layer = lambda slope, changed, cos=1.0: {"slope": slope, "changed": changed, "cosine": cos}  # noqa: E731
    rows = [
        {"mode": "rate", "steps": 10, "sigma": 0.1, "readout_error": 0.0,
         "layers": [layer(1.0, 0.5), layer(0.8, 0.5), layer(1.0, 1.0)]},
        {"mode": "spiking", "steps": 10, "sigma": 0.1, "readout_error": 0.3,
         "layers": [layer(0.5, 0.2, 0.4), layer(0.6, 0.4, 0.2), layer(0.9, 1.0)]},
    ]  # fmt: skip
    config = {"data": {"n_train": 1000}, "training": {"epochs": 2, "batch_size": 250},
              "network": {"hidden": 64}, "rule": {"sigma": 0.1}}  # fmt: skip

    def sweep(acc):
        history = [{"epoch": 1, "test_acc": 0.1}, {"epoch": 2, "test_acc": acc}]
        run = {"lr": 0.001, "diverged": False, "history": history}
        return {"config": config, "runs": [run], "best": {"lr": 0.001}}

    runs = {("sorted", "np", "T10"): sweep(0.4), ("sorted", "loco", "T10"): sweep(0.55),
            ("sorted", "np", "rate"): sweep(0.5)}  # fmt: skip
    s, n = resolution_summary({"rows": rows}, runs)
    # hidden layers only (the readout's 0.9 / 1.0 is left out): (0.5/1.0 + 0.6/0.8) / 2
    assert n["F12.signal.T10.sigma0p1"] == pytest.approx(0.625)
    assert n["F12.changed.T10.sigma0p1"] == pytest.approx(0.3)
    assert n["F12.fidelity.T10.sigma0p1"] == pytest.approx(0.3)
    assert n["F12.readout_error.T10"] == 0.3
    assert n["F12.gain.sorted.T10"] == pytest.approx(0.15) and "F12.gain.sorted.rate" not in n
    assert n["F12.test_acc.sorted.np.rate"] == 0.5 and n["F12.lr.sorted.loco.T10"] == 0.001
    assert n["F12.updates"] == 8 and n["F12.sigma"] == 0.1 and n["F12.hidden"] == 64
    assert s["signal"]["0.1"]["steps"] == [10]
