"""Gradient baselines: backpropagation (BP), feedback alignment (FA), direct feedback alignment.

All three compute ``G_l``, the (pseudo-)gradient of the batch-mean per-sample loss with respect
to ``W_l`` (bias column included), from one clean forward pass and a backward pass.

**Rate mode** (exact): with ``a_{l-1}`` the presynaptic rates, ``I_l = W_l [a_{l-1}; 1]``,
``a_l = rate(I_l)`` and ``delta_l = dL/dI_l``::

    delta_L = dL/dy * dy/dI_L        (rate: rate'(I_L); count: steps * rate'(I_L);
                                      membrane: the gain of ``y = offset + gain * I_L``)
    delta_l = e_l * rate'(I_l)       G_l = delta_l^T [a_{l-1}, 1]

where the error ``e_l`` reaching layer ``l`` is ``delta_{l+1} W_{l+1}[:, :-1]`` (BP),
``delta_{l+1} B_{l+1}`` with a fixed random ``B_{l+1}`` (FA), or ``delta_L D_l`` with a fixed
random ``D_l`` of shape (n_out, n_l) (DFA: no layer-to-layer chain).

**Spiking mode** (surrogate-gradient BPTT, vectorised over batch and units, a loop over time
steps only). Each layer's pre-reset membrane is recomputed from the recorded post-reset trace
and currents, ``v_pre_t = I_t + (v_{t-1} - I_t) decay`` (LIF) or ``v_{t-1} + (dt/tau) I_t``
(IF), with ``v_{-1} = v_reset``; the spike nonlinearity gets the fast-sigmoid surrogate
``ds_t/dv_pre_t = 1 / (1 + k |v_pre_t - v_th|)^2``; the reset is detached (standard), so
``dv_t/dv_pre_t`` is 1 for ``reset="subtract"`` and ``1 - s_t`` for ``reset="value"``.
Refractoriness is ignored in the gradient: clamped steps are differentiated as ordinary steps.
The errors ``e_l`` are per step, ``(steps, batch, n_l)``; readouts: ``dL/ds_t = dL/dy / steps``
(rate), ``dL/dy`` (count); the membrane readout's non-spiking units are a linear filter with
``dL/dv_t = dL/dy / steps``. DFA sends the output layer's per-step ``delta_L`` to every hidden
layer, which then runs BPTT through its own membrane only.

With IF neurons and reset by subtraction (the default network) the membrane never forgets, so
detached-reset BPTT sums the surrogate over all later steps: for long presentations its
direction follows the rate-mode gradient (cosine > 0.99 at 400 steps), but its size exceeds it
by a factor growing like ``steps`` per layer, so learning rates must be scaled down with
``steps`` and depth.

Feedback matrices are drawn lazily per network shape, layer ``l`` from
`sim.streams` stream ``"feedback"`` (key ``l``): FA's ``B_l`` like ``Network.init`` draws ``W_l``,
``U(-1, 1) / sqrt(n_{l-1})``; DFA's ``D_l`` as weights from the output layer,
``U(-1, 1) / sqrt(n_out)``.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from ..losses import LOSSES, loss, loss_gradient
from ..network import Network
from ..neurons import NeuronParams
from ..streams import stream
from ..transfer import rate_derivative
from .base import Estimate, LearningRule

__all__ = ["BP", "DFA", "FA", "surrogate_derivative"]


def surrogate_derivative(v: np.ndarray, v_th: float, slope: float) -> np.ndarray:
    """Fast-sigmoid surrogate of ``dH(v - v_th)/dv``: ``1 / (1 + slope |v - v_th|)^2``.

    Examples
    --------
    >>> surrogate_derivative(np.array([1.0, 1.5, 0.0]), 1.0, 2.0).tolist()
    [1.0, 0.25, 0.1111111111111111]
    """
    return 1.0 / (1.0 + slope * np.abs(v - v_th)) ** 2


def _pre_reset_membrane(currents: np.ndarray, membrane: np.ndarray, neuron: NeuronParams):
    """Pre-reset potentials ``v_pre_t`` (steps, batch, n) from the post-reset trace."""
    previous = np.empty_like(membrane)
    previous[0] = neuron.v_reset
    previous[1:] = membrane[:-1]
    if neuron.leak:
        return currents + (previous - currents) * neuron.decay
    return previous + (neuron.dt / neuron.tau) * currents


def _through_time(direct: np.ndarray, gate: np.ndarray | None, neuron: NeuronParams):
    """``dL/dI_t`` (steps, batch, n) from the direct terms ``dL/dv_pre_t`` of one layer.

    ``dL/dv_pre_t = direct_t + gate_t * dL/dv_t`` and ``dL/dv_{t-1} = c_prev * dL/dv_pre_t``,
    ``dL/dI_t = c_in * dL/dv_pre_t``; ``gate`` is ``dv_t/dv_pre_t`` (None: identity).
    """
    if neuron.leak:
        c_in, c_prev = 1.0 - neuron.decay, neuron.decay
    else:
        c_in, c_prev = neuron.dt / neuron.tau, 1.0
    d_pre = np.empty(direct.shape, dtype=np.float64)
    carry = np.zeros(direct.shape[1:], dtype=np.float64)  # dL/dv_t, zero after the last step
    for t in range(direct.shape[0] - 1, -1, -1):
        if gate is not None:
            carry *= gate[t]
        d_pre[t] = direct[t] + carry
        carry = c_prev * d_pre[t]
    d_pre *= c_in
    return d_pre


def _weight_gradient(delta: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """``G = sum delta^T [pre, 1]`` over batch (and steps); ``pre`` (batch, n) is held."""
    if delta.ndim == 3 and pre.ndim == 2:  # constant input current: sum over steps first
        delta = delta.sum(axis=0)
    delta = delta.reshape(-1, delta.shape[-1])
    pre = pre.reshape(-1, pre.shape[-1])
    return np.concatenate([delta.T @ pre, delta.sum(axis=0)[:, None]], axis=1)


def _per_sample_weight_gradient(delta: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """``delta_b^T [pre_b, 1]`` per sample (summed over steps): (batch, n_out, n_in + 1)."""
    if delta.ndim == 3 and pre.ndim == 2:  # constant input current: sum over steps first
        delta = delta.sum(axis=0)
    pre = pre.astype(np.float64, copy=False)
    if delta.ndim == 2:
        weights = np.einsum("bn,bd->bnd", delta, pre)
        bias = delta
    else:
        weights = np.einsum("tbn,tbd->bnd", delta, pre)
        bias = delta.sum(axis=0)
    return np.concatenate([weights, bias[:, :, None]], axis=2)


class _GradientRule(LearningRule):
    """Shared forward/backward machinery; subclasses choose how errors reach a layer."""

    name = "gradient"

    def __init__(
        self,
        loss: str = "mse",
        seed: int = 0,
        surrogate_slope: float = 5.0,
        feedback: list[np.ndarray | None] | None = None,
    ) -> None:
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if not (isinstance(seed, int | np.integer) and seed >= 0):
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        if not (math.isfinite(surrogate_slope) and surrogate_slope > 0):
            raise ValueError(
                f"surrogate_slope must be a finite number > 0, got {surrogate_slope!r}"
            )
        self.loss = loss
        self.seed = int(seed)
        self.surrogate_slope = float(surrogate_slope)
        self._fixed = (
            None
            if feedback is None
            else [None if b is None else np.asarray(b, dtype=np.float64) for b in feedback]
        )
        self._drawn: dict[tuple[int, ...], list[np.ndarray | None]] = {}

    # -- feedback pathway -------------------------------------------------------------------

    def _feedback_shapes(self, sizes: list[int]) -> list[tuple[int, int] | None]:
        """Shape of each layer's feedback matrix (None: the layer needs none)."""
        return [None] * (len(sizes) - 1)

    def _draw(self, layer: int, shape: tuple[int, int], sizes: list[int]) -> np.ndarray:
        raise NotImplementedError

    def feedback(self, net: Network) -> list[np.ndarray | None]:
        """Fixed feedback matrices for ``net``'s shape, one entry per layer (None if unused).

        Drawn once per network shape, layer ``l`` from the ``"feedback"`` stream (`sim.streams`),
        unless given explicitly to the constructor (then checked against the shapes).
        """
        sizes = net.sizes
        shapes = self._feedback_shapes(sizes)
        if self._fixed is not None:
            got = [None if b is None else b.shape for b in self._fixed]
            if got != shapes:
                raise ValueError(f"feedback matrices must have shapes {shapes}, got {got}")
            return self._fixed
        key = tuple(sizes)
        if key not in self._drawn:
            self._drawn[key] = [
                None if shape is None else self._draw(l, shape, sizes)
                for l, shape in enumerate(shapes)
            ]
        return self._drawn[key]

    def _error(
        self, layer: int, deltas: list, net: Network, feedback: list[np.ndarray | None]
    ) -> np.ndarray:
        """Error ``e_l`` reaching hidden layer ``layer`` (dL/d its output activity)."""
        raise NotImplementedError

    # -- estimate ---------------------------------------------------------------------------

    def estimate(
        self, net: Network, drive: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> Estimate:
        """Gradient (BP) or pseudo-gradient (FA, DFA) of the batch-mean loss for every ``W_l``.

        Parameters
        ----------
        net : Network
            The network, in rate or spiking mode.
        drive : ndarray
            Encoded input from ``net.encode``: (batch, n_0), or (steps, batch, n_0) spikes.
        targets : ndarray (batch, n_out)
            Targets of the loss (one-hot for classification).
        rng : numpy.random.Generator
            Unused: these rules are deterministic given the input.

        Returns
        -------
        Estimate
            ``grads[l]`` with the shape of ``W_l``, the mean clean loss and the readout.
        """
        result, deltas, pre, targets = self._deltas(net, drive, targets, per_sample=False)
        grads = [_weight_gradient(delta, x) for delta, x in zip(deltas, pre, strict=True)]
        mean_loss = float(np.mean(loss(self.loss, result.output, targets)))
        return Estimate(grads, mean_loss, result.output, {"inputs": pre})

    def per_sample_gradients(
        self, net: Network, drive: np.ndarray, targets: np.ndarray
    ) -> list[np.ndarray]:
        """Each sample's own loss gradient (BP) or pseudo-gradient: per layer an array
        (batch, *W_l.shape) from one batched backward pass (EWC's Fisher information)."""
        _, deltas, pre, _ = self._deltas(net, drive, targets, per_sample=True)
        return [_per_sample_weight_gradient(d, x) for d, x in zip(deltas, pre, strict=True)]

    def per_sample_current_gradients(
        self, net: Network, drive: np.ndarray, targets: np.ndarray
    ) -> list[np.ndarray]:
        """``dL_b/dI_l`` of each sample's own loss: per layer (batch, n_l), summed over steps in
        spiking mode (BP: exact in rate mode)."""
        _, deltas, _, _ = self._deltas(net, drive, targets, per_sample=True)
        return [d.sum(axis=0) if d.ndim == 3 else d for d in deltas]

    def _deltas(self, net: Network, drive: np.ndarray, targets: np.ndarray, *, per_sample: bool):
        """Forward pass, ``delta_l`` of the batch-mean loss (or of each sample's own loss, the
        backward pass being linear in ``dL/dy``) and the presynaptic inputs of every layer."""
        feedback = self.feedback(net)
        spiking = net.mode == "spiking"
        result = net.forward(drive, record=spiking)
        targets = np.asarray(targets, dtype=np.float64)
        if targets.shape != result.output.shape:
            raise ValueError(
                f"targets must have the output's shape {result.output.shape}, got {targets.shape}"
            )
        d_out = loss_gradient(self.loss, result.output, targets)
        if not per_sample:
            d_out = d_out / targets.shape[0]
        backward = self._backward_spiking if spiking else self._backward_rate
        deltas = backward(net, result, d_out, feedback)
        pre = [drive, *(result.spikes if spiking else result.pre_rates[1:])][: net.depth]
        return result, deltas, pre, targets

    def _backward_rate(self, net: Network, result, d_out: np.ndarray, feedback) -> list:
        """``delta_l = dL/dI_l`` (batch, n_l) through the transfer function."""
        depth = net.depth
        deltas: list = [None] * depth
        if net.readout == "membrane":
            deltas[-1] = d_out * net._membrane_response()[1]
        else:
            scale = net.steps if net.readout == "count" else 1.0
            deltas[-1] = d_out * scale * rate_derivative(result.currents[-1], net.neuron)
        for l in range(depth - 2, -1, -1):
            error = self._error(l, deltas, net, feedback)
            deltas[l] = error * rate_derivative(result.currents[l], net.neuron)
        return deltas

    def _backward_spiking(self, net: Network, result, d_out: np.ndarray, feedback) -> list:
        """``delta_l = dL/dI_{l,t}`` (steps, batch, n_l) by surrogate-gradient BPTT."""
        depth, steps, neuron = net.depth, net.steps, net.neuron
        deltas: list = [None] * depth
        if net.readout == "membrane":  # y = mean_t v_t of non-spiking units
            direct = np.broadcast_to(d_out / steps, (steps, *d_out.shape))
            deltas[-1] = _through_time(direct, None, neuron)
        else:
            per_step = d_out if net.readout == "count" else d_out / steps
            deltas[-1] = self._spiking_layer(
                np.broadcast_to(per_step, (steps, *per_step.shape)), result, depth - 1, neuron
            )
        for l in range(depth - 2, -1, -1):
            error = self._error(l, deltas, net, feedback)
            deltas[l] = self._spiking_layer(error, result, l, neuron)
        return deltas

    def _spiking_layer(self, error: np.ndarray, result, layer: int, neuron: NeuronParams):
        """BPTT through one spiking layer from ``e_t = dL/ds_t`` to ``dL/dI_t``."""
        v_pre = _pre_reset_membrane(result.step_currents[layer], result.membrane[layer], neuron)
        direct = error * surrogate_derivative(v_pre, neuron.v_th, self.surrogate_slope)
        gate = 1.0 - result.spikes[layer] if neuron.reset == "value" else None
        return _through_time(direct, gate, neuron)


class BP(_GradientRule):
    """Backpropagation: exact gradient (rate mode) or surrogate-gradient BPTT (spiking mode).

    Parameters
    ----------
    loss : {"mse", "cross_entropy"}
        Per-sample loss (`sim.losses`); the estimate is the gradient of its batch mean.
    seed : int
        Seed of the feedback matrices (unused by BP, kept for a uniform constructor).
    surrogate_slope : float
        ``k`` of the fast-sigmoid surrogate ``1 / (1 + k |v - v_th|)^2`` (spiking mode).
    feedback : list of ndarray or None, optional
        Unused by BP.

    Examples
    --------
    >>> net = Network.init([3, 5, 2], np.random.default_rng(0), mode="rate")
    >>> est = BP().estimate(net, np.full((4, 3), 0.5), np.eye(2)[[0, 1, 0, 1]], None)
    >>> [g.shape for g in est.grads]
    [(5, 4), (2, 6)]
    >>> BP().dependencies(3)
    {0: (1,), 1: (2,), 2: ()}
    """

    name = "bp"

    def _error(self, layer, deltas, net, feedback):
        return deltas[layer + 1] @ net.weights[layer + 1][:, :-1]

    def dependencies(self, depth: int) -> dict[int, tuple[int, ...]]:
        """Layer ``l`` waits for the error of layer ``l + 1`` (a chain of ``depth`` stages)."""
        return {l: (l + 1,) if l + 1 < depth else () for l in range(depth)}


class FA(BP):
    """Feedback alignment: BP's backward pass through fixed random matrices ``B_l``.

    Parameters are those of `BP`; ``feedback``, if given, replaces the random matrices: one
    entry per layer, ``feedback[0] = None`` and ``feedback[l]`` of the shape of
    ``W_l[:, :-1]``, carrying layer ``l``'s error to layer ``l - 1`` (``B_l = W_l[:, :-1]``
    gives BP).

    Examples
    --------
    >>> net = Network.init([3, 5, 2], np.random.default_rng(0))
    >>> [None if b is None else b.shape for b in FA(seed=1).feedback(net)]
    [None, (2, 5)]
    """

    name = "fa"

    def _feedback_shapes(self, sizes):
        return [None] + [(n_out, n_in) for n_in, n_out in pairwise(sizes[1:])]

    def _draw(self, layer, shape, sizes):
        rng = stream(self.seed, "feedback", layer)
        return rng.uniform(-1.0, 1.0, shape) / np.sqrt(shape[1])

    def _error(self, layer, deltas, net, feedback):
        return deltas[layer + 1] @ feedback[layer + 1]


class DFA(_GradientRule):
    """Direct feedback alignment: every hidden layer gets the output error via its own ``D_l``.

    The output layer's ``delta_L`` (per step in spiking mode) reaches hidden layer ``l`` as
    ``delta_L D_l``, ``D_l`` fixed random of shape (n_out, n_l); no layer waits for another.
    Parameters are those of `BP`; ``feedback``, if given, replaces the random matrices: one
    entry per layer, ``feedback[l]`` of shape (n_out, n_l) and ``None`` for the output layer.

    Examples
    --------
    >>> net = Network.init([3, 5, 4, 2], np.random.default_rng(0))
    >>> [None if d is None else d.shape for d in DFA().feedback(net)]
    [(2, 5), (2, 4), None]
    >>> DFA().dependencies(3)
    {0: (), 1: (), 2: ()}
    """

    name = "dfa"

    def _feedback_shapes(self, sizes):
        return [(sizes[-1], n) for n in sizes[1:-1]] + [None]

    def _draw(self, layer, shape, sizes):
        rng = stream(self.seed, "feedback", layer)
        return rng.uniform(-1.0, 1.0, shape) / np.sqrt(shape[0])

    def _error(self, layer, deltas, net, feedback):
        return deltas[-1] @ feedback[layer]

    def dependencies(self, depth: int) -> dict[int, tuple[int, ...]]:
        """No layer waits for another: the output error is broadcast (one stage)."""
        return {l: () for l in range(depth)}
