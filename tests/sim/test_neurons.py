"""Neuron dynamics: refractoriness, validation, shapes and dtypes of `sim.neurons`."""

import numpy as np
import pytest

from sim.neurons import NeuronParams, integrate, simulate_lif


@pytest.mark.parametrize("refractory, period", [(0.0, 1), (1.0, 1), (3.0, 3), (5.0, 5)])
def test_strong_drive_fires_once_per_refractory_period_with_clamped_voltage(refractory, period):
    spikes, v = simulate_lif(np.full((40, 2), 1e3), tau=10.0, dt=1.0, refractory=refractory)
    steps = np.flatnonzero(spikes[:, 0])
    assert steps[0] == 0 and np.all(np.diff(steps) == period)
    # every step is a spike step (reset to 0) or a refractory step (clamped at 0); without the
    # clamp the huge drive would push v far above 0 in between
    assert np.all(v == 0.0)


def test_refractory_counted_in_whole_steps_like_brian2():
    p = NeuronParams(tau=1.0, dt=0.1, refractory=0.3)
    assert p.refractory_steps == 3
    assert NeuronParams(tau=1.0, dt=0.1, refractory=0.29999999999).refractory_steps == 3
    assert NeuronParams(tau=1.0, dt=0.1, refractory=0.25).refractory_steps == 2


def test_subthreshold_lif_relaxes_to_the_input_current_exactly():
    _, v = simulate_lif(np.full((200, 1), 0.9), tau=5.0, dt=0.5)
    expected = 0.9 * (1 - np.exp(-0.5 / 5.0 * np.arange(1, 201)))
    np.testing.assert_allclose(v[:, 0], expected, rtol=1e-12)


def test_outputs_have_input_shape_and_bool_float64_dtypes():
    current = np.zeros((7, 3, 5), dtype=np.float32)
    spikes, v = integrate(current, NeuronParams(tau=2.0, dt=1.0))
    assert spikes.shape == v.shape == (7, 3, 5)
    assert spikes.dtype == np.bool_ and v.dtype == np.float64
    spikes, v = integrate(current, NeuronParams(tau=2.0, dt=1.0), record_v=False)
    assert v is None


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(tau=0.0), "tau"),
        (dict(tau=-1.0), "tau"),
        (dict(dt=0.0), "dt"),
        (dict(dt=np.inf), "dt"),
        (dict(v_th=0.0, v_reset=0.0), "v_th"),
        (dict(v_th=-1.0), "v_th"),
        (dict(refractory=-1.0), "refractory"),
        (dict(method="rk4"), "method"),
    ],
)
def test_bad_parameters_raise_value_error_naming_the_parameter(kwargs, name):
    args = dict(tau=10.0, dt=1.0) | kwargs
    with pytest.raises(ValueError, match=name):
        simulate_lif(np.zeros((3, 2)), **args)


@pytest.mark.parametrize("current", [np.zeros(5), np.zeros((2, 3, 4)), np.array([[0.0, np.nan]])])
def test_bad_current_raises_value_error_naming_current(current):
    with pytest.raises(ValueError, match="current"):
        simulate_lif(current, tau=10.0, dt=1.0)


def test_non_finite_v0_is_rejected():
    with pytest.raises(ValueError, match="v0"):
        simulate_lif(np.zeros((3, 2)), tau=10.0, dt=1.0, v0=np.array([0.0, np.inf]))
