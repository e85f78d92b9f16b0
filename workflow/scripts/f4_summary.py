"""F4 summary: collect the anchor runs, z-scores against the closed forms, and the numbers."""

import json
from pathlib import Path

import numpy as np
from summary_io import write_summary  # workflow/scripts/, on sys.path

from analysis.anchors import werfel_ratios
from analysis.estimators import ratio_with_se


def main(sm) -> None:
    runs = {"werfel": {}, "zuege": {}, "floor": None, "hiratani": {}}
    for path in map(Path, sm.input.runs):
        data = json.loads(path.read_text())
        if path.parent.name == "werfel":
            runs["werfel"][path.stem] = data
        elif path.stem == "floor":
            runs["floor"] = data
        elif path.parent.name == "zuege":
            runs["zuege"][int(path.stem[1:])] = data
        else:
            runs["hiratani"][int(path.stem[2:])] = data
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
    write_summary(sm, runs, numbers)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
