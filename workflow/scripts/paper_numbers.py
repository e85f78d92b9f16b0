"""The numbers the paper quotes: ``results/numbers.json`` with the keys of every archived figure
(``params.archived``, e.g. ``["F5"]``: keys ``F5.*``) taken from the archive's numbers instead.
Sorted keys, so the same inputs give the same bytes.
"""

import json
from pathlib import Path


def merge(fresh: dict, archive: dict, archived: list[str]) -> dict:
    """``fresh`` without, and ``archive`` with, the prefixes ``F<n>.`` of ``archived``.

    Examples
    --------
    >>> merge({"F1.a": 1, "F5.b": 2}, {"F5.c": 3, "F6.d": 4}, ["F5"])
    {'F1.a': 1, 'F5.c': 3}
    """
    prefixes = tuple(f"{fig}." for fig in archived)
    out = {k: v for k, v in fresh.items() if not k.startswith(prefixes)}
    out |= {k: v for k, v in archive.items() if k.startswith(prefixes)} if prefixes else {}
    return dict(sorted(out.items()))


def main(sm) -> None:
    fresh = json.loads(Path(sm.input.numbers).read_text())
    archive = json.loads(Path(sm.input.archive[0]).read_text()) if sm.input.archive else {}
    numbers = merge(fresh, archive, list(sm.params.archived))
    Path(sm.output[0]).write_text(json.dumps(numbers, indent=1) + "\n")
    Path(sm.log[0]).write_text(f"archived figures: {list(sm.params.archived)}\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
