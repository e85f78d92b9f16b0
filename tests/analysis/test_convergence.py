"""analysis.convergence.rate_grid_summary (F6) on hand-made one-rate records."""

import pytest

from analysis.convergence import rate_grid_summary

BASE = {"data": {"name": "fashion_mnist", "n_train": 100}, "training": {"batch_size": 30}}
CFG = {"rules": ["np", "loco"], "lr_grid": [0.01, 0.1, 1.0], "epochs": 2, "depth": 3}


def _record(lr, val, diverged=False):
    history = [] if diverged else [
        {"val_acc": val / 2, "test_acc": val / 2, "train_loss": 2.0},
        {"val_acc": val, "test_acc": val - 0.05, "train_loss": 1.0},
    ]  # fmt: skip
    return {"runs": [{"lr": lr, "diverged": diverged, "message": "x" if diverged else "",
                      "history": history, "first_loss": 2.5}]}  # fmt: skip


def test_best_rate_stable_edge_and_divergence():
    grid = {
        ("np", 0): [_record(0.01, 0.5), _record(0.1, 0.6), _record(1.0, 0.1, diverged=True)],
        ("np", 1): [_record(0.01, 0.5), _record(0.1, 0.4), _record(1.0, 0.3)],
        ("loco", 0): [_record(0.01, 0.3), _record(0.1, 0.6), _record(1.0, 0.15)],
        ("loco", 1): [_record(0.01, 0.3), _record(0.1, 0.6), _record(1.0, 0.15)],
    }
    runs = {
        (rule, f"{r['runs'][0]['lr']:g}", seed): r for (rule, seed), rs in grid.items() for r in rs
    }
    s, n, _ = rate_grid_summary(runs, cfg=CFG, base=BASE, margin=0.1, seeds=[0, 1])
    assert n["F6.best_lr.np"] == 0.01 and n["F6.best_val_acc.np"] == pytest.approx(0.5)
    assert n["F6.max_stable_lr.np"] == 0.1  # 1.0 diverged in one seed
    assert n["F6.max_stable_lr.loco"] == 0.1  # 1.0 ends at 0.15 <= 0.2
    assert n["F6.n_diverged_lrs.np"] == 1 and n["F6.val_acc_at_max_lr.np"] is None
    assert n["F6.updates_per_epoch"] == 4 and n["F6.max_stable_lr_ratio"] == 1.0
    assert s["rules"]["loco"]["grid"][1]["test_acc"] == pytest.approx([0.3, 0.55])


def _prediction(edges: dict, ratio_se: float = 0.05) -> dict:
    rules = {
        r: {
            "max_stable": e,
            "max_stable_se": e / 20,
            "best": e / 2,
            "best_se": e / 40,
            "step_root": {"max_stable": 2 * e, "max_stable_se": e / 10},
        }
        for r, e in edges.items()
    }
    ratios = {
        r: {"max_stable": e / edges["np"], "max_stable_se": ratio_se, "descent": 0.9,
            "curvature": 0.9 * edges["np"] / e, "step_root": e / edges["np"]}
        for r, e in edges.items() if r != "np"
    }  # fmt: skip
    return {"rules": rules, "ratios": ratios}


def test_sgd_edges_are_brackets_compared_with_the_prediction():
    from analysis.convergence import sgd_grid_summary

    diverging = {"np": 0.3, "loco": 1.0}  # the smallest rate that diverges, per rule
    runs = {
        (rule, 3, f"{lr:g}", seed): _record(lr, 0.5 + lr / 10, diverged=lr >= diverging[rule])
        for rule in ("np", "loco")
        for lr in (0.01, 0.1, 0.3, 1.0)
        for seed in (0, 1)
    }
    runs[("np", 3, "0.1", 1)] = _record(0.1, 0.5)  # a second seed
    grew = _record(1.0, 0.3)  # finished, its loss above the first batch's: unstable too
    grew["runs"][0]["history"][-1]["train_loss"] = 2.6
    runs[("loco", 3, "1", 0)] = grew
    cfg = {"epochs": 2, "lr_grid": [0.01, 0.1, 0.3, 1.0]}
    s, n, absent = sgd_grid_summary(runs, {3: _prediction({"np": 0.2, "loco": 2.0})}, cfg=cfg)
    assert n["F6.sgd.max_stable_lr.np.L3"] == 0.1 and n["F6.sgd.first_diverged_lr.np.L3"] == 0.3
    assert n["F6.sgd.max_stable_lr.loco.L3"] == 0.3 and n["F6.sgd.first_diverged_lr.loco.L3"] == 1.0
    assert n["F6.sgd.edge_agrees.np.L3"] and not n["F6.sgd.edge_agrees.loco.L3"]  # 2 +- 0.2 > 1
    assert n["F6.sgd.edge_ratio_lo.np.L3"] == pytest.approx(0.5)
    assert not n["F6.sgd.step_root_agrees.np.L3"]  # 0.4 +- 0.04 above the bracket [0.1, 0.3]
    # LOCO / NP: measured between 0.3 / 0.3 and 1.0 / 0.1, predicted 10 +- 0.1
    assert n["F6.sgd.edge_ratio_measured_lo.loco_np.L3"] == pytest.approx(1.0)
    assert n["F6.sgd.edge_ratio_measured_hi.loco_np.L3"] == pytest.approx(10.0)
    assert n["F6.sgd.edge_ratio_agrees.loco_np.L3"]
    _, n, _ = sgd_grid_summary(runs, {3: _prediction({"np": 0.2, "loco": 3.0})}, cfg=cfg)
    assert not n["F6.sgd.edge_ratio_agrees.loco_np.L3"]  # 15 +- 0.1 > 10
    regimes = {"authors": _prediction({"np": 0.1, "loco": 0.4})}
    preds = {3: _prediction({"np": 0.2, "loco": 2})}
    s, n, _ = sgd_grid_summary(runs, preds, cfg=cfg, regimes=regimes)
    assert n["F6.sgd.regime_edge_ratio_predicted.loco_np.authors"] == pytest.approx(4.0)
    np_only = {k: v for k, v in runs.items() if k[0] == "np"}  # LOCO predicted only (skip)
    _, n, _ = sgd_grid_summary(np_only, preds, cfg=cfg)
    assert "F6.sgd.edge_ratio_predicted.loco_np.L3" not in n
    assert s["cells"]["np.L3"]["grid"][1]["seeds"] == 2
    assert s["cells"]["loco.L3"]["grid"][3]["n_loss_grew"] == 1
    assert n["F6.sgd.best_lr.np.L3"] == 0.1  # 0.51 beats 0.501; 0.1's mean is (0.51 + 0.5) / 2
    assert set(absent) >= {"F6.sgd.max_stable_lr", "F6.sgd.first_diverged_lr"}
