"""Brian2 (numpy target) reference runs of the neuron model in `sim.neurons`.

Used by the cross-check tests, the simulator benchmark and figure F9. Brian2 comes with the
``dev`` extra and is imported only when a reference run is asked for. The model is built
exactly as a Brian2 user would write it; the per-step input comes from a ``TimedArray`` copied
into the parameter ``I`` at the start of every step, so ``I`` is constant within a step.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["brian2_run", "compare_with_brian2"]


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


def compare_with_brian2(
    params: dict, steps: int, neurons: int, rng: np.random.Generator
) -> tuple[dict, dict]:
    """`sim.neurons.integrate` against Brian2 on one parameter set (F9): ``(stats, traces)``.

    Input currents are fresh each step (mean 1.2, sd 1.5 in units of ``v_th - v_reset``, so
    sub- and supra-threshold dynamics, resets and refractoriness are all exercised); initial
    potentials are uniform between reset and threshold. ``stats``: spike counts, mismatches,
    the first mismatching step and the largest potential difference; ``traces``: the inputs
    and both simulations' spikes and potentials, and both wall times (``seconds_*``).
    """
    from .neurons import NeuronParams, integrate

    p = NeuronParams(**params)
    current = rng.normal(1.2, 1.5, (steps, neurons)) * (p.v_th - p.v_reset) + p.v_reset
    v0 = rng.uniform(p.v_reset, p.v_th, neurons)
    t0 = time.perf_counter()
    ours_s, ours_v = integrate(current, p, v0)
    t1 = time.perf_counter()
    # Brian2's "exact" integrator rejects dv/dt = I/tau; forward Euler is exact for IF.
    method = p.method if p.leak else "euler"
    ref_s, ref_v = brian2_run(
        current, tau=p.tau, dt=p.dt, v_th=p.v_th, v_reset=p.v_reset, refractory=p.refractory,
        method=method, reset=p.reset, leak=p.leak, v0=v0,
    )  # fmt: skip
    t2 = time.perf_counter()
    mismatch = ours_s != ref_s
    first = np.flatnonzero(mismatch.any(axis=1))
    stats = {
        "parameters": dict(params),
        "steps": steps,
        "neurons": neurons,
        "spikes_ours": int(ours_s.sum()),
        "spikes_brian2": int(ref_s.sum()),
        "spike_mismatches": int(mismatch.sum()),
        "spike_trains_identical": bool(not mismatch.any()),
        "first_mismatch_step": int(first[0]) if first.size else None,
        "max_abs_dv": float(np.max(np.abs(ours_v - ref_v))),
    }
    traces = {
        "current": current, "v0": v0, "dt": p.dt, "v_th": p.v_th, "ours_spikes": ours_s,
        "ours_v": ours_v, "brian2_spikes": ref_s, "brian2_v": ref_v,
        "seconds_ours": t1 - t0, "seconds_brian2": t2 - t1,
    }  # fmt: skip
    return stats, traces
