"""F9: run benchmarks/bench_simulator.py's ``main(argv)`` and keep its JSON (timings)."""

import importlib.util
import sys


def main(sm) -> None:
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        spec = importlib.util.spec_from_file_location("bench_simulator", sm.input[0])
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        argv = ["--json", sm.output.json, "--repeats", str(sm.params.repeats)]
        bench.main(argv + (["--cython"] if sm.params.cython else []))


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
