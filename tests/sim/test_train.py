"""Training driver: validation before work, divergence stop, determinism, resume, CLI."""

import json

import numpy as np
import pytest

from sim import train as train_module
from sim.cli import main as cli_main
from sim.rules import RULES, rule_options
from sim.train import Diverged, train

TINY = {
    "seed": 3,
    "data": {"name": "teacher", "n_train": 96, "n_val": 32, "n_test": 32},
    "network": {"depth": 2, "hidden": 16, "mode": "rate"},
    "rule": {"name": "np", "sigma": 0.01},
    "optimizer": {"lr": 0.05},
    "training": {"epochs": 2, "batch_size": 32},
}


def _with(**changes):
    cfg = json.loads(json.dumps(TINY))
    for key, value in changes.items():
        section, _, leaf = key.partition("__")
        cfg[section][leaf] = value
    return cfg


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(rule__name="sgd"), "rule"),
        (dict(rule__sigma=0.0), "sigma"),
        (dict(optimizer__lr=0.0), "lr"),
        (dict(optimizer__lr=-1.0), "lr"),
        (dict(network__depth=0), "network.depth"),
        (dict(network__width=5), "network.width"),
        (dict(network__mode="analog"), "mode"),
        (dict(training__epochs=0), "training.epochs"),
        (dict(data__name="cifar"), "data.name"),
    ],
)
def test_bad_config_is_rejected_before_any_work_and_writes_nothing(tmp_path, changes, match):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=match):
        train(_with(**changes), out)
    assert not out.exists()


