"""Continual-learning baselines on gradient descent: OWM (Zeng et al. 2019) and EWC
(Kirkpatrick et al. 2017).

**OWM** projects each layer's gradient from the input side, ``G_l -> G_l P_l``, with the
recursive projector of orthogonal weight modification, updated after every batch with the
batch's mean input ``r`` of the layer (bias 1 appended; in spiking mode averaged over steps
too)::

    k = P r,    P <- P - k k^T / (alpha + r^T k)

Starting from ``P = I``, after inputs ``r_1 .. r_m`` it equals the closed form
``(I + (1/alpha) sum_i r_i r_i^T)^{-1}`` (`sim.projectors.owm_recursive`; tested), so an update
changes a layer's response to every input seen so far by a factor ``~alpha/|r|^2``: the
directions of earlier tasks are protected for good. LOCO extends it with node perturbation in
place of the gradient and low-rank, cluster-wise protection.

**EWC** adds to the gradient of the task's loss that of the penalty

    (lambda / 2) sum_t sum_i F_{t,i} (w_i - w*_{t,i})^2

one term per finished task ``t`` with its weights ``w*_t`` and the diagonal of its empirical
Fisher information ``F_t``: the mean over ``fisher_samples`` of the task's training samples of
each per-sample loss gradient squared (the labels' gradient, not the model's sampled one),
divided by its largest entry (``normalise``, default): ``lambda`` is then the penalty's
curvature on each task's most important weight, whatever the scale of the gradients (the
surrogate gradients of a spiking network are large), and plain SGD at rate ``eta`` stays
stable on the penalty while ``eta lambda (number of finished tasks) < 2``.

Both learn by exact BP in rate mode and surrogate-gradient BPTT in spiking mode (`BP`).
"""

from __future__ import annotations

import numpy as np

from ..data import Dataset, one_hot
from ..network import Network
from .base import Estimate
from .gradient import BP

__all__ = ["EWC", "OWM"]


def _with_bias_mean(x: np.ndarray) -> np.ndarray:
    """Mean of ``[x, 1]`` over every leading axis (batch, and steps in spiking mode)."""
    mean = x.reshape(-1, x.shape[-1]).mean(axis=0, dtype=np.float64)
    return np.append(mean, 1.0)


class OWM(BP):
    """Gradient descent with the recursive OWM projector on every layer's inputs.

    Parameters
    ----------
    alpha : float
        OWM's regulariser (> 0): how much of an input direction stays learnable after it
        was seen once with norm ``|r|`` is ``alpha / (alpha + |r|^2)``.
    **gradient
        `BP`'s options (loss, seed, surrogate_slope, feedback).

    Attributes
    ----------
    projectors : list of ndarray
        ``P_l`` (d_l + 1, d_l + 1) per layer, identity on first use.
    """

    name = "owm"

    option_class = BP  # **gradient: BP's options

    def __init__(self, alpha: float = 1.0, **gradient) -> None:
        super().__init__(**gradient)
        if not (np.isfinite(alpha) and alpha > 0):
            raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
        self.alpha = float(alpha)
        self.projectors: list[np.ndarray] = []

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        """``G_l P_l`` with the projectors before this batch, which then fold it in."""
        if [p.shape[0] for p in self.projectors] != [n + 1 for n in net.sizes[:-1]]:
            self.projectors = [np.eye(n + 1) for n in net.sizes[:-1]]
        est = super().estimate(net, drive, targets, rng)
        est.grads = [g @ p for g, p in zip(est.grads, self.projectors, strict=True)]
        for l, x in enumerate(est.extras["inputs"]):
            r = _with_bias_mean(x)
            k = self.projectors[l] @ r
            self.projectors[l] -= np.outer(k, k) / (self.alpha + r @ k)
        return est

    def project_step(self, layer: int, step: np.ndarray) -> np.ndarray:
        """A momentum or Adam step projected like the gradient (the current ``P_l``)."""
        return step @ self.projectors[layer] if self.projectors else step


