"""Encoder statistics within stated standard errors, and validation."""

import numpy as np
import pytest

from sim.encoders import encode

Z = 5.0  # tolerance in standard errors


def test_bernoulli_rate_within_5_standard_errors():
    x = np.linspace(0.0, 1.0, 11)[None, :].repeat(4, axis=0)
    spikes = encode(x, "bernoulli", 5000, np.random.default_rng([1, 2]))
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    n = spikes.shape[0] * spikes.shape[1]
    mean = spikes.mean(axis=(0, 1))
    se = np.sqrt(x[0] * (1 - x[0]) / n)
    assert np.all(np.abs(mean - x[0]) <= Z * se + 1e-15)


def test_poisson_mean_and_variance_within_5_standard_errors():
    x = np.array([[0.05, 0.3, 1.0, 2.5]])
    counts = encode(x, "poisson", 40000, np.random.default_rng([1, 3]))[:, 0, :]
    n = counts.shape[0]
    assert np.all(np.abs(counts.mean(0) - x[0]) <= Z * np.sqrt(x[0] / n))
    # var of the sample variance of Poisson(l): (mu4 - var^2) / n with mu4 = l + 3 l^2
    se_var = np.sqrt((x[0] + 2 * x[0] ** 2) / n)
    assert np.all(np.abs(counts.var(0, ddof=1) - x[0]) <= Z * se_var)


def test_same_rng_state_gives_identical_spikes():
    x = np.full((3, 5), 0.4)
    a = encode(x, "bernoulli", 10, np.random.default_rng(7))
    b = encode(x, "bernoulli", 10, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_current_encoder_returns_the_intensities():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(encode(x, "current", 10, None), x)


@pytest.mark.parametrize(
    "x, encoder, match",
    [
        (np.ones((2, 2)), "morse", "encoder"),
        (np.ones(3), "current", "shape"),
        (np.array([[np.nan]]), "current", "non-finite"),
        (np.array([[-0.1]]), "poisson", "poisson"),
        (np.array([[1.5]]), "bernoulli", "bernoulli"),
    ],
)
def test_bad_encoder_input_raises(x, encoder, match):
    with pytest.raises(ValueError, match=match):
        encode(x, encoder, 5, np.random.default_rng(0))


def test_random_encoder_without_rng_is_rejected():
    with pytest.raises(ValueError, match="rng"):
        encode(np.ones((1, 1)) * 0.5, "bernoulli", 5, None)
