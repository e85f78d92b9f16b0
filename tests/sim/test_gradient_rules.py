"""`sim.rules.gradient`: BP against finite differences, BPTT against a surrogate model, FA, DFA.

References are independent of the rules' backward passes: central finite differences of the
batch-mean loss (rate mode), and of a straight-through surrogate network written here with a
loop over steps (spiking mode). Relative error: per layer, ``max|G - G_fd| / max|G_fd|``,
tolerance 1e-6 (measured <= 2e-9 in rate mode and <= 7e-9 in spiking mode, step h = 1e-6).
"""

import numpy as np
import pytest

from sim.losses import loss
from sim.network import Network
from sim.neurons import NeuronParams
from sim.rules.base import critical_path_depth
from sim.rules.gradient import BP, DFA, FA
from sim.streams import stream

IF_SUBTRACT = NeuronParams(tau=1.0, dt=1.0, leak=False, reset="subtract")
LIF_VALUE = NeuronParams(tau=5.0, dt=1.0, reset="value")
LIF_SUBTRACT_EULER = NeuronParams(tau=4.0, dt=1.0, reset="subtract", method="euler")
SLOPE = 3.0


def _finite_differences(loss_of, weights, h=1e-6):
    """Central differences of ``loss_of(weights)`` for every weight entry."""
    grads = []
    for w in weights:
        g = np.empty_like(w)
        for idx in np.ndindex(w.shape):
            saved = w[idx]
            w[idx] = saved + h
            up = loss_of(weights)
            w[idx] = saved - h
            down = loss_of(weights)
            w[idx] = saved
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def _relative_errors(grads, reference):
    return [np.abs(g - r).max() / np.abs(r).max() for g, r in zip(grads, reference, strict=True)]


def _problem(sizes, batch, seed, **kwargs):
    rng = np.random.default_rng([seed, 5])
    net = Network.init(list(sizes), rng, gain=2.0, **kwargs)
    x = rng.uniform(0.0, 1.0, (batch, sizes[0]))
    targets = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return net, x, targets


# -- rate mode: exact gradient ----------------------------------------------------------------


@pytest.mark.parametrize("readout", ["rate", "count", "membrane"])
@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy"])
def test_rate_mode_bp_matches_central_differences_of_batch_mean_loss(readout, loss_name):
    net, x, targets = _problem((5, 7, 6, 3), 4, seed=1, mode="rate", readout=readout, steps=3)
    currents = np.concatenate([c.ravel() for c in net.forward(x).currents])
    # the check is valid only away from the clipped ReLU's kinks at 0 and 1
    assert np.min(np.minimum(np.abs(currents), np.abs(currents - 1.0))) > 1e-4
    assert np.mean((currents > 0) & (currents < 1)) > 0.3  # enough units on the slope

    def batch_loss(weights):
        out = Network(weights, mode="rate", readout=readout, steps=3).forward(x).output
        return loss(loss_name, out, targets).mean()

    est = BP(loss=loss_name).estimate(net, x, targets, None)
    assert est.loss == pytest.approx(batch_loss(net.weights), rel=1e-14)
    errors = _relative_errors(est.grads, _finite_differences(batch_loss, net.weights))
    assert max(errors) < 1e-6, errors


def test_rate_mode_bp_matches_central_differences_for_lif_with_refractoriness():
    neuron = NeuronParams(tau=5.0, dt=0.5, refractory=1.0)
    rng = np.random.default_rng(0)
    net = Network.init([4, 6, 3], rng, gain=3.0, mode="rate", neuron=neuron)
    net.weights[1][:, -1] += 2.0  # output units above threshold
    x = rng.uniform(1.0, 2.0, (5, 4))
    targets = np.eye(3)[[0, 1, 2, 0, 1]]
    # valid away from threshold and off the refractory cap of one spike per two steps
    for current in net.forward(x).currents:
        assert np.min(np.abs(current - neuron.v_th)) > 1e-2 and np.mean(current > 1.0) > 0.3
        assert np.max(current) < 10.0

    def batch_loss(weights):
        return loss("mse", Network(weights, neuron=neuron, mode="rate").forward(x).output, targets)

    est = BP().estimate(net, x, targets, None)
    fd = _finite_differences(lambda w: batch_loss(w).mean(), net.weights)
    assert max(_relative_errors(est.grads, fd)) < 1e-6


