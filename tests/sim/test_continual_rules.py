"""OWM and EWC (sim.rules.continual) and the continual protocols of sim.train."""

import json

import numpy as np
import pytest

from sim.data import Dataset
from sim.network import Network
from sim.projectors import owm_projector
from sim.rules import make_rule
from sim.rules.continual import EWC, OWM
from sim.rules.gradient import BP
from sim.train import train
from tests.sim.test_perturbation_rules import _batch, _rate_net
from tests.sim.test_train import TINY


def _spiking_net(seed=1):
    return Network.init([5, 6, 3], np.random.default_rng([seed, 7]), steps=6, gain=2.0)


def test_owm_projector_is_the_closed_form_of_the_batch_means_it_saw():
    net = _rate_net((5, 6, 3), seed=3)
    rule, bp = OWM(alpha=0.5), BP()
    means = [[], []]
    rng = np.random.default_rng(0)
    for i in range(4):
        x, targets = _batch(net, batch=8, seed=10 + i)
        before = [p.copy() for p in rule.projectors] or [np.eye(6), np.eye(7)]
        got = rule.estimate(net, x, targets, rng).grads
        want = bp.estimate(net, x, targets, rng).grads
        for g, w, p in zip(got, want, before, strict=True):
            np.testing.assert_allclose(g, w @ p, rtol=1e-12, atol=1e-15)
        inputs = [x, np.clip(x @ net.weights[0][:, :-1].T + net.weights[0][:, -1], 0, 1)]
        for l, a in enumerate(inputs):
            means[l].append(np.append(a.mean(axis=0), 1.0))
    for l, p in enumerate(rule.projectors):
        # (I + (1/alpha) sum r r^T)^{-1} = OWM's closed form I - A (A^T A + alpha I)^{-1} A^T
        closed = owm_projector(np.array(means[l]).T, alpha=0.5)
        np.testing.assert_allclose(p, closed, rtol=1e-10, atol=1e-12)
        r = means[l][0]
        assert np.linalg.norm(p @ r) < 0.5 * np.linalg.norm(r)  # seen directions are damped


@pytest.mark.parametrize("mode", ["rate", "spiking"])
def test_per_sample_gradients_are_the_gradients_of_each_sample_alone(mode):
    net = _rate_net((5, 6, 3), seed=4) if mode == "rate" else _spiking_net()
    x, targets = _batch(net, batch=5, seed=4)
    drive = net.encode(x)
    per_sample = BP(loss="cross_entropy").per_sample_gradients(net, drive, targets)
    for b in range(5):
        alone = BP(loss="cross_entropy").estimate(net, drive[b : b + 1], targets[b : b + 1], None)
        for l, g in enumerate(alone.grads):
            np.testing.assert_allclose(per_sample[l][b], g, rtol=1e-10, atol=1e-13)


def test_ewc_fisher_is_the_mean_squared_per_sample_gradient():
    net = _rate_net((5, 6, 3), seed=5)
    x, targets = _batch(net, batch=7, seed=5)
    fisher = EWC().fisher(net, x, targets, None)
    bp = BP()
    alone = [bp.estimate(net, x[b : b + 1], targets[b : b + 1], None).grads for b in range(7)]
    for l, f in enumerate(fisher):
        want = np.mean([g[l] ** 2 for g in alone], axis=0)
        np.testing.assert_allclose(f, want, rtol=1e-10, atol=1e-15)


def test_ewc_penalty_gradient_matches_finite_differences():
    rng = np.random.default_rng(6)
    weights = [rng.normal(size=(3, 4)), rng.normal(size=(2, 4))]
    rule = EWC(strength=3.0)
    for _ in range(2):  # two finished tasks
        rule.anchors.append(
            (
                [rng.uniform(0, 2, w.shape) for w in weights],
                [rng.normal(size=w.shape) for w in weights],
            )
        )
    grad = rule.penalty_gradient(weights)
    h = 1e-6
    for l, w in enumerate(weights):
        for idx in np.ndindex(w.shape):
            plus = [v.copy() for v in weights]
            minus = [v.copy() for v in weights]
            plus[l][idx] += h
            minus[l][idx] -= h
            fd = (rule.penalty(plus) - rule.penalty(minus)) / (2 * h)
            assert fd == pytest.approx(grad[l][idx], rel=1e-7, abs=1e-9)


