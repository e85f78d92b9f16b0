"""Experiment building blocks (lr sweeps, update cost/depth, update spectra) and the run
statistics of analysis.runs on their records."""

import numpy as np
import pytest

from analysis.runs import continual_summary, largest_stable_lr
from sim.experiments import lr_sweep, run_config, update_cost, update_spectra
from sim.train import train

TINY = {
    "seed": 1,
    "data": {"name": "teacher", "n_train": 64, "n_val": 32, "n_test": 32},
    "network": {"depth": 2, "hidden": 8, "mode": "rate", "readout": "membrane"},
    "rule": {"name": "bp", "loss": "cross_entropy"},
    "training": {"epochs": 1, "batch_size": 16},
}


def test_lr_sweep_records_divergence_and_picks_the_best_on_validation():
    sweep = lr_sweep(TINY, [0.01, 0.1, 1e6])
    assert [r["diverged"] for r in sweep["runs"]] == [False, False, True]
    assert "lr=1e+06" in sweep["runs"][2]["message"]
    best_val = max(r["history"][-1]["val_acc"] for r in sweep["runs"][:2])
    assert sweep["best"]["val_acc"] == best_val
    assert largest_stable_lr(sweep) == 0.1


def test_update_cost_reports_one_stage_for_np_and_one_per_layer_for_bp():
    rows = update_cost(TINY | {"network": {"hidden": 8, "mode": "rate"}}, ["np", "bp"], [2, 5], 1)
    stages = {(r["rule"], r["depth"]): r["stages"] for r in rows}
    assert stages == {("np", 2): 1, ("bp", 2): 2, ("np", 5): 1, ("bp", 5): 5}
    assert all(r["seconds"] > 0 for r in rows)


def test_np_batch_update_rank_is_bounded_by_the_batch_size():
    cfg = TINY | {"network": {"depth": 2, "hidden": 40, "mode": "rate"}, "rule": {"name": "np"}}
    cfg = cfg | {"training": {"epochs": 1, "batch_size": 6}}
    spectra = update_spectra(cfg, batches=3)
    for s in spectra["single_update"]:
        assert np.sum(s > s[0] * 1e-10) <= 6  # rank <= min(B, N, d)
    for s in spectra["accumulated_update"]:
        assert np.sum(s > s[0] * 1e-10) <= 18


def test_largest_stable_lr_with_an_accuracy_floor_skips_rates_that_do_not_learn():
    hist = lambda acc: [{"val_acc": acc}]  # noqa: E731
    sweep = {
        "runs": [
            {"lr": 0.1, "diverged": False, "history": hist(0.6)},
            {"lr": 1.0, "diverged": False, "history": hist(0.15)},
            {"lr": 10.0, "diverged": True, "history": []},
        ]
    }
    assert largest_stable_lr(sweep) == 1.0
    assert largest_stable_lr(sweep, min_val_acc=0.2) == 0.1
    assert largest_stable_lr(sweep, min_val_acc=0.9) is None


def test_run_config_keeps_only_the_options_of_the_rule_family_and_trains():
    base = TINY | {"rule": {"loss": "cross_entropy", "sigma": 0.1, "k": 4}}
    assert run_config(base, "bp")["rule"] == {"name": "bp", "loss": "cross_entropy"}
    cfg = run_config(base, "loco", depth=3, lr=0.02, seed=7)
    assert cfg["rule"]["k"] == 4 and cfg["network"]["depth"] == 3
    assert cfg["optimizer"]["lr"] == 0.02 and cfg["seed"] == 7
    assert base["rule"] == {"loss": "cross_entropy", "sigma": 0.1, "k": 4}  # not mutated
    for rule in ("bp", "fa", "dfa", "np", "loco"):
        assert len(train(run_config(base, rule))["history"]) == 1


def test_loco_update_rank_is_bounded_by_batch_and_projector_and_weights_are_used():
    cfg = TINY | {
        "network": {"depth": 2, "hidden": 40, "mode": "rate"},
        "rule": {"name": "np", "k": 3},
        "training": {"epochs": 1, "batch_size": 8},
    }
    spectra = update_spectra(cfg, batches=4, rule="loco")
    assert spectra["rank_bound_single"] == [8, 4] and spectra["rank_bound_accumulated"] == [21, 4]
    for s, r in zip(spectra["single_update"], spectra["projection_rank"], strict=True):
        assert np.sum(s > s[0] * 1e-10) <= min(8, r)  # rank <= min(B, projector rank)
    assert [len(c) for c in spectra["activity_covariance"]] == [20, 32]  # min(samples, d)
    init = update_spectra(cfg, batches=4)
    weights = [np.zeros((40, 21)), np.full((4, 41), 0.1)]
    moved = update_spectra(cfg, batches=4, weights=weights)
    assert not np.allclose(moved["activity"][1], init["activity"][1])
    with pytest.raises(ValueError, match="shapes"):
        update_spectra(cfg, batches=4, weights=weights[:1])
    with pytest.raises(ValueError, match="n_train"):
        update_spectra(cfg, batches=9)


def test_continual_summary_of_a_two_task_run():
    cfg = run_config(TINY | {"data": TINY["data"] | {"tasks": [[0, 1], [2, 3]]}}, "bp", lr=0.1)
    cfg["training"] = {"epochs": 2, "batch_size": 16}
    history = train(cfg)["history"]
    s = continual_summary(history)
    assert np.shape(s["acc"]) == (2, 2) and len(s["forgetting"]) == 1
    assert s["acc"][1] == history[-1]["task_test_acc"]
    best0 = max(r["task_test_acc"][0] for r in history)
    assert s["forgetting"][0] == pytest.approx(best0 - s["acc"][1][0])
    with pytest.raises(ValueError, match="continual"):
        continual_summary([{"task": 0, "val_acc": 0.5}])


def test_budget_run_trains_whole_epochs_and_evaluates_at_log_spaced_budgets(tiny_teacher_run):
    from sim.experiments import budget_run

    cfg = tiny_teacher_run | {"seed": 2}
    out = budget_run(cfg, 0.01, updates=30, per_decade=4)
    assert [e["updates"] for e in out["evaluations"]] == [10, 17, 30]
    assert len(out["history"]) == 8 and not out["diverged"]  # 4 updates per epoch, 8 epochs
    bad = budget_run(cfg, 1e6, updates=30, per_decade=4)
    assert bad["diverged"] and bad["evaluations"] == [] and "diverged" in bad["message"]