# -- spiking mode: surrogate-gradient BPTT ----------------------------------------------------


def _phi(u):
    """Integral of the fast-sigmoid surrogate: phi'(u) = 1 / (1 + k|u|)^2."""
    return u / (1.0 + SLOPE * np.abs(u))


def _straight_through_loss(weights, net, drive, targets, loss_name, frozen):
    """Batch-mean loss of a smooth surrogate network with the spiking network's forward values.

    Every unit emits ``s_t = H_t + phi(v_pre_t - v_th) - phi_t`` where the spike ``H_t`` and
    ``phi_t`` are frozen at the point of linearisation (recorded into ``frozen`` when it is
    empty), and resets by the frozen ``H_t`` (a detached reset). At that point ``s_t = H_t``:
    the model coincides with the spiking network, and its exact derivative is what surrogate
    BPTT with a detached reset computes.
    """
    p, steps = net.neuron, net.steps
    record = not frozen
    x = drive if drive.ndim == 3 else np.broadcast_to(drive, (steps, *drive.shape))
    for l, w in enumerate(weights):
        current = x @ w[:, :-1].T + w[:, -1]
        v = np.full(current.shape[1:], p.v_reset)
        out = np.empty(current.shape)
        if record:
            frozen.append((np.empty(current.shape), np.empty(current.shape)))
        spiking = not (l == len(weights) - 1 and net.readout == "membrane")
        for t in range(steps):
            if p.leak:
                v = current[t] + (v - current[t]) * p.decay
            else:
                v = v + p.dt / p.tau * current[t]
            if not spiking:
                out[t] = v
                continue
            if record:
                frozen[l][0][t] = v > p.v_th
                frozen[l][1][t] = _phi(v - p.v_th)
            spike, phi0 = frozen[l][0][t], frozen[l][1][t]
            out[t] = spike + _phi(v - p.v_th) - phi0
            if p.reset == "subtract":
                v = v - (p.v_th - p.v_reset) * spike
            else:
                v = v * (1.0 - spike) + p.v_reset * spike
        x = out
    output = x.sum(axis=0) if net.readout == "count" else x.mean(axis=0)
    return loss(loss_name, output, targets).mean(), output


@pytest.mark.parametrize(
    "neuron, encoder, readout, loss_name",
    [
        (IF_SUBTRACT, "current", "rate", "mse"),
        (LIF_VALUE, "bernoulli", "count", "cross_entropy"),
        (LIF_SUBTRACT_EULER, "current", "membrane", "mse"),
        (NeuronParams(tau=1.0, dt=1.0, leak=False, reset="value"), "poisson", "rate", "mse"),
    ],
)
def test_spiking_bptt_is_exact_gradient_of_straight_through_surrogate_network(
    neuron, encoder, readout, loss_name
):
    net, x, targets = _problem(
        (4, 6, 5, 3), 3, seed=1, neuron=neuron, encoder=encoder, readout=readout, steps=12
    )
    if neuron.leak:
        net.weights = [3.0 * w for w in net.weights]  # LIF needs I > v_th to fire
    drive = net.encode(x, np.random.default_rng(4))
    frozen = []
    ref_loss, ref_out = _straight_through_loss(net.weights, net, drive, targets, loss_name, frozen)
    result = net.forward(drive, record=True)
    np.testing.assert_allclose(ref_out, result.output, rtol=0, atol=1e-12)  # same network
    for spikes in result.spikes:  # spikes and resets are exercised in every spiking layer
        assert 0.05 < spikes.mean() < 0.95

    est = BP(loss=loss_name, surrogate_slope=SLOPE).estimate(net, drive, targets, None)
    assert est.loss == pytest.approx(ref_loss, rel=1e-12)

    def surrogate_loss(weights):
        return _straight_through_loss(weights, net, drive, targets, loss_name, frozen)[0]

    errors = _relative_errors(est.grads, _finite_differences(surrogate_loss, net.weights))
    assert max(errors) < 1e-6, errors