def test_missing_data_directory_names_the_package_to_install(tmp_path):
    cfg = _with(data__name="mnist_dir", data__path=str(tmp_path / "nowhere"))
    with pytest.raises((FileNotFoundError, ValueError), match="dataset-fashion-mnist"):
        train(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_diverging_run_stops_with_step_and_learning_rate_and_writes_no_results(tmp_path):
    cfg = _with(optimizer__lr=1e4, rule__name="bp")
    cfg["rule"].pop("sigma")
    cfg["network"]["readout"] = "membrane"
    with pytest.raises(Diverged, match=r"lr=10000.*loss|lr=10000.*non-finite"):
        train(cfg, tmp_path / "run")
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_same_config_gives_bit_identical_metrics(tmp_path):
    train(TINY, tmp_path / "a")
    train(TINY, tmp_path / "b")
    assert (tmp_path / "a" / "metrics.json").read_bytes() == (
        tmp_path / "b" / "metrics.json"
    ).read_bytes()
    assert (tmp_path / "a" / "weights.npz").exists() and not (
        tmp_path / "a" / "checkpoint.pkl"
    ).exists()


def test_interrupted_run_resumes_from_its_checkpoint_to_the_same_result(tmp_path, monkeypatch):
    train(TINY, tmp_path / "whole")
    real = train_module.evaluate
    calls = {"n": 0}

    def crash_in_second_epoch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:  # epoch 1 evaluates val + test, then epoch 2 crashes
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "evaluate", crash_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(TINY, tmp_path / "cut")
    assert (tmp_path / "cut" / "checkpoint.pkl").exists()
    assert not (tmp_path / "cut" / "metrics.json").exists()
    monkeypatch.setattr(train_module, "evaluate", real)
    train(TINY, tmp_path / "cut")
    assert (tmp_path / "cut" / "metrics.json").read_bytes() == (
        tmp_path / "whole" / "metrics.json"
    ).read_bytes()


def test_training_lowers_the_loss_and_records_update_norms_and_depth():
    cfg = _with(rule__name="loco", training__epochs=4)
    cfg["rule"]["k"] = 8
    metrics = train(cfg)
    history = metrics["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert len(history[0]["update_norm"]) == 2
    assert metrics["update_depth"] == 1


def test_continual_tasks_record_accuracy_on_every_task(tmp_path):
    cfg = _with(rule__name="loco")
    cfg["data"]["tasks"] = [[0, 1], [2, 3]]
    cfg["training"]["epochs"] = 1
    metrics = train(cfg)
    assert [h["task"] for h in metrics["history"]] == [0, 1]
    assert all(len(h["task_test_acc"]) == 2 for h in metrics["history"])


def test_continual_train_accuracy_uses_the_task_protocol_like_val_and_test():
    """With two classes per task the restricted argmax cannot fall far below chance 0.5."""
    cfg = _with(rule__name="bp", optimizer__lr=0.2)
    cfg["rule"].pop("sigma")
    cfg["data"]["tasks"] = [[0, 1], [2, 3]]
    cfg["training"]["epochs"] = 2
    for record in train(cfg)["history"]:
        assert record["train_acc"] >= 0.4, record
        assert abs(record["train_acc"] - record["val_acc"]) < 0.3, record


def test_cli_exit_codes_and_overrides(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps(TINY))
    assert cli_main([str(config), str(tmp_path / "ok"), "--set", "training.epochs=1"]) == 0
    assert len(json.loads((tmp_path / "ok" / "metrics.json").read_text())["history"]) == 1
    assert cli_main([str(config), str(tmp_path / "bad"), "--set", "optimizer.lr=-1"]) == 2
    assert "lr" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("name", RULES)
def test_every_rule_trains_from_a_config(name):
    options = {k: v for k, v in {"sigma": 0.01}.items() if k in rule_options(name)}
    cfg = _with(rule__name=name)
    cfg["rule"] = {"name": name, **options}
    history = train(cfg)["history"]
    assert len(history) == 2 and np.isfinite(history[-1]["train_loss"])


def test_mean_squared_loss_gradient_matches_finite_differences():
    from sim.losses import loss, loss_gradient

    rng = np.random.default_rng(4)
    y, t = rng.normal(size=(3, 5)), np.eye(5)[[0, 2, 4]]
    h, numeric = 1e-6, np.zeros_like(y)
    for index in np.ndindex(y.shape):
        up, down = y.copy(), y.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (loss("mean_squared", up, t) - loss("mean_squared", down, t))[index[0]]
    numeric /= 2 * h
    np.testing.assert_allclose(loss_gradient("mean_squared", y, t), numeric, atol=1e-8)


@pytest.mark.parametrize("name", ["mse", "mean_squared", "cross_entropy"])
def test_output_curvature_is_the_losss_second_difference(name):
    """``v^T H v`` of every loss against the central second difference of the loss along v."""
    from sim.losses import loss, output_curvature

    rng = np.random.default_rng(5)
    y, v, t = rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), np.eye(6)[[0, 1, 3, 5]]
    h = 1e-4
    numeric = (loss(name, y + h * v, t) - 2 * loss(name, y, t) + loss(name, y - h * v, t)) / h**2
    np.testing.assert_allclose(output_curvature(name, y, v), numeric, rtol=1e-5)


def test_sorted_stream_trains_class_by_class_in_the_same_order_every_epoch(monkeypatch):
    seen = []
    real = train_module.batches

    def record(x, y, batch_size, rng, **kw):
        seen.append((rng, np.asarray(y).copy()))
        return real(x, y, batch_size, rng, **kw)

    monkeypatch.setattr(train_module, "batches", record)
    cfg = _with(data__order="sorted")
    train(cfg)
    training = [labels for rng, labels in seen if len(labels) == 96]
    assert len(training) == 2 and all(rng is None for rng, labels in seen)
    for labels in training:
        assert np.all(np.diff(labels) >= 0)  # class-sorted
    np.testing.assert_array_equal(training[0], training[1])


def test_adam_step_is_projected_again_unless_project_step_is_false():
    from sim.network import Network
    from sim.optim import Optimizer
    from sim.rules.loco import LOCO

    rng = np.random.default_rng(2)
    for project, in_range in ((True, True), (False, False)):
        net = Network.init([6, 8, 3], np.random.default_rng(0), mode="rate")
        rule = LOCO(sigma=0.01, k=2, clusters=False, refresh=1)
        opt = Optimizer("adam", lr=1e-3, project_step=project)
        for _ in range(3):
            x = rng.uniform(0, 1, (16, 6))
            est = rule.estimate(net, x, np.eye(3)[rng.integers(0, 3, 16)], rng)
            steps = rule.update(net, est.grads, opt)
        P = rule.projectors[0].matrix()
        residual = np.linalg.norm(steps[0] - steps[0] @ P) / np.linalg.norm(steps[0])
        assert (residual < 1e-10) == in_range, residual


def test_budget_evaluations_happen_at_the_requested_update_counts(tiny_teacher_run):
    """training.eval_updates adds mid-epoch evaluations and leaves the training unchanged."""
    base = tiny_teacher_run
    plain = train(base)
    with_evals = train({**base, "training": {**base["training"], "eval_updates": [1, 3, 8, 99]}})
    assert [e["updates"] for e in with_evals["evaluations"]] == [1, 3, 8]  # 99 never reached
    assert with_evals["evaluations"][-1]["epoch"] == 2
    assert with_evals["history"] == plain["history"] and "evaluations" not in plain
    with pytest.raises(ValueError, match="eval_updates"):
        train({**base, "training": {**base["training"], "eval_updates": [3, 2]}})
