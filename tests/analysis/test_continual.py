"""analysis.continual: F7's numbers from hand-made continual records (every value known)."""

import pytest

from analysis.continual import continual_rules_summary

CFG = {"n_tasks": 2, "epochs_per_task": 1, "depth": 3, "protocols": ["class"], "rules": []}
TASKS = [[0, 1], [2, 3]]


def _record(acc_after_0, acc_after_1, initial=(0.1, 0.2), lr=0.01, diverged=False):
    history = [
        {"task": 0, "task_test_acc": list(acc_after_0)},
        {"task": 1, "task_test_acc": list(acc_after_1)},
    ]
    run = {"lr": lr, "diverged": diverged, "message": "", "history": [] if diverged else history,
           "initial_task_test_acc": list(initial)}  # fmt: skip
    return {"runs": [run], "best": None}


def _joint(final):
    history = [{"task": 0, "task_test_acc": list(final)}]
    return {"runs": [{"lr": 0.05, "diverged": False, "message": "", "history": history}]}


@pytest.fixture
def numbers():
    records = {
        ("class", "loco", 0): _record((0.8, 0.3), (0.6, 0.7)),
        ("class", "loco", 1): _record((0.9, 0.3), (0.8, 0.9)),
        ("class", "np", 0): _record((0.9, 0.1), (0.1, 0.9), diverged=True),
        ("class", "np", 1): _record((0.9, 0.1), (0.1, 0.9)),
        ("class", "joint", 0): _joint((0.8, 0.9)),
        ("class", "joint", 1): _joint((0.9, 0.9)),
    }
    return continual_rules_summary(records, CFG, TASKS)[1]


def test_metrics_are_means_over_seeds_with_ci(numbers):
    # seed 0: final (0.6, 0.7), learned (0.8, 0.7); seed 1: final (0.8, 0.9), learned (0.9, 0.9)
    assert numbers["F7.mean_final_acc.class.loco"] == pytest.approx((0.65 + 0.85) / 2)
    assert numbers["F7.plasticity.class.loco"] == pytest.approx((0.75 + 0.9) / 2)
    assert numbers["F7.forgetting.class.loco"] == pytest.approx(0.2 / 2 + 0.1 / 2)
    assert numbers["F7.bwt.class.loco"] == pytest.approx((-0.2 - 0.1) / 2)
    # FWT: accuracy on task 1 after task 0 minus before training: 0.3 - 0.2 in both seeds
    assert numbers["F7.fwt.class.loco"] == pytest.approx(0.1)
    # two seeds 0.75 and 0.95: SE 0.1, t(0.975, 1) = 12.706
    assert numbers["F7.mean_final_acc_ci95.class.loco"] == pytest.approx(1.2706, rel=1e-3)
    assert numbers["F7.chance.class"] == 0.1 and numbers["F7.lr.class.loco"] == 0.01


def test_a_diverged_seed_is_counted_and_joint_has_final_accuracy_only(numbers):
    assert numbers["F7.diverged.class.np"] == 1
    assert numbers["F7.mean_final_acc.class.np"] == pytest.approx(0.5)
    assert "F7.mean_final_acc_ci95.class.np" not in numbers
    assert numbers["F7.mean_final_acc.class.joint"] == pytest.approx((0.85 + 0.9) / 2)
    assert "F7.forgetting.class.joint" not in numbers
