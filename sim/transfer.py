"""Rate transfer functions: the long-presentation limit of the spiking neurons.

``rate(I)`` is the expected number of spikes per step for a constant current ``I``; rate mode
uses it in place of the T-step simulation, and BP in rate mode uses ``rate_derivative``.

* IF (``dv/dt = I/tau``): ``rho = I dt / (tau (v_th - v_reset))`` spikes per step, exact for
  ``reset="subtract"`` (the clipped ReLU of the authors' code when ``dt = tau``, ``v_th = 1``);
  with ``r`` refractory steps each spike costs ``r - 1`` clamped steps: ``rho / (1 + (r-1) rho)``,
  capped at one spike per ``max(r, 1)`` steps.
* LIF with ``reset="value"``: continuous-time inter-spike interval
  ``tau ln((I - v_reset) / (I - v_th))`` plus the clamped steps; exact as ``dt/tau -> 0``.
"""

from __future__ import annotations

import numpy as np

from .neurons import NeuronParams

__all__ = ["check_rate_mode", "rate", "rate_derivative"]


def check_rate_mode(params: NeuronParams) -> None:
    """Raise ValueError if rate mode has no transfer function for these neurons."""
    if params.leak and params.reset != "value":
        raise ValueError(
            "rate mode for LIF neurons needs reset='value' (no closed form for 'subtract')"
        )


def _dead_steps(params: NeuronParams) -> int:
    return max(params.refractory_steps - 1, 0)


def rate(current: np.ndarray, params: NeuronParams) -> np.ndarray:
    """Expected spikes per step for constant ``current``.

    Examples
    --------
    >>> p = NeuronParams(tau=1.0, dt=1.0, leak=False, reset="subtract")
    >>> rate(np.array([-0.5, 0.25, 0.5, 2.0]), p).tolist()
    [0.0, 0.25, 0.5, 1.0]
    """
    check_rate_mode(params)
    current = np.asarray(current)
    if current.dtype not in (np.float32, np.float64):
        current = current.astype(np.float64)
    dead = _dead_steps(params)
    cap = 1.0 / (1 + dead)
    if not params.leak:
        rho = np.maximum(current, 0.0) * (params.dt / (params.tau * (params.v_th - params.v_reset)))
        return np.minimum(rho / (1.0 + dead * rho), cap)
    isi = _lif_interval_steps(current, params)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(isi), np.minimum(1.0 / (isi + dead), cap), 0.0)


def _lif_interval_steps(current: np.ndarray, params: NeuronParams) -> np.ndarray:
    """Continuous-time steps from reset to threshold; inf where ``current <= v_th``."""
    above = current > params.v_th
    safe = np.where(above, current, params.v_th + 1.0)
    steps = params.tau / params.dt * np.log((safe - params.v_reset) / (safe - params.v_th))
    return np.where(above, steps, np.inf)


def rate_derivative(current: np.ndarray, params: NeuronParams) -> np.ndarray:
    """Derivative of `rate` with respect to the current (0 where the rate is flat).

    Examples
    --------
    >>> p = NeuronParams(tau=1.0, dt=1.0, leak=False, reset="subtract")
    >>> rate_derivative(np.array([-0.5, 0.5, 2.0]), p).tolist()
    [0.0, 1.0, 0.0]
    """
    check_rate_mode(params)
    current = np.asarray(current, dtype=np.float64)
    dead = _dead_steps(params)
    cap = 1.0 / (1 + dead)
    r = rate(current, params)
    if not params.leak:
        slope = params.dt / (params.tau * (params.v_th - params.v_reset))
        rho = np.maximum(current, 0.0) * slope
        return np.where((current > 0) & (r < cap), slope / (1.0 + dead * rho) ** 2, 0.0)
    isi = _lif_interval_steps(current, params)
    above = np.isfinite(isi) & (r < cap)
    safe = np.where(above, current, params.v_th + 1.0)
    # d isi / dI = (tau/dt) [1/(I - v_reset) - 1/(I - v_th)]
    disi = params.tau / params.dt * (1.0 / (safe - params.v_reset) - 1.0 / (safe - params.v_th))
    return np.where(above, -(r**2) * disi, 0.0)
