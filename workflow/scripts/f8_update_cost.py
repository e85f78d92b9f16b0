"""F8 run: `sim.experiments.update_cost` of one rule at one depth.

``stages`` is the critical-path depth of the rule's update phase, counted from the dependency
graph the rule declares (deterministic); ``seconds`` is the best of ``repeats`` wall-clock
timings of one estimate + step on a batch of random inputs (machine-dependent). The job holds
every local core (no other job beside it) and BLAS runs on one thread, set here before numpy
is imported: the measured cost is that of a serial implementation.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from sim.experiments import update_cost  # noqa: E402


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        rule, depth = sm.wildcards.rule, int(sm.wildcards.depth)
        (row,) = update_cost(sm.params.run, [rule], [depth], sm.params.repeats)
        print(row)
        out = row | {"repeats": sm.params.repeats, "blas_threads": 1}
        Path(sm.output[0]).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
