"""A faithful port of the authors' per-batch LOCO projector (zgmaguoqing/LOCO @ c2b2c56).

Reference for tests and benchmarks, deliberately unoptimised and independent of
`sim.projectors`; tested step by step against the authors' own outputs
(``tests/data/golden``, whose README documents the protocol). Per training step and layer,
with the step's clean inputs ``X`` (bias column appended, (B, d+1)):

(a) append the normalised batch mean to a ring buffer of ``buffer`` directions (once full,
    step t overwrites slot ``(t - 1) mod buffer``: slot order, not age order);
(b) once ``n_clusters`` directions are stored, k-means over them from the evenly spaced points
    ``int(i n / n_clusters)``: 11 Lloyd iterations at the first fit, 1 at every later one
    (the authors' iteration counter is never reset);
(c) drop the centre at the smallest angle to the (unnormalised) batch mean and form
    ``P_owm = I - C (C^T C)^{-1} C^T`` over the others (before step (b) applies, no
    protection: ``P_owm = I``);
(d) ``M = [mean, top k eigenvectors of the batch covariance]``, Gram-Schmidt (modified form,
    dropped columns still used for later ones) of ``P_owm M``, keeping columns that retain more
    than ``threshold`` of their norm after ``P_owm``;
(e) ``P = U (U^T U)^{-1} U^T`` over the kept columns.

All O(d^3) per batch and layer. One deliberate difference: the angle in (c) is computed from a
cosine clipped to [-1, 1] (exact arithmetic). The authors' code takes ``arccos`` of a cosine
that can round above 1 when the current direction is a singleton centre; the NaN then drops
the next-nearest centre instead (19-33 % of the steps where it can occur, golden README §3).
"""

from __future__ import annotations

import numpy as np

from ..streams import stream
from .loco import with_bias
from .perturbation import ProjectedNodePerturbation

__all__ = ["AuthorsLOCO", "AuthorsProjector", "kmeans"]


