"""Per-sample losses on the network readout and their gradients.

``mse``: ``L_b = |y_b - t_b|^2 / 2`` on output rates vs one-hot targets;
``mean_squared``: ``L_b = mean_k (y_bk - t_bk)^2`` (the authors' per-sample reward is its negative);
``cross_entropy``: softmax cross-entropy ``L_b = -sum_k t_bk log softmax(y_b)_k``.
All in float64: node perturbation forms differences of nearly equal losses.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOSSES", "loss", "loss_gradient", "output_curvature"]

LOSSES = ("mse", "mean_squared", "cross_entropy")


def _check(name: str) -> None:
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")


def _log_softmax(y: np.ndarray) -> np.ndarray:
    shifted = y - y.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def loss(name: str, output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-sample loss, shape (batch,).

    Examples
    --------
    >>> loss("mse", np.array([[0.5, 0.0]]), np.array([[1.0, 0.0]])).tolist()
    [0.125]
    >>> round(float(loss("cross_entropy", np.zeros((1, 4)), np.eye(4)[:1])[0]), 6)
    1.386294
    """
    _check(name)
    if name == "mse":
        return 0.5 * np.sum((output - target) ** 2, axis=-1)
    if name == "mean_squared":
        return np.mean((output - target) ** 2, axis=-1)
    return -np.sum(target * _log_softmax(output), axis=-1)


def loss_gradient(name: str, output: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gradient of the per-sample loss with respect to the output, shape (batch, n_out).

    Examples
    --------
    >>> loss_gradient("mse", np.array([[0.5, 0.0]]), np.array([[1.0, 0.0]])).tolist()
    [[-0.5, 0.0]]
    """
    _check(name)
    if name == "mse":
        return output - target
    if name == "mean_squared":
        return 2.0 * (output - target) / output.shape[-1]
    return np.exp(_log_softmax(output)) - target


def output_curvature(name: str, output: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Per-sample ``v^T (d^2 L_b / dy^2) v`` for output changes ``v = direction``: the
    Gauss-Newton quadratic form (``|v|^2``, ``2 |v|^2 / n_out``, and for cross-entropy
    ``sum_k p_k v_k^2 - (p . v)^2`` with ``p = softmax(y)``), shape (batch,).

    Examples
    --------
    >>> output_curvature("mse", np.zeros((1, 2)), np.array([[3.0, 4.0]])).tolist()
    [25.0]
    >>> output_curvature("cross_entropy", np.zeros((1, 2)), np.array([[1.0, -1.0]])).tolist()
    [1.0]
    """
    _check(name)
    if name == "mse":
        return np.sum(direction**2, axis=-1)
    if name == "mean_squared":
        return 2.0 * np.mean(direction**2, axis=-1)
    p = np.exp(_log_softmax(output))
    return np.sum(p * direction**2, axis=-1) - np.sum(p * direction, axis=-1) ** 2