def test_ewc_adds_its_penalty_to_the_gradient_after_a_task():
    net = _rate_net((5, 6, 3), seed=7)
    x, targets = _batch(net, batch=8, seed=7)
    data = Dataset(train_x=x, train_y=targets.argmax(axis=1), val_x=x[:0],
                   val_y=np.zeros(0, int), test_x=x, test_y=targets.argmax(axis=1),
                   n_classes=3, name="toy")  # fmt: skip
    rule = EWC(strength=2.0, fisher_samples=8, normalise=False)
    assert np.allclose(rule.estimate(net, x, targets, None).grads[0],
                       BP().estimate(net, x, targets, None).grads[0])  # fmt: skip
    rule.end_task(net, data, np.random.default_rng(0))
    net.weights[0] += 0.1
    got = rule.estimate(net, x, targets, None).grads
    want = BP().estimate(net, x, targets, None).grads
    fisher = rule.anchors[0][0]
    np.testing.assert_allclose(got[0] - want[0], 2.0 * fisher[0] * 0.1, rtol=1e-10, atol=1e-15)
    normalised = EWC(fisher_samples=8)
    normalised.end_task(net, data, np.random.default_rng(0))
    assert max(f.max() for f in normalised.anchors[0][0]) == 1.0


def test_rules_are_made_by_name_and_validated():
    assert make_rule("owm", alpha=0.1).alpha == 0.1
    assert make_rule("ewc", strength=5.0).strength == 5.0
    with pytest.raises(ValueError, match="alpha"):
        make_rule("owm", alpha=0.0)
    with pytest.raises(ValueError, match="strength"):
        make_rule("ewc", strength=-1.0)
    with pytest.raises(ValueError, match="fisher_samples"):
        make_rule("ewc", fisher_samples=0)


def _continual(**data):
    cfg = json.loads(json.dumps(TINY))
    cfg["data"] |= data
    cfg["training"]["epochs"] = 1
    return cfg


@pytest.mark.parametrize("name", ["owm", "ewc", "loco"])
def test_each_protocol_trains_every_rule_and_records_every_task(name):
    for data in ({"tasks": [[0, 1], [2, 3]], "protocol": "task"},
                 {"tasks": [[0, 1], [2, 3]], "protocol": "class"},
                 {"tasks": 2, "protocol": "permuted"},
                 {"tasks": [[0, 1], [2, 3]], "protocol": "class", "joint": True}):  # fmt: skip
        cfg = _continual(**data)
        cfg["rule"] = {"name": name} | ({"sigma": 0.01} if name == "loco" else {})
        metrics = train(cfg)
        history = metrics["history"]
        assert len(metrics["initial_task_test_acc"]) == 2
        assert all(len(r["task_test_acc"]) == 2 for r in history)
        # joint trains both tasks at once: one epoch of their union, as many presentations
        assert [r["task"] for r in history] == ([0] if data.get("joint") else [0, 1])


def test_class_incremental_evaluates_over_all_classes_and_task_incremental_within_the_task():
    task = train(_continual(tasks=[[0, 1], [2, 3]], protocol="task"))
    klass = train(_continual(tasks=[[0, 1], [2, 3]], protocol="class"))
    # same training (same seeds, same data); only the evaluation's argmax differs
    assert [r["train_loss"] for r in task["history"]] == [r["train_loss"] for r in klass["history"]]
    final_task, final_class = (
        task["history"][-1]["task_test_acc"],
        klass["history"][-1]["task_test_acc"],
    )
    assert all(c <= t for c, t in zip(final_class, final_task, strict=True))


def test_permuted_tasks_differ_by_a_fixed_permutation_and_keep_their_labels():
    from sim.config import resolve
    from sim.data import continual_tasks
    from sim.train import load_data

    cfg = resolve(_continual(tasks=3, protocol="permuted"))
    data = load_data(cfg)
    sets, classes = continual_tasks(data, 3, "permuted", cfg["seed"])
    perms = [s.meta["permutation"] for s in sets]
    assert not np.array_equal(perms[0], perms[1]) and classes == [None] * 3
    for s, p in zip(sets, perms, strict=True):
        np.testing.assert_array_equal(s.test_x, data.test_x[:, p])
        np.testing.assert_array_equal(s.train_y, data.train_y)
    again, _ = continual_tasks(data, 3, "permuted", cfg["seed"])
    assert all(np.array_equal(a.meta["permutation"], p) for a, p in zip(again, perms, strict=True))
