"""Brian2 (numpy target) reference runs of the neuron model in `sim.neurons`.

Used by the cross-check tests, the simulator benchmark and figure F9. Brian2 comes with the
``dev`` extra and is imported only when a reference run is asked for. The model is built
exactly as a Brian2 user would write it; the per-step input comes from a ``TimedArray`` copied
into the parameter ``I`` at the start of every step, so ``I`` is constant within a step.
"""

from __future__ import annotations

import numpy as np

__all__ = ["brian2_run"]


def brian2_run(
    current: np.ndarray,
    *,
    tau: float,
    dt: float,
    v_th: float = 1.0,
    v_reset: float = 0.0,
    refractory: float = 0.0,
    method: str = "exact",
    reset: str = "value",
    leak: bool = True,
    v0: np.ndarray | None = None,
    target: str = "numpy",
) -> tuple[np.ndarray, np.ndarray]:
    """Run Brian2 on ``current`` (steps, n); times in ms. Returns (spikes, v) like `sim`."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = target
    steps, n = current.shape
    b2.defaultclock.dt = dt * b2.ms
    drive = b2.TimedArray(np.asarray(current, dtype=np.float64), dt=dt * b2.ms)
    rhs = "(I - v) / tau_m" if leak else "I / tau_m"
    eqs = f"dv/dt = {rhs} : 1 (unless refractory)\nI : 1"
    reset_code = "v = v_reset" if reset == "value" else "v = v - (v_th - v_reset)"
    group = b2.NeuronGroup(
        n,
        eqs,
        threshold="v > v_th",
        reset=reset_code,
        refractory=refractory * b2.ms,
        method=method,
        namespace={"tau_m": tau * b2.ms, "v_th": v_th, "v_reset": v_reset, "drive": drive},
    )
    group.v = v_reset if v0 is None else v0
    group.run_regularly("I = drive(t, i)", when="start")
    v_mon = b2.StateMonitor(group, "v", record=True, when="end")
    s_mon = b2.SpikeMonitor(group)
    b2.run(steps * dt * b2.ms)
    spikes = np.zeros((steps, n), dtype=bool)
    step_index = np.round(np.asarray(s_mon.t / b2.ms) / dt).astype(int)
    spikes[step_index, np.asarray(s_mon.i)] = True
    return spikes, np.asarray(v_mon.v).T.copy()
