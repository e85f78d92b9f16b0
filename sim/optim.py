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
        momentum: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        if not 0 <= momentum < 1 or not 0 <= beta2 < 1:
            raise ValueError(f"momentum and beta2 must be in [0, 1), got {momentum!r}, {beta2!r}")
        self.name, self.lr, self.momentum, self.beta2, self.eps = name, lr, momentum, beta2, eps
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
            if self.name == "momentum":
                self.first[l] = self.momentum * self.first[l] + g
                out.append(-self.lr * self.first[l])
                continue
            self.first[l] = self.momentum * self.first[l] + (1 - self.momentum) * g
            self.second[l] = self.beta2 * self.second[l] + (1 - self.beta2) * g**2
            m_hat = self.first[l] / (1 - self.momentum**self.t)
            v_hat = self.second[l] / (1 - self.beta2**self.t)
            out.append(-self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
        return out

    def apply(
        self, weights: list[np.ndarray], grads: list[np.ndarray], rule: LearningRule
    ) -> list[np.ndarray]:
        """Add the steps to ``weights`` in place; returns the steps actually applied."""
        steps = self.steps(grads)
        if self.name != "sgd":  # SGD steps are already in the projector's range
            steps = [rule.project_step(l, s) for l, s in enumerate(steps)]
        for w, s in zip(weights, steps, strict=True):
            w += s
        return steps
