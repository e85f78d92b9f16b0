"""analysis.budget.budget_summary (F11) on hand-made records."""

import numpy as np
import pytest

from analysis.budget import budget_summary

CFG = {"plateau_threshold": 0.01, "target_fraction": 0.9}
U = [10, 30, 100, 300, 1000, 3000, 10000]


def _run(acc, diverged=False):
    evals = [] if diverged else [{"updates": u, "test_acc": a} for u, a in zip(U, acc, strict=True)]
    return {"diverged": diverged, "evaluations": evals}


def _tune(lr):
    return {"best": {"lr": lr}, "runs": [{"lr": lr}]}


def test_plateau_targets_and_predicted_budgets():
    flat = [0.5, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8]
    rising = list(np.linspace(0.2, 0.7, len(U)))
    runs = {
        ("bp", 3, 0): _run(flat), ("bp", 3, 1): _run(flat),
        ("np", 3, 0): _run(rising), ("np", 3, 1): _run(rising, diverged=True),
    }  # fmt: skip
    tune = {("bp", 3): _tune(1e-3), ("np", 3): _tune(3e-4)}
    layers = {3: {"layers": [{"units": 4, "np": {"cosine": {"approx": 0.5}}},
                             {"units": 6, "np": {"cosine": {"approx": 0.25}}}]}}  # fmt: skip
    summary, n, absent = budget_summary(tune, runs, layers, CFG)
    assert n["F11.plateau.bp.L3"] is True and n["F11.plateau.np.L3"] is False
    assert n["F11.diverged.np.L3"] == 1 and n["F11.test_acc.np.L3"] == pytest.approx(0.7)
    assert n["F11.target.L3"] == pytest.approx(0.72)
    assert n["F11.updates_to_target.bp.L3"] == 100
    assert n["F11.updates_to_target.np.L3"] is None and "F11.updates_to_target" in absent
    assert n["F11.n_total_plus_2.L3"] == 12 and n["F11.inverse_cos2.L3"] == 10.0
    assert n["F11.predicted_updates.n_total_plus_2.L3"] == 1200
    assert n["F11.lr_at_grid_edge.bp.L3"] is True  # its sweep tried one rate only
    assert summary["predicted"]["3"]["updates"]["inverse_cos2"] == 1000.0
