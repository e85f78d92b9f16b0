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
                      "history": history}]}  # fmt: skip


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
