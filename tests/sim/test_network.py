"""`sim.network`: rate mode as the long-T limit, learning-rule hooks, shapes, validation."""

import numpy as np
import pytest

from sim.network import Network
from sim.neurons import NeuronParams
from sim.transfer import rate, rate_derivative


def _net(sizes=(6, 10, 4), seed=0, **kwargs) -> Network:
    return Network.init(list(sizes), np.random.default_rng([seed, 11]), **kwargs)


def test_if_rate_mode_is_the_long_presentation_limit_of_spiking_mode():
    x = np.random.default_rng(3).uniform(0, 1, (16, 6))
    errors = []
    for steps in (100, 1000, 10000):
        spiking = _net(steps=steps, gain=2.0)
        rated = Network(spiking.weights, steps=steps, mode="rate")
        errors.append(
            np.abs(spiking.forward(spiking.encode(x)).output - rated.forward(x).output).max()
        )
    # one layer of IF-with-subtraction counts within 1/T of rho*T; errors shrink like 1/T
    assert errors[2] < 0.01 and errors[2] < errors[1] < errors[0]


def test_lif_rate_matches_discrete_simulation_within_one_step_of_the_interval():
    p = NeuronParams(tau=20.0, dt=0.05, v_th=1.0, v_reset=0.0, refractory=0.5)
    current = np.linspace(0.5, 6.0, 23)
    steps = 40000
    net = Network([np.c_[np.eye(23), current]], neuron=p, steps=steps)
    simulated = net.forward(np.zeros((1, 23))).output[0]
    predicted = rate(current, p)
    # the discrete interval exceeds the continuous one by < 1 step: |dr| <= r^2 (+ 1/T)
    assert np.all(np.abs(simulated - predicted) <= predicted**2 + 1.0 / steps)
    assert simulated[0] == predicted[0] == 0.0


@pytest.mark.parametrize(
    "neuron",
    [
        NeuronParams(tau=1.0, dt=1.0, leak=False, reset="subtract", refractory=3.0),
        NeuronParams(tau=10.0, dt=1.0, refractory=2.0),
    ],
)
def test_rate_derivative_matches_central_differences(neuron):
    current = np.linspace(-0.5, 5.0, 37) + 0.0123
    h = 1e-6
    numeric = (rate(current + h, neuron) - rate(current - h, neuron)) / (2 * h)
    np.testing.assert_allclose(rate_derivative(current, neuron), numeric, rtol=1e-5, atol=1e-7)


def test_two_passes_on_one_encoding_share_input_spikes_and_perturbation_shifts_current():
    net = _net(encoder="bernoulli", steps=30)
    x = np.full((5, 6), 0.5)
    drive = net.encode(x, np.random.default_rng(9))
    clean_a, clean_b = net.forward(drive), net.forward(drive)
    np.testing.assert_array_equal(clean_a.output, clean_b.output)
    xi = [np.random.default_rng(1).normal(0, 0.1, (5, n)) for n in net.sizes[1:]]
    noisy = net.forward(drive, xi)
    np.testing.assert_array_equal(noisy.pre_rates[0], clean_a.pre_rates[0])
    np.testing.assert_allclose(noisy.currents[0] - clean_a.currents[0], xi[0], atol=1e-12)


def test_held_perturbation_equals_the_same_value_fresh_every_step():
    net = _net(steps=25)
    drive = net.encode(np.random.default_rng(2).uniform(0, 1, (3, 6)))
    xi = [np.random.default_rng([4, l]).normal(0, 0.2, (3, n)) for l, n in enumerate(net.sizes[1:])]
    per_step = [np.broadcast_to(e, (25, *e.shape)) for e in xi]
    np.testing.assert_array_equal(
        net.forward(drive, xi).output, net.forward(drive, per_step).output
    )


def test_record_exposes_per_step_activity_consistent_with_rates():
    net = _net(steps=12, encoder="poisson")
    drive = net.encode(np.full((2, 6), 0.3), np.random.default_rng(0))
    result = net.forward(drive, record=True)
    assert len(result.pre_steps) == len(result.spikes) == len(result.membrane) == net.depth
    for l in range(net.depth):
        np.testing.assert_allclose(result.pre_steps[l].mean(0), result.pre_rates[l])
        assert result.spikes[l].shape == (12, 2, net.sizes[l + 1])
    np.testing.assert_allclose(result.spikes[-1].mean(0), result.output)


def _one_layer_pair(readout: str, steps: int = 8) -> tuple[Network, Network]:
    w = [np.array([[0.25, 0.1], [0.5, 0.0], [0.3, -0.2]])]
    neuron = NeuronParams(tau=1.0, dt=1.0, leak=False, reset="subtract")
    spiking = Network(w, neuron=neuron, steps=steps, readout=readout)
    return spiking, Network(w, neuron=neuron, steps=steps, readout=readout, mode="rate")


def test_membrane_readout_is_identical_in_both_modes_for_constant_current():
    spiking, rated = _one_layer_pair("membrane")
    x = np.array([[1.0], [0.6]])
    np.testing.assert_allclose(spiking.forward(x).output, rated.forward(x).output, atol=1e-12)


def test_if_spike_count_is_within_one_spike_of_the_rate_mode_count():
    spiking, rated = _one_layer_pair("count", steps=37)
    x = np.linspace(0, 3, 13)[:, None]
    diff = rated.forward(x).output - spiking.forward(x).output
    assert np.all((diff >= 0) & (diff <= 1))  # strict threshold: a count of T*rho in [0, 1] below


def test_outputs_are_float64_with_batch_by_output_shape():
    net = _net(sizes=(6, 7, 8, 3))
    result = net.forward(net.encode(np.ones((4, 6))))
    assert result.output.shape == (4, 3) and result.output.dtype == np.float64
    assert [r.shape for r in result.pre_rates] == [(4, 6), (4, 7), (4, 8)]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(mode="analog"), "mode"),
        (dict(readout="voltage"), "readout"),
        (dict(encoder="morse"), "encoder"),
        (dict(steps=0), "steps"),
        (dict(mode="rate", neuron=NeuronParams(tau=1.0, dt=1.0, reset="subtract")), "rate mode"),
    ],
)
def test_bad_network_settings_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _net(**kwargs)


def test_mismatched_layer_shapes_and_perturbations_are_rejected():
    with pytest.raises(ValueError, match="weights\\[1\\]"):
        Network([np.zeros((4, 3)), np.zeros((2, 6))])
    net = _net()
    with pytest.raises(ValueError, match="perturbation\\[0\\]"):
        net.forward(np.ones((2, 6)), [np.zeros((3, 10)), None])
    with pytest.raises(ValueError, match="features"):
        net.encode(np.ones((2, 5)))
