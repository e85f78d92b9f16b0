"""Optimisers applying rule estimates to the weights.

SGD is the reference (the theory assumes it). Momentum and Adam transform the estimates; for
projecting rules (LOCO) the *final step* is projected again by ``rule.project_step`` so the
subspace guarantee holds for what is actually added to the weights.
"""

from __future__ import annotations

import numpy as np

from .rules.base import LearningRule

__all__ = ["OPTIMIZERS", "Optimizer"]

OPTIMIZERS = ("sgd", "momentum", "adam")


class Optimizer:
    """``W_l <- W_l + step_l`` with ``step_l`` from SGD, heavy-ball momentum or Adam.

    ``beta1`` is the first-moment coefficient of both heavy-ball momentum (``first <- beta1
    first + g``) and Adam; ``beta2`` and ``eps`` are Adam's. ``project_step=False`` applies a
    momentum or Adam step as it comes, without `LearningRule.project_step` (the authors' LOCO
    code: Adam receives the projected gradient, its step is not projected again).

    Examples
    --------
    >>> opt = Optimizer("sgd", lr=0.1)
    >>> w = [np.ones((1, 2))]
    >>> steps = opt.apply(w, [np.array([[1.0, -1.0]])], LearningRule())
    >>> w[0].tolist()
    [[0.9, 1.1]]
    """

    def __init__(
        self,
        name: str = "sgd",
        lr: float = 0.01,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        project_step: bool = True,
    ) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        if not 0 <= beta1 < 1 or not 0 <= beta2 < 1:
            raise ValueError(f"beta1 and beta2 must be in [0, 1), got {beta1!r}, {beta2!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        self.name, self.lr, self.beta1, self.beta2, self.eps = name, lr, beta1, beta2, eps
        self.project_step = bool(project_step)
        self.first: list[np.ndarray] = []
        self.second: list[np.ndarray] = []
        self.t = 0

    def steps(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        """The raw steps (before projection) for estimates ``grads``."""
        if self.name == "sgd":
            return [-self.lr * g for g in grads]
        if not self.first:
            self.first = [np.zeros_like(g) for g in grads]
            self.second = [np.zeros_like(g) for g in grads]
        self.t += 1
        out = []
        for l, g in enumerate(grads):
            first = self.first[l]
            if self.name == "momentum":  # first <- beta1 * first + g; step = -lr * first
                first *= self.beta1
                first += g
                out.append(first * -self.lr)
                continue
            # Adam: first/second moments, bias-corrected; in place, one temporary per layer
            second, tmp = self.second[l], np.multiply(g, 1.0 - self.beta1)
            first *= self.beta1
            first += tmp
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - self.beta2
            second *= self.beta2
            second += tmp
            np.sqrt(second, out=tmp)
            tmp *= 1.0 / np.sqrt(1.0 - self.beta2**self.t)  # sqrt(v_hat)
            tmp += self.eps
            np.divide(first, tmp, out=tmp)
            tmp *= -self.lr / (1.0 - self.beta1**self.t)  # -lr * m_hat / (...)
            out.append(tmp)
        return out

    def apply(
        self, weights: list[np.ndarray], grads: list[np.ndarray], rule: LearningRule
    ) -> list[np.ndarray]:
        """Add the steps to ``weights`` in place; returns the steps actually applied."""
        steps = self.steps(grads)
        if self.name != "sgd" and self.project_step:  # SGD steps are in the projector's range
            steps = [rule.project_step(l, s) for l, s in enumerate(steps)]
        for w, s in zip(weights, steps, strict=True):
            w += s
        return steps
