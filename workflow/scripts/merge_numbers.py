"""Merge the per-figure ``results/F<n>/numbers.json`` parts into ``results/numbers.json``.

Output: a flat ``{key: value}`` JSON with sorted keys (the same inputs give the same bytes) and
``results/numbers_timing_keys.json``, the keys measured by wall clock (excluded from the
bit-identical reproducibility check). A key defined twice is an error.
"""

import json
from pathlib import Path


def merge(parts: list[str]) -> tuple[dict, list[str]]:
    numbers: dict = {}
    timing: list[str] = []
    for path in parts:
        part = json.loads(Path(path).read_text())
        for key, value in part["numbers"].items():
            if key in numbers:
                raise ValueError(f"number {key!r} defined twice (again in {path})")
            if not key.startswith(Path(path).parent.name + "."):
                raise ValueError(f"number {key!r} in {path} must start with its figure name")
            numbers[key] = value
        timing += part.get("timing_keys", [])
    return numbers, sorted(timing)


def main(sm) -> None:
    numbers, timing = merge(list(sm.input.parts))
    Path(sm.output.numbers).write_text(json.dumps(numbers, indent=1, sort_keys=True) + "\n")
    Path(sm.output.timing).write_text(json.dumps(timing, indent=1) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
