"""F2 numbers: agreement of Monte Carlo with theory (largest |z|) and the headline factors."""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path


def summarise(dim: dict, depth: dict, proj: dict) -> dict:
    zs = []
    for panel in (dim, depth, proj):
        for row in panel["rows"]:
            for value in row.values():
                if isinstance(value, dict) and "z" in value:
                    zs.append(abs(value["z"]))
    lin = [r for r in dim["rows"] if not r["quadratic"]]
    big = max(lin, key=lambda r: r["N"])
    deep = max(depth["rows"], key=lambda r: r["layers"])
    full = max(proj["rows"], key=lambda r: r["rank"])
    at_k = min(proj["rows"], key=lambda r: abs(r["rank"] - proj["k"]))
    return {
        "F2.max_abs_z": max(zs),
        "F2.n_checks": len(zs),
        "F2.samples": dim["samples"],
        "F2.N_max": big["N"],
        "F2.variance_factor_Nmax": big["variance"]["mc"],
        "F2.cosine_Nmax": big["cosine"]["mc"],
        "F2.cosine_Nmax_theory": big["cosine"]["theory"],
        "F2.depth_layers_max": deep["layers"],
        "F2.depth_units": depth["units"],
        "F2.depth_second_moment_Lmax": deep["second_moment"]["mc"],
        "F2.depth_second_moment_Lmax_theory": deep["second_moment"]["theory"],
        "F2.proj_k": proj["k"],
        "F2.proj_d": proj["d"],
        "F2.proj_variance_ratio_rank_k": at_k["variance"]["mc"] / full["variance"]["mc"],
        "F2.proj_mean_cosine_rank_k": at_k["mean_cosine"]["mc"],
    }


def main(sm) -> None:
    dim, depth, proj = (json.loads(Path(p).read_text()) for p in sm.input.panels)
    write_summary(sm, None, summarise(dim, depth, proj))


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
