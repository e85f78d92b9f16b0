"""Shared fixtures of the simulator tests."""

import pytest


@pytest.fixture
def tiny_teacher_run() -> dict:
    """A 2-layer rate network trained by NP on 64 'teacher' samples (batches of 16): seconds."""
    return {
        "seed": 1,
        "data": {"name": "teacher", "n_train": 64, "n_val": 16, "n_test": 16},
        "network": {"mode": "rate", "depth": 2, "hidden": 8},
        "rule": {"name": "np", "sigma": 0.05},
        "optimizer": {"name": "adam", "lr": 0.01},
        "training": {"epochs": 2, "batch_size": 16},
    }
