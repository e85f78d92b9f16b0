"""The learning-rule interface and the critical path of a rule's update phase.

A rule maps (network, encoded batch, targets, rng) to one gradient-like estimate per layer,
``G_l`` with the shape of ``W_l``; the optimiser applies ``W_l <- W_l - step(G_l)`` through the
rule's `update` (DNP steps its own weights ``V_l`` and rewrites ``W_l``). Each rule
declares which other layers' results every layer's update waits for (`dependencies`), so the
critical-path depth of the update phase (after the forward passes) can be counted:
NP, LOCO, WP and DFA need only globally broadcast signals (one stage); BP and FA pass errors
backwards layer by layer (one stage per layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from ..network import Network

if TYPE_CHECKING:
    from ..data import Dataset
    from ..optim import Optimizer

__all__ = ["Estimate", "LearningRule", "critical_path_depth"]


@dataclass
class Estimate:
    """One rule evaluation on a batch.

    Attributes
    ----------
    grads : list of ndarray
        Per-layer estimates ``G_l`` (shape of ``W_l``), descent direction ``-G_l``.
    loss : float
        Mean clean loss on the batch (before the update).
    output : ndarray (batch, n_out)
        Clean readout, for accuracy.
    extras : dict
        Rule-specific diagnostics (e.g. the loss differences of NP).
    """

    grads: list[np.ndarray]
    loss: float
    output: np.ndarray
    extras: dict = field(default_factory=dict)


class LearningRule:
    """Base class: subclasses implement `estimate` and `dependencies`."""

    name = "rule"

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        """Per-layer estimates for one batch (``drive`` from ``net.encode``)."""
        raise NotImplementedError

    def dependencies(self, depth: int) -> dict[int, tuple[int, ...]]:
        """Layers whose update-phase results layer ``l``'s update waits for."""
        return {l: () for l in range(depth)}

    def update(self, net: Network, grads: list[np.ndarray], optimizer: Optimizer) -> list:
        """Apply ``optimizer``'s steps for ``grads`` (this rule's `estimate`) to what the rule
        learns, the network's weights unless a rule says otherwise; returns the steps."""
        return optimizer.apply(net.weights, grads, self)

    def end_task(self, net: Network, data: Dataset, rng: np.random.Generator) -> None:
        """Continual learning: called after each task's last epoch with the trained network,
        the task's data and a generator for any pass over it (default: nothing)."""

    def project_step(self, layer: int, step: np.ndarray) -> np.ndarray:
        """Constrain an optimiser's final step (identity except for projecting rules)."""
        return step


def critical_path_depth(dependencies: dict[int, tuple[int, ...]]) -> int:
    """Number of sequential stages in the update phase (longest dependency chain).

    Examples
    --------
    >>> critical_path_depth({0: (), 1: (), 2: ()})
    1
    >>> critical_path_depth({0: (1,), 1: (2,), 2: ()})
    3
    """

    @cache
    def stage(layer: int) -> int:
        return 1 + max((stage(d) for d in dependencies[layer]), default=0)

    return max((stage(l) for l in dependencies), default=0)
