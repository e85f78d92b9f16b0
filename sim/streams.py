"""The registry of random streams: one named id per purpose, never shared.

Every random draw of the simulator comes from ``np.random.default_rng([seed, id, *keys])``
with ``id = STREAMS[purpose]`` (CRAFT: derive streams from one root seed, never ``seed + i``).
Two purposes never share an id, so changing how much one purpose draws (a larger validation
split, another batch size) leaves every other purpose's numbers unchanged.

Examples
--------
>>> a = stream(0, "weight_init").random()
>>> a == stream(0, "weight_init").random(), a == stream(0, "batch_order").random()
(True, False)
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

__all__ = ["STREAMS", "stream"]

STREAMS = MappingProxyType(
    {
        "data_split": 0,  # train/validation rows drawn from the training file
        "test_subset": 1,  # rows drawn from the test file
        "batch": 2,  # per batch (keys: epoch, batch): input encoding and perturbation noise
        "evaluation": 3,  # per epoch (key: epoch): input encoding of the evaluation passes
        "evaluation_at": 7,  # evaluations at an update count (training.eval_updates; 0: before)
        "weight_init": 4,  # initial weights of the network
        "batch_order": 5,  # the shuffle of the training set, once per epoch
        "feedback": 6,  # fixed random feedback matrices of FA and DFA (key: layer)
        "teacher_data": 10,  # the synthetic teacher task of data.name = "teacher"
        "update_cost_inputs": 20,  # random inputs of the update-cost measurement (F8)
        "update_spectra": 21,  # batch encoding and noise of the update spectra (F1)
        "layer_estimates": 31,  # draws of the per-layer estimator moments (F5)
        "resolution": 32,  # spiking-resolution measurement (keys: steps, spiking; 0, 0: its units)
        "sgd_rates": 33,  # draws of the one-step SGD rate prediction (F6, analysis.stability)
        "task_permutation": 11,  # the pixel permutation of each permuted task (key: task)
        "end_task": 12,  # input encoding of a rule's end-of-task pass (EWC's Fisher; key: task)
        "kmeans_reseed": 40,  # re-seeding of k-means centres that coincide (LOCO, loco_port)
    }
)


def stream(seed: int, purpose: str, *keys: int) -> np.random.Generator:
    """The generator of ``purpose`` under root ``seed`` (``keys`` index within the purpose)."""
    if purpose not in STREAMS:
        raise ValueError(f"unknown random stream {purpose!r}; registered: {sorted(STREAMS)}")
    return np.random.default_rng([int(seed), STREAMS[purpose], *map(int, keys)])
