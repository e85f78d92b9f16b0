"""F3 summary: simulated curves and sweeps next to the theory, z-scores, and the numbers.

z-scores compare the replicate-mean loss with the exact expected loss at ~12 log-spaced steps
of every curve and at the last step of every sweep point below the predicted stability edge
(above it the mean square diverges and sample means are not informative).
"""

import json
from pathlib import Path

import numpy as np
from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.theory import learning_curve

RULE = {"gd": "gd", "np": "np", "wp": "wp", "np_loco": "np"}


def main(sm) -> None:
    cfg = sm.params.cfg
    theory = np.load(sm.input.theory)
    rates = json.loads(Path(sm.input.rates).read_text())
    steps = cfg["steps"]
    checks = np.unique(np.geomspace(1, steps, 12).astype(int))
    curves, sweeps, zs = {}, {}, []
    for path in sm.input.curves:
        v = Path(path).stem
        sim = np.load(path)
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
    for path in sm.input.sweeps:
        sim = np.load(path)
        v = Path(path).stem.rsplit("_r", 1)[0]
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
    write_summary(sm, summary, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
