"""NP and WP: unbiased estimates of the exact gradient (in standard errors), hooks, validation."""

import dataclasses

import numpy as np
import pytest

from sim.losses import loss
from sim.network import Network
from sim.rules.base import critical_path_depth
from sim.rules.gradient import BP
from sim.rules.perturbation import NodePerturbation, WeightPerturbation

Z = 5.0  # tolerance in standard errors (max over all weights)


def _rate_net(sizes=(5, 6, 3), seed=1, readout="rate") -> Network:
    return Network.init(
        list(sizes), np.random.default_rng([seed, 5]), mode="rate", gain=1.5, readout=readout
    )


def _batch(net: Network, batch=4, seed=2):
    rng = np.random.default_rng([seed, 6])
    x = rng.uniform(0.2, 1.0, (batch, net.sizes[0]))
    targets = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], batch)]
    return x, targets


def finite_difference_gradient(net: Network, x, targets, loss_name="mse", h=1e-6):
    """Central differences of the batch-mean loss: an independent exact-gradient reference."""
    grads = []
    for w in net.weights:
        g = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            old = w[index]
            w[index] = old + h
            up = loss(loss_name, net.forward(x).output, targets).mean()
            w[index] = old - h
            down = loss(loss_name, net.forward(x).output, targets).mean()
            w[index] = old
            g[index] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def _mean_and_se(rule, net, x, targets, draws, seed):
    rng = np.random.default_rng([seed, 7])
    samples = [
        np.concatenate([g.ravel() for g in rule.estimate(net, x, targets, rng).grads])
        for _ in range(draws)
    ]
    samples = np.array(samples)
    return samples.mean(0), samples.std(0, ddof=1) / np.sqrt(draws)


def _z_scores(mean, se, exact):
    """|mean - exact| / se; entries that never vary (a silent input) must match exactly."""
    diff = np.abs(mean - exact)
    assert np.all(diff[se == 0] < 1e-9)
    return diff[se > 0] / se[se > 0]


def _active_net_away_from_kinks(margin, sizes=(5, 6, 3), readout="rate"):
    """First seeded network whose currents keep ``margin`` from the clipped-ReLU kinks and
    whose every output unit is in its linear range (so the gradient is not trivially zero)."""
    for seed in range(100):
        net = _rate_net(sizes, seed, readout)
        x, targets = _batch(net, seed=seed)
        currents = net.forward(x).currents
        away = all(np.min(np.abs(c)) > margin and np.min(np.abs(c - 1)) > margin for c in currents)
        live = readout == "membrane" or np.all((currents[-1] > 0) & (currents[-1] < 1))
        if away and live:
            return net, x, targets
    raise AssertionError("no suitable network found")


@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy"])
def test_np_mean_estimate_matches_exact_bp_gradient_within_5_standard_errors(loss_name):
    sigma = 1e-4
    net, x, targets = _active_net_away_from_kinks(margin=10 * sigma)
    exact = np.concatenate(
        [g.ravel() for g in finite_difference_gradient(net, x, targets, loss_name)]
    )
    # the exact rate-mode BP gradient is the same reference (to finite-difference accuracy)
    bp = BP(loss=loss_name).estimate(net, x, targets, np.random.default_rng(0)).grads
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in bp]), exact, rtol=1e-5, atol=1e-8)
    mean, se = _mean_and_se(NodePerturbation(sigma, loss_name), net, x, targets, 12000, 1)
    z = _z_scores(mean, se, exact)
    assert z.max() < Z, f"max deviation {z.max():.2f} SE"
    # the check has power: the SE is small against the gradient it tests
    assert np.linalg.norm(se) < 0.2 * np.linalg.norm(exact)


def test_wp_mean_estimate_matches_exact_gradient_within_5_standard_errors():
    net, x, targets = _active_net_away_from_kinks(1e-3, sizes=(3, 4, 2), readout="membrane")
    exact = np.concatenate([g.ravel() for g in finite_difference_gradient(net, x, targets)])
    mean, se = _mean_and_se(WeightPerturbation(1e-4), net, x, targets, 20000, 2)
    z = _z_scores(mean, se, exact)
    assert z.max() < Z, f"max deviation {z.max():.2f} SE"
    assert np.linalg.norm(se) < 0.3 * np.linalg.norm(exact)