def _cosine(a, b):
    return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_spiking_bptt_points_along_rate_mode_gradient_for_long_presentations():
    net, x, targets = _problem((5, 8, 3), 16, seed=3, steps=400)
    rated = Network(net.weights, mode="rate", steps=400)

    def rate_loss(weights):
        return loss("mse", Network(weights, mode="rate").forward(x).output, targets).mean()

    reference = _finite_differences(rate_loss, rated.weights)
    grads = BP(surrogate_slope=SLOPE).estimate(net, net.encode(x), targets, None).grads
    cosines = [_cosine(g, r) for g, r in zip(grads, reference, strict=True)]
    assert min(cosines) > 0.95, cosines  # measured 0.995 (hidden) and 1.000 (output)


# -- FA and DFA -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["rate", "spiking"])
def test_fa_with_feedback_equal_to_forward_weights_is_bp(mode):
    net, x, targets = _problem((4, 7, 6, 3), 5, seed=4, mode=mode, steps=15)
    feedback = [None] + [w[:, :-1].copy() for w in net.weights[1:]]
    drive = net.encode(x, None)
    bp = BP().estimate(net, drive, targets, None).grads
    fa = FA(feedback=feedback).estimate(net, drive, targets, None).grads
    random_fa = FA(seed=1).estimate(net, drive, targets, None).grads
    for g_bp, g_fa in zip(bp, fa, strict=True):
        np.testing.assert_allclose(g_fa, g_bp, rtol=1e-12, atol=1e-15)
    assert not np.allclose(random_fa[0], bp[0])  # random feedback changes hidden updates
    np.testing.assert_array_equal(random_fa[-1], bp[-1])  # but not the output layer's