def kmeans(
    points: np.ndarray,
    n_clusters: int,
    iterations: int = 1,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Lloyd's k-means on the columns of ``points`` (d x n) as the authors run it.

    Initial centres are the points at indices ``int(i * n / n_clusters)``; while two of them
    are identical (a stream that repeats its batches), ``n_clusters`` points in a random order
    (``rng``) replace them, as in the authors' code. Each iteration assigns every point to the
    nearest centre in squared distance (ties: the lowest index) and moves each centre to the
    mean of its points (a centre without points stays).

    Examples
    --------
    >>> pts = np.array([[0.0, 0.1, 5.0, 5.2]])
    >>> kmeans(pts, 2).round(2).tolist()
    [[0.05, 5.1]]
    """
    n = points.shape[1]
    start = [int(i * n / n_clusters) for i in range(n_clusters)]
    centres = points[:, start].copy()
    if len(np.unique(points, axis=1).T) < n_clusters:
        raise ValueError(f"k-means needs {n_clusters} distinct points, got fewer")
    while len(np.unique(centres, axis=1).T) < n_clusters:
        rng = np.random.default_rng(0) if rng is None else rng
        centres = points[:, rng.permutation(n)[:n_clusters]].copy()
    for _ in range(iterations):
        dist = ((points[:, :, None] - centres[:, None, :]) ** 2).sum(axis=0)
        labels = dist.argmin(axis=1)
        for j in range(centres.shape[1]):
            if np.any(labels == j):
                centres[:, j] = points[:, labels == j].mean(axis=1)
    return centres


class AuthorsProjector:
    """Per-batch projector of the authors' code for one layer; call it once per step.

    Parameters
    ----------
    k : int
        Principal directions besides the mean (the authors' ``n_pcas + n_kmeans - 1``).
    n_clusters : int
        k-means clusters over the ring buffer (the authors' ``n_kmeans``).
    buffer : int
        Ring-buffer length in batch-mean directions (the authors' ``n_data``).
    threshold : float
        Gram-Schmidt keep threshold (hard-coded 0.1 in the authors' code).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> proj = AuthorsProjector(k=2, n_clusters=2, buffer=4)
    >>> P = proj(with_bias(rng.uniform(0, 1, (16, 5))))
    >>> P.shape, bool(np.allclose(P @ P, P))
    ((6, 6), True)
    """

    def __init__(
        self, k: int = 109, n_clusters: int = 10, buffer: int = 1000, threshold: float = 0.1
    ) -> None:
        for name, value in (("k", k), ("n_clusters", n_clusters), ("buffer", buffer)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        self.k, self.n_clusters, self.buffer = int(k), int(n_clusters), int(buffer)
        self.threshold = float(threshold)
        self.ring: list[np.ndarray] = []
        self.steps = 0  # calls so far (the authors' counter t - 1)
        self.fits = 0  # k-means fits so far
        self.rng = stream(0, "kmeans_reseed")  # only used when initial centres coincide

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """Steps (a)-(e) for this step's clean inputs (B x (d+1), bias column included)."""
        return self.projector(inputs)

    def protected(self, x_mean: np.ndarray) -> np.ndarray:
        """Steps (a)-(c): buffer the direction, cluster, drop the current one's cluster."""
        direction = x_mean / np.sqrt(np.sum(x_mean**2))
        if len(self.ring) < self.buffer:
            self.ring.append(direction)
        else:
            self.ring[self.steps % self.buffer] = direction
        self.steps += 1
        if len(self.ring) < self.n_clusters:
            return np.zeros((x_mean.size, 0))
        iterations = 11 if self.fits == 0 else 1
        centres = kmeans(np.array(self.ring).T, self.n_clusters, iterations, self.rng)
        self.fits += 1
        cos = np.abs(centres.T @ x_mean) / np.sqrt(np.sum(centres**2, axis=0) * (x_mean @ x_mean))
        angles = np.arccos(np.clip(cos, -1.0, 1.0))
        return np.delete(centres, int(np.argmin(angles)), axis=1)

    def projector(self, inputs: np.ndarray, protected: np.ndarray | None = None) -> np.ndarray:
        """(d+1) x (d+1) projector for a batch ``inputs`` (B x (d+1), bias included).

        ``protected`` overrides steps (a)-(c) (used to compare against other implementations
        on identical protected directions; the ring buffer is then left untouched).
        """
        mean = inputs.mean(axis=0)
        if protected is None:
            protected = self.protected(mean)
        d = inputs.shape[1]
        owm = np.eye(d)
        if protected.shape[1]:
            owm -= protected @ np.linalg.solve(protected.T @ protected, protected.T)
        centred = inputs - mean
        cov = centred.T @ centred / (inputs.shape[0] - 1)
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values, kind="stable")[::-1]
        A = owm @ np.column_stack([mean, vectors[:, order[: self.k]]])
        Q = np.zeros_like(A)
        keep = []
        for i in range(A.shape[1]):
            v = A[:, i].copy()
            for j in range(i):  # dropped columns too, as the authors' loop does
                q = Q[:, j]
                qq = q @ q
                if qq > 0:
                    v -= (v @ q) / qq * q
            Q[:, i] = v
            if np.linalg.norm(v) > self.threshold * np.linalg.norm(A[:, i]):
                keep.append(i)
        U = Q[:, keep]
        return U @ np.linalg.solve(U.T @ U, U.T)


class AuthorsLOCO(ProjectedNodePerturbation):
    """NP with the authors' per-batch projector (`AuthorsProjector`) per layer: the reference.

    ``G_l -> G_l P_l`` with ``P_l`` from this step's clean layer inputs. As in the authors'
    code, an optimiser's step is not projected again (Adam receives the projected gradient).
    Options: those of `NodePerturbation` and of `AuthorsProjector` (the authors' values as
    defaults: k 109, n_clusters 10, buffer 1000, threshold 0.1).
    """

    name = "loco_port"
    option_class = AuthorsProjector

    def layer_estimate(
        self, layer: int, coeff: np.ndarray, pre: np.ndarray, pre_rate: np.ndarray
    ) -> np.ndarray:
        P = self.projectors[layer](with_bias(pre_rate.astype(np.float64, copy=False)))
        return super().layer_estimate(layer, coeff, pre, pre_rate) @ P
