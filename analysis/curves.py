"""F3: learning curves of the linear student, theory (T5) against simulation.

`curve_theory`: input covariance, projector, initial error, learning rates, curves, sweeps.

``C, P = lowrank_plus_noise_cov(d, k, eps)``; the initial error ``E0`` is the default draw of
`analysis.theory.learning_curve` restricted to span(V) (the teacher lives in the data subspace),
shared by every variant and every replicate, so the theory is the exact expected loss of the
simulation. Variants: gd, np, wp (no projector) and np_loco (NP with projector P).

`curves_summary`: simulated curves and sweeps next to the theory, z-scores, and the numbers.

z-scores compare the replicate-mean loss with the exact expected loss at ~12 log-spaced steps
of every curve and at the last step of every sweep point below the predicted stability edge
(above it the mean square diverges and sample means are not informative).
"""

from __future__ import annotations

import numpy as np

from .anchors.linear_student import COVARIANCE_RULES as RULE
from .theory import learning_curve, lowrank_plus_noise_cov, max_stable_lr, optimal_lr

__all__ = ["curve_theory", "curves_summary"]


def curve_theory(cfg: dict, rng: np.random.Generator) -> tuple[dict, dict]:
    """F3's theory (T5): ``(rates, arrays)``; per variant its optimal, maximal and best rates
    and losses, and the arrays ``C``, ``P``, ``E0``, ``curve_<v>``, ``sweep_eta_<v>``,
    ``sweep_loss_<v>`` (see the module docstring)."""
    n, d, steps, sigma = cfg["N"], cfg["d"], cfg["steps"], cfg["sigma"]
    C, P = lowrank_plus_noise_cov(d, cfg["k"], cfg["eps"], rng)
    E0 = rng.standard_normal((n, d)) / np.sqrt(d) @ P
    rates, arrays = {}, {"C": C, "P": P, "E0": E0}
    for v in sorted(set(cfg["variants"]) | set(cfg["sweep_variants"])):
        rule, Q = RULE[v], (P if v == "np_loco" else None)
        eta_opt, eta_max = optimal_lr(rule, C, n, Q), max_stable_lr(rule, C, n, Q)
        curve = learning_curve(rule, C, n, eta_opt, steps, sigma, Q, E0)
        etas = np.linspace(eta_max / cfg["theory_grid"], 1.2 * eta_max, cfg["theory_grid"])
        final = np.array([learning_curve(rule, C, n, e, steps, sigma, Q, E0)[-1] for e in etas])
        best = int(np.argmin(final))
        rates[v] = {
            "rule": rule,
            "projected": Q is not None,
            "eta_opt": eta_opt,
            "eta_max": eta_max,
            "eta_best_at_steps": float(etas[best]),
            "loss0": float(curve[0]),
            "loss_final_at_eta_opt": float(curve[-1]),
            "loss_final_at_eta_best": float(final[best]),
        }
        arrays[f"curve_{v}"] = curve
        arrays[f"sweep_eta_{v}"] = etas
        arrays[f"sweep_loss_{v}"] = final
    return rates, arrays


def curves_summary(
    theory: dict, rates: dict, curves_in: dict, sweeps_in: list, cfg: dict
) -> tuple[dict, dict]:
    """F3's summary and numbers: ``theory`` and ``rates`` of `curve_theory`, ``curves_in``
    {variant: simulated curve (`loss_curve_stats` with eta)}, ``sweeps_in`` [(variant,
    simulated sweep point)], ``cfg`` the F3 settings."""
    steps = cfg["steps"]
    checks = np.unique(np.geomspace(1, steps, 12).astype(int))
    curves, sweeps, zs = {}, {}, []
    for v, sim in curves_in.items():
        pred = theory[f"curve_{v}"]
        z = (sim["mean"][checks] - pred[checks]) / sim["se"][checks]
        zs += list(np.abs(z))
        curves[v] = {
            "eta": float(sim["eta"]),
            "steps": list(range(steps + 1)),
            "mean": sim["mean"].tolist(),
            "se": sim["se"].tolist(),
            "theory": pred.tolist(),
            "max_abs_z": float(np.max(np.abs(z))),
            "diverged": float(sim["diverged"]),
        }
    for v, sim in sweeps_in:
        Q = theory["P"] if v == "np_loco" else None
        eta, ratio = float(sim["eta"]), float(sim["ratio"])
        pred = learning_curve(RULE[v], theory["C"], cfg["N"], eta, steps, cfg["sigma"], Q,
                              theory["E0"])[-1]  # fmt: skip
        entry = {"eta": eta, "ratio": ratio, "mean": float(sim["mean"][-1]),
                 "se": float(sim["se"][-1]), "median": float(sim["median"][-1]),
                 "diverged": float(sim["diverged"]), "theory": float(pred)}  # fmt: skip
        if ratio < 1 and np.isfinite(entry["se"]) and entry["se"] > 0:
            entry["z"] = (entry["mean"] - pred) / entry["se"]
            zs.append(abs(entry["z"]))
        sweeps.setdefault(v, []).append(entry)
    for v in sweeps:
        sweeps[v].sort(key=lambda e: e["eta"])
    summary = {"rates": rates, "curves": curves, "sweeps": sweeps, "config": dict(cfg)}

    numbers = {"F3.max_abs_z": float(max(zs)), "F3.n_checks": len(zs)}
    for key in ("N", "d", "k", "eps", "steps", "replicates"):
        numbers[f"F3.{key}"] = cfg[key]
    for v, r in rates.items():
        for key in ("eta_opt", "eta_max", "eta_best_at_steps", "loss0", "loss_final_at_eta_opt",
                    "loss_final_at_eta_best"):  # fmt: skip
            numbers[f"F3.{key}.{v}"] = r[key]
    if "np" in rates and "np_loco" in rates:
        np_, lo = rates["np"], rates["np_loco"]
        numbers["F3.loco_eta_opt_ratio"] = lo["eta_opt"] / np_["eta_opt"]
        numbers["F3.loco_eta_max_ratio"] = lo["eta_max"] / np_["eta_max"]
        numbers["F3.loco_eta_best_ratio"] = lo["eta_best_at_steps"] / np_["eta_best_at_steps"]
        numbers["F3.loco_loss_ratio_at_best"] = (
            np_["loss_final_at_eta_best"] / lo["loss_final_at_eta_best"]
        )
        d, k, eps = cfg["d"], cfg["k"], cfg["eps"]
        # T5 rule of thumb for the gain in optimal rate (white-input reasoning).
        numbers["F3.loco_eta_ratio_rule_of_thumb"] = (k + eps**2 * d + 2) / ((k + 2) * (1 + eps**2))
    for v, c in curves.items():
        numbers[f"F3.sim_loss_final.{v}"] = c["mean"][-1]
    return summary, numbers
