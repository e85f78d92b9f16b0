"""F4 external anchors (T6): the checks behind each job and their summary.

One check per rule / input rank / hidden width (`anchor_check`, one workflow job each):

* werfel/{rule}: convergence rate at the optimal learning rate, white inputs, realisable
  (`analysis.anchors.measure_optimal_rates`) against `werfel_optimal`.
* zuege/k{k}: WP with inputs white on a k-dim subspace of R^d at its optimal rate for k; measured
  rate against the prediction with k (effective dimension) and with the ambient d.
* zuege/floor: NP at its optimal rate with an unrealisable target (output noise); late mean loss
  over E_opt against `zuege_asymptotic_loss` (about 2 E_opt).
* hiratani/Lh{h}: fraction of diverged runs of NP in the two-layer linear student against the
  learning rate in units of the predicted critical rate (`hiratani_stability_edge`).

`anchors_summary` collects them, with z-scores against the closed forms.
"""

from __future__ import annotations

import numpy as np

from analysis.anchors.hiratani import hiratani_stability_edge
from analysis.anchors.linear_student import simulate_linear_student
from analysis.anchors.werfel import measure_optimal_rates, werfel_optimal, werfel_ratios
from analysis.anchors.zuege import (
    zuege_asymptotic_loss,
    zuege_contraction,
    zuege_effective_dimension,
)
from analysis.estimators import ratio_with_se
from analysis.rates import fit_rate

__all__ = ["anchor_check", "anchors_summary"]


def werfel_check(cfg: dict, rule: str, rng: np.random.Generator) -> dict:
    """Convergence rate of ``rule`` at its optimal rate against `werfel_optimal`."""
    n, d = cfg["N"], cfg["d"]
    pred = werfel_optimal(rule, n, d)
    trials = int(np.ceil(cfg["efolds"] / pred.rate))
    fit = measure_optimal_rates(n, d, {rule: trials}, replicates=cfg["replicates"], rng=rng)[rule]
    return {"rule": rule, "N": n, "d": d, "trials": trials, "eta": pred.eta_opt,
            "rate_predicted": pred.rate, "rate_measured": -fit.rate, "rate_se": fit.rate_se,
            "z": (-fit.rate - pred.rate) / fit.rate_se}  # fmt: skip


def zuege_rank_check(cfg: dict, k: int, rng: np.random.Generator) -> dict:
    """WP's rate with inputs on a ``k``-dim subspace against the predictions with k and d."""
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


def zuege_floor_check(cfg: dict, rng: np.random.Generator) -> dict:
    """NP's late loss over E_opt (unrealisable target) against `zuege_asymptotic_loss`."""
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


def hiratani_check(cfg: dict, lh: int, rng: np.random.Generator) -> dict:
    """Diverged fraction against the rate in units of the predicted critical rate."""
    scan = hiratani_stability_edge(cfg["Lx"], lh, cfg["Ly"], cfg["ratios"], cfg["steps"],
                                   replicates=cfg["replicates"], rng=rng)  # fmt: skip
    return {"Lx": cfg["Lx"], "Lh": lh, "Ly": cfg["Ly"], "eta_star": scan.eta_star,
            "ratios": scan.ratios.tolist(), "diverged_fraction": scan.diverged_fraction.tolist(),
            "edge_ratio": scan.edge_ratio, "steps": cfg["steps"],
            "replicates": cfg["replicates"]}  # fmt: skip


def anchor_check(anchor: str, arg: str, cfg: dict, rng: np.random.Generator) -> dict:
    """One F4 job: ``anchor`` werfel (``arg`` a rule), zuege (``arg`` a rank or "floor") or
    hiratani (``arg`` the hidden width)."""
    if anchor == "werfel":
        return werfel_check(cfg, arg, rng)
    if anchor == "zuege":
        return (
            zuege_floor_check(cfg, rng) if arg == "floor" else zuege_rank_check(cfg, int(arg), rng)
        )
    return hiratani_check(cfg, int(arg), rng)


