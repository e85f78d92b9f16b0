"""analysis.regime: F10's numbers from lr_sweep records (hand-made, every value known)."""

import pytest

from analysis.regime import regime_summary, run_at

CONFIG = {"data": {"n_train": 1000}, "training": {"epochs": 2, "batch_size": 300}}


def _run(lr, accs, norm=1.0):
    history = [
        {"epoch": e + 1, "test_acc": a, "val_acc": a, "update_norm": [norm, norm]}
        for e, a in enumerate(accs)
    ]
    return {"lr": lr, "diverged": False, "message": "", "history": history}


def _sweep(runs, best_lr):
    return {"config": CONFIG, "runs": runs, "best": {"lr": best_lr} if best_lr else None}


def _layers():
    moment = lambda mc, th: {"second_moment": {"mc": mc, "theory": th, "z": 1.0}}  # noqa: E731
    return {
        "layers": [
            {
                "energy_fraction": {"loco": 0.5, "loco_port": 0.25},
                "np": moment(4.0, 4.0),
                "loco": moment(2.0, 2.2),
                "loco_port": moment(1.0, 0.9),
            }
        ]
    }


@pytest.fixture
def summary():
    runs = {}
    for scaling in ("authors", "normalised"):
        for rule, acc in (("np", 0.5), ("loco", 0.6), ("loco_port", 0.55)):
            bonus = 0.1 if scaling == "normalised" else 0.0
            # seed 0: a sweep choosing 0.005; seed 1: the chosen rate and the fixed 0.015
            runs[("sorted", scaling, rule, 0)] = _sweep(
                [_run(0.005, [0.3, acc + bonus], norm=2.0 if rule == "loco" else 1.0),
                 _run(0.015, [0.2, acc - 0.1])], 0.005)  # fmt: skip
            runs[("sorted", scaling, rule, 1)] = _sweep(
                [_run(0.005, [0.3, acc + bonus + 0.02]), _run(0.015, [0.2, acc - 0.08])], None
            )
    ablation = {("sorted", "no_clusters", s): _sweep([_run(0.005, [0.1, 0.52])], None)
                for s in (0, 1)}  # fmt: skip
    return regime_summary(runs, ablation, _layers(), authors_lr=0.015)


def test_cells_are_read_at_the_first_seeds_rate_with_ci(summary):
    _, n = summary
    assert n["F10.lr.authors.sorted.loco"] == 0.005
    assert n["F10.test_acc_authors_scaling.sorted.loco"] == pytest.approx(0.61)
    assert n["F10.test_acc.sorted.loco"] == pytest.approx(0.71)
    # two seeds 0.60 and 0.62: SE 0.01, t(0.975, 1) = 12.706
    assert n["F10.test_acc_authors_scaling_ci95.sorted.loco"] == pytest.approx(0.12706, rel=1e-3)
    assert n["F10.test_acc_authors_lr.sorted.np"] == pytest.approx(0.41)
    assert n["F10.updates_per_epoch"] == 4 and n["F10.epochs"] == 2


def test_gains_ablation_step_and_layers(summary):
    s, n = summary
    assert n["F10.gain.authors.sorted"] == pytest.approx(0.1)
    assert n["F10.gain_port.normalised.sorted"] == pytest.approx(0.05)
    assert n["F10.gain_authors_lr.sorted"] == pytest.approx(0.1)
    assert n["F10.ablation.no_clusters.sorted"] == pytest.approx(0.52 - 0.61)
    assert n["F10.step_ratio.authors.sorted.loco"] == pytest.approx(1.5)  # (2 + 1) / 2 vs 1
    assert n["F10.energy.loco_port.L1"] == 0.25
    assert n["F10.variance_ratio.loco.L1"] == 0.5
    assert n["F10.variance_ratio_theory.loco_port.L1"] == pytest.approx(0.225)
    assert s["cells"]["sorted.authors.loco"]["curves"][0]["updates"] == [4, 8]
    assert s["cells"]["sorted.authors.loco"]["mean"]["test_acc"] == pytest.approx([0.3, 0.61])


def test_run_at_skips_diverged_and_missing_rates():
    sweep = {"runs": [{"lr": 0.1, "diverged": True, "history": []}, _run(0.2, [0.5])]}
    assert run_at(sweep, 0.1) is None and run_at(sweep, 0.3) is None
    assert run_at(sweep, 0.2)["lr"] == 0.2


def test_a_cell_with_fewer_seeds_is_read_at_its_own_seeds(summary):
    runs = {("sorted", "authors", "np", 0): _sweep([_run(0.005, [0.3, 0.5])], 0.005),
            ("sorted", "authors", "np", 1): _sweep([_run(0.005, [0.3, 0.7])], None),
            ("sorted", "authors", "loco", 0): _sweep([_run(0.005, [0.3, 0.6])], 0.005)}  # fmt: skip
    _, n = regime_summary(runs, {}, _layers(), authors_lr=0.015)
    assert n["F10.seeds.authors.sorted.loco"] == 1 and n["F10.seeds.authors.sorted.np"] == 2
    assert n["F10.test_acc_authors_scaling.sorted.np"] == pytest.approx(0.6)
    assert "F10.test_acc_authors_scaling_ci95.sorted.loco" not in n