def test_np_per_step_noise_estimates_the_same_gradient_as_held_noise_in_expectation():
    net = Network.init([4, 5, 2], np.random.default_rng(3), steps=6, gain=1.2, readout="membrane")
    x, targets = _batch(net, batch=2)
    held, _ = _mean_and_se(NodePerturbation(0.05, noise="held"), net, x, targets, 1500, 3)
    step, _ = _mean_and_se(NodePerturbation(0.05, noise="step"), net, x, targets, 1500, 4)
    # both are unbiased for the same smoothed spiking loss only to first order, so compare
    # directions: they must agree far better than chance
    cos = held @ step / np.linalg.norm(held) / np.linalg.norm(step)
    assert cos > 0.5


def test_np_estimate_is_float64_with_weight_shapes_and_one_update_stage():
    net = Network.init([6, 7, 3], np.random.default_rng(0), steps=5, encoder="bernoulli")
    x, targets = _batch(net)
    rng = np.random.default_rng(1)
    est = NodePerturbation(0.1).estimate(net, net.encode(x, rng), targets, rng)
    assert [g.shape for g in est.grads] == [w.shape for w in net.weights]
    assert all(g.dtype == np.float64 for g in est.grads)
    assert critical_path_depth(NodePerturbation().dependencies(12)) == 1
    assert critical_path_depth(WeightPerturbation().dependencies(12)) == 1


def test_np_same_seed_gives_bit_identical_estimates():
    net = _rate_net()
    x, targets = _batch(net)
    a = NodePerturbation(0.01).estimate(net, x, targets, np.random.default_rng(5)).grads
    b = NodePerturbation(0.01).estimate(net, x, targets, np.random.default_rng(5)).grads
    for ga, gb in zip(a, b, strict=True):
        assert ga.tobytes() == gb.tobytes()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sigma=0.0), "sigma"),
        (dict(sigma=-1.0), "sigma"),
        (dict(loss="l1"), "loss"),
        (dict(noise="pink"), "noise"),
    ],
)
def test_bad_np_settings_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NodePerturbation(**kwargs)


@pytest.mark.parametrize("readout", ["rate", "membrane"])
def test_np_on_activity_with_derivative_mask_matches_the_exact_gradient_within_5_se(readout):
    """The authors' placement: noise on each layer's output activity, estimate masked by f'."""
    sigma = 1e-4
    net, x, targets = _active_net_away_from_kinks(margin=10 * sigma, readout=readout)
    net = dataclasses.replace(net, perturb="activity")
    exact = np.concatenate([g.ravel() for g in finite_difference_gradient(net, x, targets)])
    mean, se = _mean_and_se(NodePerturbation(sigma), net, x, targets, 12000, 5)
    z = _z_scores(mean, se, exact)
    assert z.max() < Z, f"max deviation {z.max():.2f} SE"
    assert np.linalg.norm(se) < 0.2 * np.linalg.norm(exact)


def test_activity_perturbation_adds_the_noise_after_the_transfer_function():
    net = dataclasses.replace(_rate_net(readout="membrane"), perturb="activity")
    x, _ = _batch(net)
    xi = [np.full((4, n), 0.01) for n in net.sizes[1:]]
    clean, noisy = net.forward(x), net.forward(x, xi)
    np.testing.assert_allclose(noisy.pre_rates[1], clean.pre_rates[1] + 0.01, atol=1e-15)
    np.testing.assert_allclose(noisy.currents[0], clean.currents[0], atol=0)  # not the current
    with pytest.raises(ValueError, match="perturb='activity' needs mode='rate'"):
        Network.init([3, 2], np.random.default_rng(0), perturb="activity")


def test_authors_scaling_is_sigma_squared_over_their_constants_times_the_estimate():
    net = _rate_net(sizes=(5, 6, 6, 3))
    x, targets = _batch(net)
    ours = NodePerturbation(0.01, "mean_squared").estimate(
        net, x, targets, np.random.default_rng(9)
    )
    theirs = NodePerturbation(0.01, "mean_squared", scaling="authors").estimate(
        net, x, targets, np.random.default_rng(9)
    )
    for l, (a, b) in enumerate(zip(ours.grads, theirs.grads, strict=True)):
        constant = 10.0 if l == net.depth - 1 else 256.0
        np.testing.assert_allclose(b, a * 0.01**2 / constant, rtol=1e-12)
