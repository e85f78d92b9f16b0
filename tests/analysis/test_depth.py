"""analysis.depth.depth_summary (F5) on hand-made lr_sweep records."""

import pytest

from analysis.depth import depth_summary

BASE = {
    "data": {"name": "fashion_mnist", "n_train": 100, "n_val": 10, "n_test": 10},
    "network": {"hidden": 8, "steps": 2},
    "training": {"epochs": 2, "batch_size": 10},
    "rule": {"sigma": 0.1},
}
CFG = {"rules": ["np", "loco"], "depths": [2, 4], "lr_factors": [1], "ablation": {"depth": 2}}


def _sweep(test, lr=0.1):
    if test is None:
        return {"runs": [{"lr": lr, "diverged": True, "history": []}], "best": None}
    history = [{"test_acc": test / 2, "val_acc": test}, {"test_acc": test, "val_acc": test}]
    return {
        "runs": [{"lr": lr, "diverged": False, "history": history}],
        "best": {"lr": lr, "val_acc": test, "test_acc": test},
    }


def _layer(depth):
    moment = {"second_moment": {"z": 1.5, "theory": 2.0}, "cosine": {"mc": 0.3}}
    loco = {"second_moment": {"z": -0.5, "theory": 1.0}, "cosine": {"mc": 0.4}}
    return {"depth": depth, "draws": 5, "sigma": 0.1, "layers": [{"np": moment, "loco": loco}]}


@pytest.fixture
def summary():
    runs = {
        ("np", 2, 0): _sweep(0.5), ("np", 2, 1): _sweep(0.7),
        ("np", 4, 0): _sweep(0.15), ("np", 4, 1): _sweep(None),
        ("loco", 2, 0): _sweep(0.6), ("loco", 2, 1): _sweep(0.6),
        ("loco", 4, 0): _sweep(0.3), ("loco", 4, 1): _sweep(0.5),
    }  # fmt: skip
    ablation = {("no_clusters", 0): _sweep(0.4), ("no_clusters", 1): _sweep(0.6)}
    return depth_summary(
        runs, ablation, {2: _layer(2)}, cfg=CFG, base=BASE, margin=0.1,
        lr={"np": 1e-3, "loco": 1e-3}, seeds=[0, 1],
    )  # fmt: skip


def test_means_divergence_and_the_depth_where_learning_stops(summary):
    _, n, absent = summary
    assert n["F5.test_acc.np.L2"] == pytest.approx(0.6)
    assert n["F5.test_acc_se.np.L2"] == pytest.approx(0.1)
    assert n["F5.diverged.np.L4"] == 1 and n["F5.test_acc.np.L4"] == pytest.approx(0.15)
    assert n["F5.max_learning_depth.np"] == 2  # 0.15 at depth 4 is below 0.1 + 0.1
    assert n["F5.max_learning_depth.loco"] == 4
    assert n["F5.learning_threshold"] == pytest.approx(0.2)
    assert "F5.test_acc" in absent


def test_ablations_and_layer_moments(summary):
    s, n, _ = summary
    assert n["F5.ablation.test_acc.full"] == pytest.approx(0.6)
    assert n["F5.ablation.test_acc.no_clusters"] == pytest.approx(0.5)
    assert n["F5.ablation.test_acc.np"] == pytest.approx(0.6)
    assert n["F5.layers.max_abs_z"] == 1.5
    assert n["F5.layers.variance_ratio.L2"] == 0.5
    assert s["rules"]["loco"]["4"]["test_curve"] == pytest.approx([0.2, 0.4])
