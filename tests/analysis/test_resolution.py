"""analysis.resolution: NP in spiking mode against its rate limit, on a tiny network."""

import pytest

from analysis.resolution import estimator_resolution, sigma_tag

CONFIG = {
    "seed": 0,
    "data": {"name": "teacher", "n_train": 64, "n_val": 8, "n_test": 8},
    "network": {"depth": 3, "hidden": 40, "readout": "membrane"},
    "rule": {"loss": "cross_entropy"},
}


@pytest.fixture(scope="module")
def measured():
    return estimator_resolution(CONFIG, steps=[4, 200], sigmas=[0.1, 1e-4], draws=60, batch=32)


def _row(out, mode, steps, sigma):
    (row,) = [r for r in out["rows"] if (r["mode"], r["steps"], r["sigma"]) == (mode, steps, sigma)]
    return row


def test_a_perturbation_far_below_one_spike_changes_no_hidden_spike_and_carries_no_signal(
    measured,
):
    row = _row(measured, "spiking", 4, 1e-4)
    for layer in row["layers"][:-1]:
        assert layer["changed"] < 0.01
        assert abs(layer["cosine"]["mean"]) < 3 * layer["cosine"]["se"] + 1e-12
    assert row["layers"][-1]["changed"] == 1.0  # the readout's own perturbation always acts


def test_the_rate_limit_and_long_presentations_carry_the_gradient_signal(measured):
    for mode, steps in (("rate", 4), ("spiking", 200)):
        row = _row(measured, mode, steps, 0.1)
        for layer in row["layers"]:
            assert layer["cosine"]["mean"] > 5 * layer["cosine"]["se"], (mode, layer)
    # 200 steps are closer to the rate limit than 4
    long, short = _row(measured, "spiking", 200, 0.1), _row(measured, "spiking", 4, 0.1)
    assert long["readout_error"] < short["readout_error"]
    assert _row(measured, "rate", 4, 0.1)["readout_error"] == 0.0


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="steps"):
        estimator_resolution(CONFIG, steps=[0], sigmas=[0.1])
    with pytest.raises(ValueError, match="sigmas"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[-1.0])
    with pytest.raises(ValueError, match="draws"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[0.1], draws=1)
    with pytest.raises(ValueError, match="batch"):
        estimator_resolution(CONFIG, steps=[4], sigmas=[0.1], batch=10_000)


def test_sigma_tag_spells_a_key_part():
    assert sigma_tag(0.005) == "sigma0p005" and sigma_tag(1e-5) == "sigma1em05"
