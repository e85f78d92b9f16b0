"""F4 external anchors (T6): one job per rule / input rank / hidden width (wildcards).

* werfel/{rule}: convergence rate at the optimal learning rate, white inputs, realisable
  (`analysis.anchors.measure_optimal_rates`) against `werfel_optimal`.
* zuege/k{k}: WP with inputs white on a k-dim subspace of R^d at its optimal rate for k; measured
  rate against the prediction with k (effective dimension) and with the ambient d.
* zuege/floor: NP at its optimal rate with an unrealisable target (output noise); late mean loss
  over E_opt against `zuege_asymptotic_loss` (about 2 E_opt).
* hiratani/Lh{h}: fraction of diverged runs of NP in the two-layer linear student against the
  learning rate in units of the predicted critical rate (`hiratani_stability_edge`).
"""

import json
import sys
from pathlib import Path

import numpy as np

from analysis.anchors import (
    hiratani_stability_edge,
    measure_optimal_rates,
    simulate_linear_student,
    werfel_optimal,
    zuege_asymptotic_loss,
    zuege_contraction,
    zuege_effective_dimension,
)
from analysis.rates import fit_rate


def werfel(cfg: dict, rule: str, rng: np.random.Generator) -> dict:
    n, d = cfg["N"], cfg["d"]
    pred = werfel_optimal(rule, n, d)
    trials = int(np.ceil(cfg["efolds"] / pred.rate))
    fit = measure_optimal_rates(n, d, {rule: trials}, replicates=cfg["replicates"], rng=rng)[rule]
    return {"rule": rule, "N": n, "d": d, "trials": trials, "eta": pred.eta_opt,
            "rate_predicted": pred.rate, "rate_measured": -fit.rate, "rate_se": fit.rate_se,
            "z": (-fit.rate - pred.rate) / fit.rate_se}  # fmt: skip


def zuege_rank(cfg: dict, k: int, rng: np.random.Generator) -> dict:
    n, d = cfg["N"], cfg["d"]
    if k > d:
        raise ValueError(f"F4.zuege.ranks: k={k} exceeds d={d}")
    pred = werfel_optimal("wp", n, k)
    trials = int(np.ceil(cfg["efolds"] / pred.rate))
    run = simulate_linear_student("wp", n, d, pred.eta_opt, trials, input_rank=k,
                                  replicates=cfg["replicates"], rng=rng,
                                  record_every=max(1, trials // 200))  # fmt: skip
    fit = fit_rate(run.loss, run.t, window=(0.1 * trials, trials + 1))
    a_ambient, _ = zuege_contraction("wp", n, d, pred.eta_opt)
    basis = np.linalg.qr(rng.standard_normal((d, k)))[0]
    return {"k": k, "N": n, "d": d, "trials": trials, "eta": pred.eta_opt,
            "effective_dimension": zuege_effective_dimension(basis @ basis.T),
            "rate_predicted": pred.rate, "rate_predicted_ambient": float(-np.log(a_ambient)),
            "rate_measured": -fit.rate, "rate_se": fit.rate_se,
            "z": (-fit.rate - pred.rate) / fit.rate_se}  # fmt: skip


def zuege_floor(cfg: dict, rng: np.random.Generator) -> dict:
    n, d, k, s = cfg["N"], cfg["d"], cfg["floor_k"], cfg["output_noise"]
    pred = werfel_optimal("np", n, k)
    trials = int(np.ceil(8 / pred.rate))  # 8 e-folds: the transient is gone
    run = simulate_linear_student("np", n, d, pred.eta_opt, trials, input_rank=k,
                                  output_noise=s, replicates=cfg["replicates"], rng=rng,
                                  record_every=max(1, trials // 400))  # fmt: skip
    late = run.t >= 0.5 * trials
    per_rep = run.loss[:, late].mean(axis=1) / run.e_opt
    expected = zuege_asymptotic_loss("np", n, k, pred.eta_opt, run.e_opt) / run.e_opt
    se = float(per_rep.std(ddof=1) / np.sqrt(per_rep.size))
    curve = (run.loss.mean(axis=0) / run.e_opt).tolist()
    z = float((per_rep.mean() - expected) / se)
    return {"N": n, "d": d, "k": k, "output_noise": s, "eta": pred.eta_opt, "trials": trials,
            "t": run.t.tolist(), "mean_loss_over_eopt": curve,
            "asymptote_measured": float(per_rep.mean()), "asymptote_se": se,
            "asymptote_predicted": expected, "z": z}  # fmt: skip


def hiratani(cfg: dict, lh: int, rng: np.random.Generator) -> dict:
    scan = hiratani_stability_edge(cfg["Lx"], lh, cfg["Ly"], cfg["ratios"], cfg["steps"],
                                   replicates=cfg["replicates"], rng=rng)  # fmt: skip
    return {"Lx": cfg["Lx"], "Lh": lh, "Ly": cfg["Ly"], "eta_star": scan.eta_star,
            "ratios": scan.ratios.tolist(), "diverged_fraction": scan.diverged_fraction.tolist(),
            "edge_ratio": scan.edge_ratio, "steps": cfg["steps"],
            "replicates": cfg["replicates"]}  # fmt: skip


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        cfg, what, arg = sm.params.cfg, sm.params.anchor, sm.params.arg
        rng = np.random.default_rng(sm.params.entropy)
        if what == "werfel":
            result = werfel(cfg, arg, rng)
        elif what == "zuege" and arg == "floor":
            result = zuege_floor(cfg, rng)
        elif what == "zuege":
            result = zuege_rank(cfg, int(arg), rng)
        else:
            result = hiratani(cfg, int(arg), rng)
        text = json.dumps(result, indent=1, sort_keys=True)
        print(text)
        Path(sm.output[0]).write_text(text + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
