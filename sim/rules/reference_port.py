"""A straightforward port of the authors' per-batch LOCO projector (zgmaguoqing/LOCO).

Reference for tests and benchmarks, deliberately unoptimised and independent of
`sim.projectors`: every batch it (1) appends the normalised batch-mean input (bias 1 appended)
to a ring buffer, (2) runs k-means on the buffer and deletes the centre nearest to the current
batch mean, (3) forms ``P_owm = I - A (A^T A)^{-1} A^T`` over the remaining centres, (4) takes
the mean and the top principal directions from an eigendecomposition of the d x d batch
covariance, (5) Gram-Schmidt-orthogonalises ``P_owm`` times those directions, dropping those
reduced below 10% of their norm, and (6) returns the projector ``U (U^T U)^{-1} U^T``. All of
it O(d^3) per batch and layer.
"""

from __future__ import annotations

import numpy as np

from ..network import Network
from .base import Estimate
from .loco import with_bias
from .perturbation import NodePerturbation

__all__ = ["AuthorsLOCO", "AuthorsProjector", "kmeans"]


def kmeans(points: np.ndarray, n_clusters: int, iterations: int = 10) -> np.ndarray:
    """Lloyd's k-means on the columns of ``points`` (d x n); the first n_clusters seed it."""
    n = points.shape[1]
    centres = points[:, : min(n_clusters, n)].copy()
    for _ in range(iterations):
        dist = ((points[:, :, None] - centres[:, None, :]) ** 2).sum(axis=0)
        labels = dist.argmin(axis=1)
        for j in range(centres.shape[1]):
            if np.any(labels == j):
                centres[:, j] = points[:, labels == j].mean(axis=1)
    return centres


class AuthorsProjector:
    """Per-batch projector of the authors' code for one layer.

    Parameters
    ----------
    k : int
        Number of principal directions (besides the mean).
    n_clusters : int
        k-means clusters over the ring buffer.
    buffer : int
        Ring-buffer length (batch means).
    """

    def __init__(self, k: int, n_clusters: int = 10, buffer: int = 100) -> None:
        self.k, self.n_clusters, self.buffer = k, n_clusters, buffer
        self.ring: list[np.ndarray] = []
        self.count = 0

    def protected(self, x_mean: np.ndarray) -> np.ndarray:
        """Steps (1)-(2): buffer the direction, cluster, drop the current one's cluster."""
        direction = x_mean / np.sqrt(np.sum(x_mean**2))
        if len(self.ring) < self.buffer:
            self.ring.append(direction)
        else:
            self.ring[self.count % self.buffer] = direction
        self.count += 1
        centres = kmeans(np.array(self.ring).T, self.n_clusters)
        angles = [
            np.arccos(np.clip(c @ x_mean / np.linalg.norm(c) / np.linalg.norm(x_mean), -1, 1))
            for c in centres.T
        ]
        return np.delete(centres, int(np.argmin(angles)), axis=1)

    def projector(self, inputs: np.ndarray, protected: np.ndarray | None = None) -> np.ndarray:
        """d x d projector for a batch ``inputs`` (B x d, bias included).

        ``protected`` overrides steps (1)-(2) (used to compare against other implementations
        on identical protected directions).
        """
        if protected is None:
            protected = self.protected(inputs.mean(axis=0))
        d = inputs.shape[1]
        if protected.shape[1]:
            owm = np.eye(d) - protected @ np.linalg.inv(protected.T @ protected) @ protected.T
        else:
            owm = np.eye(d)
        mean = inputs.mean(axis=0)
        centred = inputs - mean
        cov = centred.T @ centred / (inputs.shape[0] - 1)
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values)[::-1]
        main = np.column_stack([mean, vectors[:, order[: self.k]]])
        A = owm @ main
        Q = np.zeros_like(A)
        keep = []
        for i in range(A.shape[1]):
            v = A[:, i]
            for j in range(i):
                q = Q[:, j]
                if q @ q > 0:
                    v = v - (v @ q) / (q @ q) * q
            Q[:, i] = v
            if np.linalg.norm(v) > 0.1 * np.linalg.norm(A[:, i]):
                keep.append(i)
        U = Q[:, keep]
        return U @ np.linalg.inv(U.T @ U) @ U.T


class AuthorsLOCO(NodePerturbation):
    """NP with the authors' per-batch projector (`AuthorsProjector`) per layer: the reference."""

    name = "loco_port"

    def __init__(
        self,
        sigma: float = 0.05,
        loss: str = "mse",
        noise: str = "held",
        *,
        k: int = 64,
        n_clusters: int = 10,
        buffer: int = 100,
    ) -> None:
        super().__init__(sigma, loss, noise)
        self.options = {"k": k, "n_clusters": n_clusters, "buffer": buffer}
        self.projectors: list[AuthorsProjector] = []

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        """NP estimates, each right-multiplied by its layer's per-batch projector."""
        if len(self.projectors) != net.depth:
            self.projectors = [AuthorsProjector(**self.options) for _ in range(net.depth)]
        est = super().estimate(net, drive, targets, rng)
        for l, projector in enumerate(self.projectors):
            est.grads[l] = est.grads[l] @ projector.projector(with_bias(est.extras["pre_rates"][l]))
        return est
