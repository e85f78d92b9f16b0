"""F9: agreement over all parameter sets + the numbers the paper quotes.

``numbers`` holds flat keys; ``timing_keys`` lists the ones measured by wall clock (they differ
between runs and are excluded from the bit-identical check).
"""

import json
from pathlib import Path

from summary_io import write_summary  # workflow/scripts/, on sys.path


def main(sm) -> None:
    sets = {Path(p).stem: json.loads(Path(p).read_text()) for p in sm.input.validation}
    bench = json.loads(Path(sm.input.benchmark).read_text())
    summary = {"validation": sets, "benchmark": bench}
    numbers = {
        "F9.n_parameter_sets": len(sets),
        "F9.steps": next(iter(sets.values()))["steps"],
        "F9.neurons": next(iter(sets.values()))["neurons"],
        "F9.spikes_total": sum(s["spikes_brian2"] for s in sets.values()),
        "F9.spike_mismatches": sum(s["spike_mismatches"] for s in sets.values()),
        "F9.identical_sets": sum(s["spike_trains_identical"] for s in sets.values()),
        "F9.max_abs_dv": max(s["max_abs_dv"] for s in sets.values()),
    }
    timing = {
        "F9.speedup_vs_brian2_numpy": bench["speedup_vs_brian2_numpy_N10000"],
        "F9.speedup_vs_brian2_numpy_N1000": bench["speedup_vs_brian2_numpy_N1000"],
        "F9.updates_per_s_ours_N10000": bench["ours_updates_per_s_N10000"],
        "F9.updates_per_s_brian2_numpy_N10000": bench["brian2_numpy_updates_per_s_N10000"],
        "F9.network_fraction_of_gemm_rate": bench["network_fraction_of_gemm_rate"],
        "F9.gemm_gflops": bench["gemm_gflops"],
    }
    if "speedup_vs_brian2_cython_N10000" in bench:
        timing["F9.speedup_vs_brian2_cython"] = bench["speedup_vs_brian2_cython_N10000"]
    numbers.update(timing)
    write_summary(sm, summary, numbers, timing, indent=2)


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