class EWC(BP):
    """Gradient descent with elastic weight consolidation of every finished task.

    Parameters
    ----------
    strength : float
        ``lambda`` (>= 0) of the penalty. Measured on the quick F7 task-incremental sequence
        (3 tasks, SGD 0.05): forgetting 0.015 at 10 against 0.25 without the penalty; 100
        diverged.
    normalise : bool
        Divide each task's Fisher diagonal by its largest entry (module docstring).
    fisher_samples : int
        Training samples of a finished task whose squared loss gradients give its Fisher
        diagonal (the first ones of the task's training split).
    **gradient
        `BP`'s options (loss, seed, surrogate_slope, feedback).

    Attributes
    ----------
    anchors : list of (list of ndarray, list of ndarray)
        Per finished task, its Fisher diagonals and weights per layer.
    """

    name = "ewc"

    option_class = BP  # **gradient: BP's options

    def __init__(
        self, strength: float = 5.0, normalise: bool = True, fisher_samples: int = 500, **gradient
    ) -> None:
        super().__init__(**gradient)
        if not (np.isfinite(strength) and strength >= 0):
            raise ValueError(f"strength must be a finite number >= 0, got {strength!r}")
        if isinstance(fisher_samples, bool) or not isinstance(fisher_samples, int):
            raise ValueError(f"fisher_samples must be an integer >= 1, got {fisher_samples!r}")
        if fisher_samples < 1:
            raise ValueError(f"fisher_samples must be an integer >= 1, got {fisher_samples!r}")
        self.strength, self.fisher_samples = float(strength), fisher_samples
        self.normalise = bool(normalise)
        self.anchors: list[tuple[list[np.ndarray], list[np.ndarray]]] = []

    def penalty(self, weights: list[np.ndarray]) -> float:
        """``(lambda / 2) sum_t sum_i F_{t,i} (w_i - w*_{t,i})^2``."""
        return (
            0.5
            * self.strength
            * sum(
                float(np.sum(f * (w - a) ** 2))
                for fisher, anchor in self.anchors
                for w, f, a in zip(weights, fisher, anchor, strict=True)
            )
        )

    def penalty_gradient(self, weights: list[np.ndarray]) -> list[np.ndarray]:
        """``lambda sum_t F_t (w - w*_t)`` per layer."""
        out = [np.zeros_like(w, dtype=np.float64) for w in weights]
        for fisher, anchor in self.anchors:
            for g, w, f, a in zip(out, weights, fisher, anchor, strict=True):
                g += self.strength * f * (w - a)
        return out

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        """The task loss's gradient plus the penalty's."""
        est = super().estimate(net, drive, targets, rng)
        if self.anchors:
            penalty = self.penalty_gradient(net.weights)
            est.grads = [g + p for g, p in zip(est.grads, penalty, strict=True)]
        return est

    def fisher(self, net: Network, x: np.ndarray, targets: np.ndarray, rng) -> list[np.ndarray]:
        """Empirical Fisher diagonal per layer: the mean over samples of each squared
        per-sample loss gradient (one batched backward pass, chunked)."""
        out = [np.zeros(w.shape) for w in net.weights]
        for start in range(0, len(x), 100):
            chunk = slice(start, start + 100)
            drive = net.encode(x[chunk], rng)
            for acc, g in zip(
                out, self.per_sample_gradients(net, drive, targets[chunk]), strict=True
            ):
                acc += np.einsum("bij,bij->ij", g, g)
        return [f / len(x) for f in out]

    def end_task(self, net: Network, data: Dataset, rng: np.random.Generator) -> None:
        """Anchor the finished task: its Fisher diagonal and the current weights."""
        x = data.train_x[: self.fisher_samples]
        targets = one_hot(data.train_y[: self.fisher_samples], net.sizes[-1])
        fisher = self.fisher(net, x, targets, rng)
        if self.normalise:
            top = max(float(f.max()) for f in fisher)
            fisher = [f / top for f in fisher] if top > 0 else fisher
        self.anchors.append((fisher, [w.astype(np.float64, copy=True) for w in net.weights]))
