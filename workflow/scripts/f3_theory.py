"""F3 theory (T5): input covariance, projector, initial error, learning rates, curves, sweeps.

``C, P = lowrank_plus_noise_cov(d, k, eps)``; the initial error ``E0`` is the default draw of
`analysis.theory.learning_curve` restricted to span(V) (the teacher lives in the data subspace),
shared by every variant and every replicate, so the theory is the exact expected loss of the
simulation. Variants: gd, np, wp (no projector) and np_loco (NP with projector P).
"""

import json
import sys
from pathlib import Path

import numpy as np

from analysis.anchors.linear_student import COVARIANCE_RULES as RULE
from analysis.theory import learning_curve, lowrank_plus_noise_cov, max_stable_lr, optimal_lr


def main(sm) -> None:
    cfg = sm.params.cfg
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        rng = np.random.default_rng(sm.params.entropy)
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
            print(v, json.dumps(rates[v]))
        np.savez_compressed(sm.output.npz, **arrays)
        Path(sm.output.json).write_text(json.dumps(rates, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
