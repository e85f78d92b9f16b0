"""analysis.curves (F3): theory, simulation and summary round trip on a tiny linear student."""

import numpy as np

from analysis.anchors.linear_student import loss_curve_stats, simulate_covariance_student
from analysis.curves import curve_theory, curves_summary

CFG = {"N": 4, "d": 20, "k": 3, "eps": 0.3, "steps": 20, "sigma": 0.0, "replicates": 2000,
       "theory_grid": 8, "variants": ["np", "np_loco"], "sweep_variants": ["np_loco"]}  # fmt: skip


def test_simulated_curves_agree_with_the_theory():
    rng = np.random.default_rng(4)
    rates, theory = curve_theory(CFG, rng)

    def simulate(v, eta):
        Q = theory["P"] if v == "np_loco" else None
        loss = simulate_covariance_student(v, theory["C"], Q, theory["E0"], eta, CFG["steps"],
                                           0.0, CFG["replicates"], rng)  # fmt: skip
        return {"eta": eta, **loss_curve_stats(loss)}

    curves = {v: simulate(v, rates[v]["eta_opt"]) for v in CFG["variants"]}
    point = simulate("np_loco", 0.5 * rates["np_loco"]["eta_max"]) | {"ratio": 0.5}
    summary, numbers = curves_summary(theory, rates, curves, [("np_loco", point)], CFG)
    assert numbers["F3.max_abs_z"] < 5 and numbers["F3.n_checks"] > 10
    assert numbers["F3.loco_eta_opt_ratio"] == rates["np_loco"]["eta_opt"] / rates["np"]["eta_opt"]
    assert summary["sweeps"]["np_loco"][0]["ratio"] == 0.5
