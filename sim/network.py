"""Feedforward spiking network of dense layers, in spiking or rate mode.

Layer ``l`` holds ``W_l`` of shape (n_out, n_in + 1); the last column is the bias, so the
learning rules' ``xbar`` (presynaptic rate with a constant 1 appended) multiplies it directly.

Spiking mode simulates ``steps`` time steps per presentation, layer by layer: all steps of a
layer's input current come from one GEMM ``(steps * batch, n_in) @ W.T`` (spikes cross a layer
within the same step, no delays), then the neurons integrate over time vectorised over
(batch, units). Rate mode replaces the simulation by the transfer function of `sim.transfer`
using the same weights. Learning-rule hooks: a perturbation current per layer (held over the
presentation, shape (batch, n), or fresh per step, shape (steps, batch, n)); per-layer
presynaptic rates and mean currents in every `Pass`; the per-step activity on request; and the
input drive is encoded once by `Network.encode` so two passes can share the same input spikes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from .encoders import ENCODERS, encode
from .neurons import NeuronParams, integrate_subthreshold, run_unchecked, subthreshold_unchecked
from .transfer import check_rate_mode, rate, rate_derivative

__all__ = ["DTYPES", "MODES", "PERTURB", "READOUTS", "Network", "Pass"]

MODES = ("spiking", "rate")
READOUTS = ("rate", "count", "membrane")
DTYPES = ("float64", "float32")
PERTURB = ("current", "activity")

DEFAULT_NEURON = NeuronParams(tau=1.0, dt=1.0, v_th=1.0, v_reset=0.0, reset="subtract", leak=False)


@dataclass
class Pass:
    """What one forward pass exposes to learning rules.

    Attributes
    ----------
    output : ndarray (batch, n_out)
        The readout, float64.
    layer_inputs, layer_currents : lists of ndarray
        Every layer's presynaptic activity (layer 0: the input drive) and input current
        (perturbation included), as simulated: (batch, n) when constant over the presentation,
        else (steps, batch, n).
    pre_rates, currents : lists of ndarray (batch, n)
        Their time averages, computed on first access (a pass whose averages no rule reads
        does not pay for them).
    pre_steps, step_currents, spikes, membrane : lists of ndarray (steps, batch, n)
        Per-step presynaptic activity, input currents, output spikes and membrane potential
        (after reset) of every layer; filled only by ``record=True`` in spiking mode.
    input_current : ndarray
        Layer 0's input current before the perturbation (see ``Network.forward(reuse=...)``).
    """

    output: np.ndarray
    layer_inputs: list[np.ndarray]
    layer_currents: list[np.ndarray]
    pre_steps: list[np.ndarray] = field(default_factory=list)
    step_currents: list[np.ndarray] = field(default_factory=list)
    spikes: list[np.ndarray] = field(default_factory=list)
    membrane: list[np.ndarray] = field(default_factory=list)
    input_current: np.ndarray | None = None

    @functools.cached_property
    def pre_rates(self) -> list[np.ndarray]:
        return [_time_average(x) for x in self.layer_inputs]

    @functools.cached_property
    def currents(self) -> list[np.ndarray]:
        return [_time_average(c) for c in self.layer_currents]


def _time_average(a: np.ndarray) -> np.ndarray:
    return a if a.ndim == 2 else a.mean(axis=0)


@dataclass
class Network:
    """A stack of dense layers of integrate-and-fire neurons.

    Parameters
    ----------
    weights : list of ndarray
        ``W_l`` of shape (n_l, n_{l-1} + 1), bias in the last column.
    neuron : NeuronParams
        Neuron parameters shared by all layers (default: IF, ``dt = tau``, reset by
        subtraction, whose rate transfer is the clipped ReLU ``clip(I, 0, 1)``).
    steps : int
        Time steps per presentation (spiking mode).
    mode : {"spiking", "rate"}
    readout : {"rate", "count", "membrane"}
        Output spike rate (spikes per step), spike count, or time-averaged membrane potential
        of non-spiking output units (rate mode: its exact value for a constant current).
    encoder : {"current", "bernoulli", "poisson"}
        Input encoding used by `encode` (see `sim.encoders`).
    dtype : {"float64", "float32"}
        Compute precision of the passes (currents, membrane, activity). The weights stay
        float64 (the optimiser adds small steps to them) and are rounded to ``dtype`` for each
        pass; the readout is returned in float64, so loss differences are formed in float64.
        float32 roughly halves the cost of the matrix products; exactness against Brian2 is a
        float64 guarantee.
    perturb : {"current", "activity"}
        Where `forward`'s perturbation enters: each layer's input current, or (rate mode) its
        output activity after the transfer function, as in the authors' code (the readout for
        the last layer); see `activity_derivative`.

    Examples
    --------
    >>> net = Network.init([4, 8, 3], np.random.default_rng(0), steps=10)
    >>> x = np.full((2, 4), 0.5)
    >>> net.forward(net.encode(x)).output.shape
    (2, 3)
    """

    weights: list[np.ndarray]
    neuron: NeuronParams = DEFAULT_NEURON
    steps: int = 20
    mode: str = "spiking"
    readout: str = "rate"
    encoder: str = "current"
    dtype: str = "float64"
    perturb: str = "current"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}, got {self.readout!r}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, got {self.encoder!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.perturb not in PERTURB:
            raise ValueError(f"perturb must be one of {PERTURB}, got {self.perturb!r}")
        if self.perturb == "activity" and self.mode != "rate":
            raise ValueError("perturb='activity' needs mode='rate' (noise on rates, not spikes)")
        if not (isinstance(self.steps, int | np.integer) and self.steps >= 1):
            raise ValueError(f"steps must be an integer >= 1, got {self.steps!r}")
        if not self.weights:
            raise ValueError("weights must hold at least one layer")
        if self.mode == "rate":
            check_rate_mode(self.neuron)
        self.weights = [np.ascontiguousarray(w, dtype=np.float64) for w in self.weights]
        for l, w in enumerate(self.weights):
            if w.ndim != 2 or w.shape[1] < 2:
                raise ValueError(f"weights[{l}] must have shape (n_out, n_in + 1), got {w.shape}")
            if l and w.shape[1] != self.weights[l - 1].shape[0] + 1:
                raise ValueError(
                    f"weights[{l}] expects {w.shape[1] - 1} inputs but layer {l - 1} has "
                    f"{self.weights[l - 1].shape[0]} units"
                )

    @classmethod
    def init(
        cls,
        sizes: list[int],
        rng: np.random.Generator,
        *,
        gain: float = 1.0,
        output_scale: float = 1.0,
        **kwargs,
    ) -> Network:
        """Network with layer sizes ``sizes`` (input first) and uniform random weights.

        Weights and biases are drawn from ``U(-gain/sqrt(n_in), gain/sqrt(n_in))``; the output
        layer's weights (not its bias) are then multiplied by ``output_scale`` (the authors'
        code: 0.1).
        """
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes needs >= 2 positive layer sizes, got {sizes}")
        if not gain > 0:
            raise ValueError(f"gain must be > 0, got {gain!r}")
        if not output_scale > 0:
            raise ValueError(f"output_scale must be > 0, got {output_scale!r}")
        weights = [
            rng.uniform(-1.0, 1.0, (n_out, n_in + 1)) * (gain / np.sqrt(n_in))
            for n_in, n_out in pairwise(sizes)
        ]
        weights[-1][:, :-1] *= output_scale
        return cls(weights, **kwargs)

    @property
    def depth(self) -> int:
        """Number of weight layers."""
        return len(self.weights)

    @property
    def sizes(self) -> list[int]:
        """Layer sizes, input first."""
        return [self.weights[0].shape[1] - 1] + [w.shape[0] for w in self.weights]

    def encode(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Input drive for `forward`: intensities in rate mode, encoded input in spiking mode."""
        if np.shape(x)[-1:] != (self.sizes[0],):
            raise ValueError(f"inputs must have {self.sizes[0]} features, got shape {np.shape(x)}")
        if self.mode == "rate":
            return encode(x, "current", self.steps, None)
        return encode(x, self.encoder, self.steps, rng)

    def forward(
        self,
        drive: np.ndarray,
        perturbation: list[np.ndarray | None] | None = None,
        *,
        record: bool = False,
        reuse: Pass | None = None,
    ) -> Pass:
        """Run one presentation of the encoded input ``drive`` (from `encode`).

        ``perturbation[l]`` is added to layer ``l``'s input current: shape (batch, n_l) is
        held over the presentation, (steps, batch, n_l) is fresh per step (spiking mode only).
        ``reuse``: an earlier pass of the same drive through the same weights, whose first-layer
        input current (it does not depend on the perturbation) is taken instead of recomputed.
        """
        self._check_perturbation(drive, perturbation)
        if self.mode == "rate":
            return self._forward_rate(drive, perturbation, reuse)
        return self._forward_spiking(drive, perturbation, record, reuse)

    def _check_perturbation(self, drive: np.ndarray, perturbation) -> None:
        if perturbation is None:
            return
        if len(perturbation) != self.depth:
            raise ValueError(
                f"perturbation needs one entry per layer ({self.depth}), got {len(perturbation)}"
            )
        batch = drive.shape[-2]
        for l, xi in enumerate(perturbation):
            if xi is None:
                continue
            held = (batch, self.weights[l].shape[0])
            allowed = [held] if self.mode == "rate" else [held, (self.steps, *held)]
            if xi.shape not in allowed:
                raise ValueError(f"perturbation[{l}] must have shape in {allowed}, got {xi.shape}")

    def _membrane_response(self) -> tuple[float, float]:
        """(offset, gain): time-averaged subthreshold membrane is offset + gain * current."""
        probe = np.broadcast_to([0.0, 1.0], (self.steps, 2))
        offset, at_one = integrate_subthreshold(probe, self.neuron).mean(axis=0)
        return float(offset), float(at_one - offset)

    def _input_current(self, l: int, x: np.ndarray, reuse: Pass | None) -> np.ndarray:
        """``x W_l^T + b_l`` in the pass's dtype, for (..., n_in) inputs: one GEMM."""
        if l == 0 and reuse is not None and reuse.input_current is not None:
            return reuse.input_current.copy()
        w = self.weights[l].astype(self.dtype, copy=False)
        flat = x.reshape(-1, x.shape[-1]).astype(self.dtype, copy=False)
        current = (flat @ w[:, :-1].T).reshape(*x.shape[:-1], -1)
        current += w[:, -1]
        return current

    def _perturbed(self, current: np.ndarray, perturbation, l: int) -> np.ndarray:
        if perturbation is None or perturbation[l] is None:
            return current
        xi = perturbation[l].astype(self.dtype, copy=False)
        if xi.shape == current.shape:
            current += xi
            return current
        return current + xi  # a per-step perturbation of a current held over the steps

    def activity_derivative(self, l: int, current: np.ndarray) -> np.ndarray:
        """d(activity of layer ``l``)/d(its input current), rate mode: the transfer function's
        slope for hidden layers, the readout's for the last (membrane: its constant gain)."""
        if l < self.depth - 1 or self.readout == "rate":
            return rate_derivative(current, self.neuron)
        if self.readout == "count":
            return self.steps * rate_derivative(current, self.neuron)
        return np.full_like(current, self._membrane_response()[1])

    def _forward_rate(self, x: np.ndarray, perturbation, reuse: Pass | None) -> Pass:
        result = Pass(None, [], [])  # type: ignore[arg-type]
        on_activity = self.perturb == "activity"
        for l in range(self.depth):
            result.layer_inputs.append(x)
            current = self._input_current(l, x, reuse)
            if l == 0:
                result.input_current = current.copy() if perturbation is not None else current
            if not on_activity:
                current = self._perturbed(current, perturbation, l)
            result.layer_currents.append(current)
            if l == self.depth - 1 and self.readout == "membrane":
                offset, gain = self._membrane_response()
                x = offset + gain * current
            else:
                x = rate(current, self.neuron)
                if l == self.depth - 1 and self.readout == "count":
                    x = x * self.steps
            if on_activity:
                x = self._perturbed(x, perturbation, l)
        result.output = x.astype(np.float64)
        return result

    def _forward_spiking(self, x: np.ndarray, perturbation, record: bool, reuse) -> Pass:
        result = Pass(None, [], [])  # type: ignore[arg-type]
        for l in range(self.depth):
            result.layer_inputs.append(x)
            current = self._input_current(l, x, reuse)
            if l == 0:
                result.input_current = current.copy() if perturbation is not None else current
            current = self._perturbed(current, perturbation, l)
            steps_current = np.broadcast_to(current, (self.steps, *current.shape[-2:]))
            result.layer_currents.append(current)
            if record:
                result.pre_steps.append(np.broadcast_to(x, (self.steps, *x.shape[-2:])))
                result.step_currents.append(steps_current)
            if l == self.depth - 1 and self.readout == "membrane":
                trace = subthreshold_unchecked(steps_current, self.neuron)
                if record:
                    result.membrane.append(trace)
                result.output = trace.mean(axis=0, dtype=np.float64)
                return result
            spikes, v = run_unchecked(steps_current, self.neuron, record_v=record)
            x = spikes.astype(self.dtype)
            if record:
                result.spikes.append(x)
                result.membrane.append(v)
        out = x.sum(axis=0) if self.readout == "count" else x.mean(axis=0)
        result.output = out.astype(np.float64)
        return result