def anchors_summary(checks: list[tuple[str, str, dict]]) -> tuple[dict, dict]:
    """F4's summary and numbers from the ``(anchor, arg, result)`` of every `anchor_check`:
    measured against predicted rates and ratios, the Zuege floor, the Hiratani edges and the
    largest |z| over all checks."""
    runs = {"werfel": {}, "zuege": {}, "floor": None, "hiratani": {}}
    for anchor, arg, data in checks:
        if anchor == "werfel":
            runs["werfel"][arg] = data
        elif arg == "floor":
            runs["floor"] = data
        elif anchor == "zuege":
            runs["zuege"][int(arg)] = data
        else:
            runs["hiratani"][int(arg)] = data
    numbers, zs = {}, []
    w = runs["werfel"]
    for rule, r in w.items():
        numbers[f"F4.werfel.rate_measured.{rule}"] = r["rate_measured"]
        numbers[f"F4.werfel.rate_predicted.{rule}"] = r["rate_predicted"]
        zs.append(abs(r["z"]))
    ratios = {}
    if w:
        any_run = next(iter(w.values()))
        pred = werfel_ratios(any_run["N"], any_run["d"])
        numbers["F4.werfel.N"], numbers["F4.werfel.d"] = any_run["N"], any_run["d"]
        for name, slow, fast in (("np_vs_gd", "np", "gd"), ("wp_vs_np", "wp", "np"),
                                 ("sequential_vs_parallel", "np_sequential", "np")):  # fmt: skip
            if slow in w and fast in w:
                q, se = ratio_with_se(w[fast]["rate_measured"], w[fast]["rate_se"],
                                      w[slow]["rate_measured"], w[slow]["rate_se"])  # fmt: skip
                ratios[name] = {"measured": q, "se": se, "predicted": pred[name],
                                "limit": pred[f"{name}_limit"]}  # fmt: skip
                numbers[f"F4.werfel.{name}.measured"] = q
                numbers[f"F4.werfel.{name}.se"] = se
                numbers[f"F4.werfel.{name}.predicted"] = pred[name]
                numbers[f"F4.werfel.{name}.limit"] = pred[f"{name}_limit"]
    for k, r in sorted(runs["zuege"].items()):
        numbers[f"F4.zuege.rate_measured.k{k}"] = r["rate_measured"]
        numbers[f"F4.zuege.rate_predicted.k{k}"] = r["rate_predicted"]
        zs.append(abs(r["z"]))
    if runs["zuege"]:
        r = next(iter(runs["zuege"].values()))
        numbers["F4.zuege.N"], numbers["F4.zuege.d"] = r["N"], r["d"]
    f = runs["floor"]
    if f:
        numbers["F4.zuege.floor_measured"] = f["asymptote_measured"]
        numbers["F4.zuege.floor_se"] = f["asymptote_se"]
        numbers["F4.zuege.floor_predicted"] = f["asymptote_predicted"]
        numbers["F4.zuege.floor_k"] = f["k"]
        zs.append(abs(f["z"]))
    for h, r in sorted(runs["hiratani"].items()):
        numbers[f"F4.hiratani.eta_star.Lh{h}"] = r["eta_star"]
        numbers[f"F4.hiratani.edge_ratio.Lh{h}"] = r["edge_ratio"]
    if runs["hiratani"]:
        edges = [r["edge_ratio"] for r in runs["hiratani"].values() if np.isfinite(r["edge_ratio"])]
        numbers["F4.hiratani.edge_ratio_min"] = min(edges)
        numbers["F4.hiratani.edge_ratio_max"] = max(edges)
        r = next(iter(runs["hiratani"].values()))
        numbers["F4.hiratani.Lx"], numbers["F4.hiratani.Ly"] = r["Lx"], r["Ly"]
        lo, hi = min(runs["hiratani"]), max(runs["hiratani"])
        numbers["F4.hiratani.Lh_min"], numbers["F4.hiratani.Lh_max"] = lo, hi
        numbers["F4.hiratani.eta_star_Lh_min"] = runs["hiratani"][lo]["eta_star"]
        numbers["F4.hiratani.eta_star_Lh_max"] = runs["hiratani"][hi]["eta_star"]
        numbers["F4.hiratani.replicates"] = r["replicates"]
    numbers["F4.max_abs_z"] = max(zs)
    numbers["F4.n_checks"] = len(zs)
    runs["werfel_ratios"] = ratios
    runs = {k: ({str(kk): vv for kk, vv in v.items()} if isinstance(v, dict) else v)
            for k, v in runs.items()}  # fmt: skip
    return runs, numbers
