"""Experiment building blocks: lr sweeps, update cost/depth, update spectra (rank bounds)."""

import numpy as np

from sim.experiments import lr_sweep, max_stable_lr, update_cost, update_spectra

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
    assert max_stable_lr(sweep) == 0.1


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
