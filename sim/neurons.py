"""Leaky (LIF) and non-leaky (IF) integrate-and-fire neurons, vectorised over any unit shape.

The model is ``dv/dt = (I - v) / tau`` (LIF) or ``dv/dt = I / tau`` (IF) with the input
current ``I`` held constant within a time step. Each step follows Brian2's default schedule
for a ``NeuronGroup`` with ``threshold="v > v_th"`` and ``refractory=...``:

1. state update (skipped, i.e. ``v`` clamped, while the unit is refractory),
2. strict threshold ``v > v_th`` (refractory units never spike),
3. reset: ``v = v_reset`` (``reset="value"``) or ``v -= v_th - v_reset`` (``"subtract"``).

Refractoriness is counted in whole steps as Brian2 does: a unit that spiked at step ``s`` is
refractory at step ``s + j`` while ``j < floor(refractory / dt + 1e-3)``, so ``refractory <= dt``
has no effect. Times ``tau``, ``dt`` and ``refractory`` share one (arbitrary) unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["NeuronParams", "integrate", "integrate_subthreshold", "simulate_if", "simulate_lif"]

METHODS = ("exact", "euler")
RESETS = ("value", "subtract")


@dataclass(frozen=True)
class NeuronParams:
    """Parameters of an integrate-and-fire population.

    Parameters
    ----------
    tau : float
        Membrane time constant (> 0), same unit as ``dt``.
    dt : float
        Time step (> 0).
    v_th : float
        Firing threshold; must exceed ``v_reset``.
    v_reset : float
        Reset potential.
    refractory : float
        Refractory period (>= 0), counted in whole steps as Brian2 does.
    method : {"exact", "euler"}
        Exponential (exact for step-constant input) or forward-Euler integration.
    reset : {"value", "subtract"}
        Reset to ``v_reset`` or subtract ``v_th - v_reset``.
    leak : bool
        ``True`` for LIF, ``False`` for IF (``dv/dt = I / tau``).

    Examples
    --------
    >>> NeuronParams(tau=10.0, dt=1.0, refractory=2.0).refractory_steps
    2
    >>> NeuronParams(tau=0.0, dt=1.0)
    Traceback (most recent call last):
    ...
    ValueError: tau must be a finite number > 0, got 0.0
    """

    tau: float
    dt: float
    v_th: float = 1.0
    v_reset: float = 0.0
    refractory: float = 0.0
    method: str = "exact"
    reset: str = "value"
    leak: bool = True

    def __post_init__(self) -> None:
        for name in ("tau", "dt"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        for name in ("v_th", "v_reset", "refractory"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)!r}")
        if self.v_th <= self.v_reset:
            raise ValueError(
                f"v_th must exceed v_reset, got v_th={self.v_th}, v_reset={self.v_reset}"
            )
        if self.refractory < 0:
            raise ValueError(f"refractory must be >= 0, got {self.refractory!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.reset not in RESETS:
            raise ValueError(f"reset must be one of {RESETS}, got {self.reset!r}")

    @property
    def refractory_steps(self) -> int:
        """Brian2's ``timestep(refractory, dt)``: refractory length in whole steps."""
        return int((self.refractory + 1e-3 * self.dt) / self.dt)

    @property
    def decay(self) -> float:
        """Per-step factor multiplying ``v - I`` (LIF) under the chosen method."""
        if self.method == "exact":
            return math.exp(-self.dt / self.tau)
        return 1.0 - self.dt / self.tau


def _check_current(current: np.ndarray) -> np.ndarray:
    current = np.asarray(current, dtype=np.float64)
    if current.ndim < 2:
        raise ValueError(f"current must have shape (steps, units...), got shape {current.shape}")
    if not np.all(np.isfinite(current)):
        raise ValueError("current contains non-finite values")
    return current


