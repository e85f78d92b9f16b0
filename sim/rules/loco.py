"""LOCO: node perturbation with low-rank, cluster-orthogonal input-side projection.

Each layer keeps a `LayerProjector` fed with the clean pass's presynaptic rates (bias 1
appended). Per batch: track the principal subspace, assign the batch-mean direction to a
cluster, protect the other clusters' centres (and finished tasks' directions in continual
mode), and update with ``G_l P_l`` (see `sim.projectors`). The update keeps NP's single stage.
Ablations: ``lowrank=False`` (OWM over other clusters only) and ``clusters=False`` (low-rank
projection only).
"""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..projectors import ClusterBank, SubspaceTracker, allowed_basis, owm_apply
from .base import Estimate
from .perturbation import NodePerturbation

__all__ = ["LOCO", "LayerProjector", "with_bias"]


def with_bias(x: np.ndarray) -> np.ndarray:
    """Append the constant-1 bias input: (B, n) -> (B, n + 1)."""
    return np.hstack([x, np.ones((x.shape[0], 1))])


class LayerProjector:
    """The input-side projector of one layer (see module `sim.projectors`)."""

    def __init__(
        self,
        *,
        k: int = 64,
        energy: float | None = None,
        forget: float = 0.9,
        tracking: str = "exact",
        n_clusters: int = 10,
        new_cluster_cos: float = 0.95,
        alpha: float = 1e-3,
        drop_tol: float = 0.1,
        lowrank: bool = True,
        clusters: bool = True,
    ) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha!r}")
        self.tracker = SubspaceTracker(k, forget, energy, tracking)
        self.bank = ClusterBank(n_clusters, new_cluster_cos)
        self.alpha, self.drop_tol = float(alpha), float(drop_tol)
        self.lowrank, self.clusters = lowrank, clusters
        self.permanent: np.ndarray | None = None
        self.protected: np.ndarray | None = None
        self.basis: np.ndarray | None = None

    def observe(self, inputs: np.ndarray) -> None:
        """Fold in a batch of layer inputs (B x d, bias included) and rebuild the projector."""
        d = inputs.shape[1]
        blocks = [] if self.permanent is None else [self.permanent]
        if self.clusters:
            blocks.insert(0, self.bank.others(self.bank.assign(inputs.mean(axis=0))))
        self.protected = np.hstack(blocks) if blocks else np.zeros((d, 0))
        self.tracker.update(inputs)
        if self.lowrank:
            V = self.tracker.directions()
            self.basis = allowed_basis(V, self.protected, self.alpha, self.drop_tol)

    def apply(self, G: np.ndarray) -> np.ndarray:
        """``G P``: onto span(basis) with low rank, else the OWM projector alone."""
        if self.lowrank:
            return (G @ self.basis) @ self.basis.T
        return owm_apply(G, self.protected, self.alpha)

    def matrix(self) -> np.ndarray:
        """The projector as a dense d x d matrix (for tests and analysis, not the hot path)."""
        d = self.protected.shape[0]
        return self.apply(np.eye(d))

    def protect_current(self) -> None:
        """Keep the current input subspace protected from now on (end of a task).

        The mean direction and the principal directions weighted by their relative singular
        values are added, so OWM's ``alpha`` protects strong directions most.
        """
        s = self.tracker.singular_values
        weights = s / s[0] if s.size and s[0] > 0 else s
        mean = self.tracker.mean / np.linalg.norm(self.tracker.mean)
        new = np.column_stack([mean, self.tracker.basis * weights])
        self.permanent = new if self.permanent is None else np.hstack([self.permanent, new])


class LOCO(NodePerturbation):
    """Node perturbation whose updates are projected by per-layer `LayerProjector` s.

    Parameters
    ----------
    sigma, loss, noise
        As in `NodePerturbation`.
    **projector
        Keyword arguments of `LayerProjector` (k, energy, forget, tracking, n_clusters,
        new_cluster_cos, alpha, drop_tol, lowrank, clusters).
    """

    name = "loco"

    option_class = LayerProjector  # its keyword options are LOCO's too (see sim.rules.make_rule)

    def __init__(self, sigma: float = 0.05, loss: str = "mse", noise: str = "held", **projector):
        super().__init__(sigma, loss, noise)
        LayerProjector(**projector)  # validate now, before any work
        self.projector_options = projector
        self.projectors: list[LayerProjector] = []

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        if len(self.projectors) != net.depth:
            self.projectors = [LayerProjector(**self.projector_options) for _ in range(net.depth)]
        est = super().estimate(net, drive, targets, rng)
        for l, projector in enumerate(self.projectors):
            projector.observe(with_bias(est.extras["pre_rates"][l]))
            est.grads[l] = projector.apply(est.grads[l])
        est.extras["projection_rank"] = [
            (p.basis.shape[1] if p.lowrank else p.protected.shape[0] - p.protected.shape[1])
            for p in self.projectors
        ]
        return est

    def project_step(self, layer: int, step: np.ndarray) -> np.ndarray:
        return self.projectors[layer].apply(step) if self.projectors else step

    def end_task(self) -> None:
        """Continual learning: protect every layer's current input subspace from now on."""
        for projector in self.projectors:
            projector.protect_current()