@pytest.mark.parametrize("mode", ["rate", "spiking"])
def test_dfa_with_output_weights_as_feedback_is_bp_for_one_hidden_layer(mode):
    net, x, targets = _problem((4, 7, 3), 5, seed=5, mode=mode, steps=15)
    drive = net.encode(x, None)
    bp = BP().estimate(net, drive, targets, None).grads
    dfa = DFA(feedback=[net.weights[1][:, :-1].copy(), None]).estimate(net, drive, targets, None)
    for g_bp, g_dfa in zip(bp, dfa.grads, strict=True):
        np.testing.assert_allclose(g_dfa, g_bp, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", ["rate", "spiking"])
def test_dfa_shapes_and_hidden_layers_fed_by_output_error_without_a_chain(mode):
    net, x, targets = _problem((4, 7, 6, 5, 3), 5, seed=1, mode=mode, steps=15)
    drive = net.encode(x, None)
    rule = DFA(seed=2)
    feedback = rule.feedback(net)
    assert [None if d is None else d.shape for d in feedback] == [(3, 7), (3, 6), (3, 5), None]
    est = rule.estimate(net, drive, targets, None)
    assert [g.shape for g in est.grads] == [w.shape for w in net.weights]
    bp = BP().estimate(net, drive, targets, None).grads
    np.testing.assert_array_equal(est.grads[-1], bp[-1])  # the output layer's own error
    assert all(np.abs(g).max() > 0 for g in est.grads)
    # cutting layer 1's feedback silences layer 1 only; in FA it silences everything below
    cut = DFA(feedback=[feedback[0], np.zeros((3, 6)), feedback[2], None])
    grads = cut.estimate(net, drive, targets, None).grads
    assert not grads[1].any()
    for l in (0, 2, 3):
        np.testing.assert_array_equal(grads[l], est.grads[l])
    fa_feedback = FA(seed=2).feedback(net)
    fa_cut = FA(feedback=[None, fa_feedback[1], np.zeros((5, 6)), fa_feedback[3]])
    fa_grads = fa_cut.estimate(net, drive, targets, None).grads
    assert not fa_grads[0].any() and not fa_grads[1].any() and fa_grads[2].any()


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_critical_path_depth_is_layer_count_for_bp_and_fa_and_one_for_dfa(depth):
    assert critical_path_depth(BP().dependencies(depth)) == depth
    assert critical_path_depth(FA().dependencies(depth)) == depth
    assert critical_path_depth(DFA().dependencies(depth)) == 1
    assert BP().dependencies(3) == FA().dependencies(3) == {0: (1,), 1: (2,), 2: ()}


@pytest.mark.parametrize("rule_class", [FA, DFA])
def test_feedback_is_deterministic_per_seed_and_network_shape(rule_class):
    small, x, targets = _problem((4, 7, 6, 3), 5, seed=7, mode="rate")
    other, _, _ = _problem((4, 9, 5, 3), 5, seed=7, mode="rate")
    rule = rule_class(seed=3)
    first = [None if b is None else b.copy() for b in rule.feedback(small)]
    rule.feedback(other)  # drawing for another shape must not disturb the first
    for a, b, c in zip(
        first, rule.feedback(small), rule_class(seed=3).feedback(small), strict=True
    ):
        assert (a is None and b is None and c is None) or (
            np.array_equal(a, b) and np.array_equal(a, c)
        )
    drawn = [b for b in first if b is not None]
    layer = next(l for l, b in enumerate(first) if b is not None)
    expected = stream(3, "feedback", layer).uniform(-1.0, 1.0, drawn[0].shape)
    assert np.allclose(drawn[0] / expected, drawn[0].flat[0] / expected.flat[0])  # same draw
    other_seed = [b for b in rule_class(seed=4).feedback(small) if b is not None]
    assert not np.allclose(drawn[0], other_seed[0])
    g1 = rule.estimate(small, x, targets, None).grads
    g2 = rule_class(seed=3).estimate(small, x, targets, None).grads
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_bp_sgd_lowers_loss_on_a_separable_problem():
    rng = np.random.default_rng(8)
    x = rng.uniform(0.0, 1.0, (64, 4))
    labels = (x[:, 0] + x[:, 1] > x[:, 2] + x[:, 3]).astype(int)
    targets = np.eye(2)[labels]
    net = Network.init([4, 10, 2], rng, mode="rate")
    rule = BP()
    first = rule.estimate(net, x, targets, None)
    for _ in range(150):
        est = rule.estimate(net, x, targets, None)
        net.weights = [w - 0.5 * g for w, g in zip(net.weights, est.grads, strict=True)]
    last = rule.estimate(net, x, targets, None)
    accuracy = np.mean(last.output.argmax(axis=1) == labels)
    # measured: loss 0.456 -> 0.008, accuracy 0.38 -> 1.0
    assert last.loss < 0.1 * first.loss and accuracy > 0.9, (first.loss, last.loss, accuracy)


def test_invalid_settings_and_shapes_raise_clear_errors():
    net, x, targets = _problem((4, 6, 3), 2, seed=9, mode="rate")
    with pytest.raises(ValueError, match="loss must be one of"):
        BP(loss="hinge")
    with pytest.raises(ValueError, match="surrogate_slope"):
        BP(surrogate_slope=0.0)
    with pytest.raises(ValueError, match="seed"):
        FA(seed=-1)
    with pytest.raises(ValueError, match="targets must have the output's shape"):
        BP().estimate(net, x, targets[:, :2], None)
    with pytest.raises(ValueError, match="feedback matrices must have shapes"):
        FA(feedback=[None, np.zeros((6, 3))]).estimate(net, x, targets, None)