def integrate(
    current: np.ndarray,
    params: NeuronParams,
    v0: np.ndarray | None = None,
    *,
    record_v: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Simulate a population driven by a step-wise constant current.

    Parameters
    ----------
    current : ndarray, shape (steps, *units)
        Input current per step (e.g. ``(steps, n)`` or ``(steps, batch, n)``).
    params : NeuronParams
        Neuron parameters.
    v0 : ndarray, optional
        Initial membrane potential, broadcastable to ``units``; ``v_reset`` if omitted.
    record_v : bool
        Return the membrane trace (after each step's reset) as well.

    Returns
    -------
    spikes : ndarray of bool, shape (steps, *units)
    v : ndarray of float64, shape (steps, *units), or None if ``record_v`` is False

    Examples
    --------
    >>> p = NeuronParams(tau=1.0, dt=1.0, leak=False, reset="subtract")
    >>> s, v = integrate(np.full((4, 1), 0.6), p)
    >>> s[:, 0].astype(int).tolist(), v[:, 0].round(2).tolist()
    ([0, 1, 0, 1], [0.6, 0.2, 0.8, 0.4])
    """
    current = _check_current(current)
    if v0 is not None:
        v0 = np.asarray(v0, dtype=np.float64)
        if not np.all(np.isfinite(v0)):
            raise ValueError("v0 contains non-finite values")
    return run_unchecked(current, params, v0, record_v)


def run_unchecked(
    current: np.ndarray, params: NeuronParams, v0: np.ndarray | None = None, record_v: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """`integrate` without input validation, for callers that validated once (hot path).

    Computes in the dtype of ``current`` (float64 or float32).
    """
    units = current.shape[1:]
    v = np.full(units, params.v_reset, dtype=current.dtype)
    if v0 is not None:
        v[...] = np.broadcast_to(v0, units)
    spikes = np.empty(current.shape, dtype=bool)
    trace = np.empty(current.shape, dtype=current.dtype) if record_v else None
    ref_steps = params.refractory_steps
    counter = np.zeros(units, dtype=np.int64) if ref_steps > 1 else None
    decay, drive = _linear_step(current, params)
    jump = params.v_th - params.v_reset
    step_v = np.empty(units, dtype=current.dtype) if counter is not None else None
    scratch, keep = np.empty(units, dtype=current.dtype), np.empty(units, dtype=bool)
    for t in range(current.shape[0]):
        spike = spikes[t]
        if counter is None:
            if decay != 1.0:
                v *= decay
            v += drive[t]
            np.greater(v, params.v_th, out=spike)
        else:  # refractory units keep v and cannot spike
            counter -= 1
            active = counter <= 0
            np.multiply(v, decay, out=step_v)
            step_v += drive[t]
            np.copyto(v, step_v, where=active)
            np.greater(v, params.v_th, out=spike)
            spike &= active
            np.copyto(counter, ref_steps, where=spike)
        # resets as arithmetic on the 0/1 spike mask (exact; 4x faster than masked ufuncs)
        if params.reset == "value":
            np.logical_not(spike, out=keep)
            np.multiply(v, keep, out=v)  # 0 where a unit spiked
            if params.v_reset != 0.0:
                np.multiply(spike, params.v_reset, out=scratch)
                v += scratch
        elif jump == 1.0:
            np.subtract(v, spike, out=v)
        else:
            np.multiply(spike, jump, out=scratch)
            v -= scratch
        if trace is not None:
            trace[t] = v
    return spikes, trace


def _linear_step(current: np.ndarray, params: NeuronParams) -> tuple[float, np.ndarray]:
    """``(decay, drive)`` of the sub-threshold step ``v <- decay * v + drive[t]``.

    ``drive = (1 - decay) I`` (LIF) or ``I dt / tau`` (IF), formed for all steps in one
    vectorised pass (once per unit when the current is constant in time).
    """
    if params.leak:
        return params.decay, _scaled(current, 1.0 - params.decay)
    return 1.0, _scaled(current, params.dt / params.tau)


def _scaled(current: np.ndarray, factor: float) -> np.ndarray:
    """``factor * current``, computed once per unit when ``current`` is constant in time."""
    if factor == 1.0:
        return current
    if current.shape[0] > 1 and current.strides[0] == 0:
        return np.broadcast_to(current[0] * factor, current.shape)
    return current * factor


def integrate_subthreshold(current: np.ndarray, params: NeuronParams) -> np.ndarray:
    """Membrane trace (steps, *units) of non-spiking units (no threshold), from ``v_reset``.

    Used for membrane readouts; the update is the same linear step as in `integrate`.

    Examples
    --------
    >>> p = NeuronParams(tau=1.0, dt=1.0, leak=False)
    >>> integrate_subthreshold(np.full((3, 1), 2.0), p)[:, 0].tolist()
    [2.0, 4.0, 6.0]
    """
    return subthreshold_unchecked(_check_current(current), params)


def subthreshold_unchecked(current: np.ndarray, params: NeuronParams) -> np.ndarray:
    """`integrate_subthreshold` without input validation, in the dtype of ``current``."""
    trace = np.empty(current.shape, dtype=current.dtype)
    v = np.full(current.shape[1:], params.v_reset, dtype=current.dtype)
    decay, drive = _linear_step(current, params)
    for t in range(current.shape[0]):
        if decay != 1.0:
            v *= decay
        v += drive[t]
        trace[t] = v
    return trace


def simulate_lif(
    current: np.ndarray,
    *,
    tau: float,
    dt: float,
    v_th: float = 1.0,
    v_reset: float = 0.0,
    refractory: float = 0.0,
    method: str = "exact",
    v0: np.ndarray | None = None,
    reset: str = "value",
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate LIF neurons ``dv/dt = (I - v) / tau`` with Brian2's step semantics.

    Parameters
    ----------
    current : ndarray, shape (steps, n)
        Input current per step and neuron.
    tau, dt, v_th, v_reset, refractory, method, reset
        See `NeuronParams`.
    v0 : ndarray, optional
        Initial potential (default ``v_reset``).

    Returns
    -------
    spikes : ndarray of bool, shape (steps, n)
    v : ndarray of float64, shape (steps, n)
        Membrane potential after the step's reset.

    Examples
    --------
    >>> s, v = simulate_lif(np.full((6, 1), 1.5), tau=1.0, dt=0.5)
    >>> s[:, 0].astype(int).tolist()
    [0, 0, 1, 0, 0, 1]
    """
    current = _check_current(current)
    if current.ndim != 2:
        raise ValueError(f"current must have shape (steps, n), got shape {current.shape}")
    params = NeuronParams(tau, dt, v_th, v_reset, refractory, method, reset, leak=True)
    return integrate(current, params, v0)


def simulate_if(current: np.ndarray, *, tau: float = 1.0, dt: float = 1.0, **kwargs):
    """Simulate non-leaky IF neurons ``dv/dt = I / tau``; arguments as in `simulate_lif`.

    Examples
    --------
    >>> s, _ = simulate_if(np.full((10, 1), 0.25), reset="subtract")
    >>> int(s.sum())
    2
    """
    v0 = kwargs.pop("v0", None)
    params = NeuronParams(tau, dt, leak=False, **kwargs)
    return integrate(current, params, v0)
