"""A figure summary's inputs and outputs (imported by path from the summary scripts)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["read_keyed", "write_summary"]


def read_keyed(paths: Iterable[str], keys: Iterable) -> dict:
    """``{key: JSON of path}`` for the inputs ``paths`` and their ``keys`` (the rule's params,
    in the same order; list keys become tuples), so no key is parsed back out of a file name."""
    return {
        tuple(k) if isinstance(k, list | tuple) else k: json.loads(Path(p).read_text())
        for k, p in zip(keys, paths, strict=True)
    }


def write_summary(
    sm,
    summary: dict | None,
    numbers: dict,
    timing_keys: Iterable[str] = (),
    *,
    indent: int = 1,
    absent: Mapping[str, str] | None = None,
) -> None:
    """Write the outputs of the summary rule run as ``sm`` (Snakemake's ``snakemake`` object).

    ``sm.output.summary`` gets ``summary`` (None: the rule has no such output, nothing is
    written); ``sm.output.numbers`` gets ``{"numbers": numbers, "timing_keys": [...]}``, the part
    that merge_numbers.py merges into results/numbers.json, ``timing_keys`` (sorted) being the
    keys measured by wall clock; both with sorted keys. ``sm.log[0]`` gets ``numbers`` in the
    order they were set. ``indent``: the JSON indentation of all three files.

    Every number has a value or is absent: a key whose value is None is dropped, and the
    reason, ``absent[prefix]`` for the longest prefix of the key found there, is recorded under
    ``"absent"`` in the summary and the log. A None without a stated reason is an error.
    """
    reasons = {}
    for key in [k for k, v in numbers.items() if v is None]:
        prefixes = [p for p in (absent or {}) if key.startswith(p)]
        if not prefixes:
            raise ValueError(f"number {key!r} is None and no reason for its absence is given")
        reasons[key] = absent[max(prefixes, key=len)]
        del numbers[key]

    def dump(obj, sort_keys: bool = True) -> str:
        return json.dumps(obj, indent=indent, sort_keys=sort_keys) + "\n"

    if summary is not None:
        Path(sm.output.summary).write_text(dump({**summary, "absent": reasons}))
    part = {"numbers": numbers, "timing_keys": sorted(timing_keys)}
    Path(sm.output.numbers).write_text(dump(part))
    Path(sm.log[0]).write_text(dump({**numbers, "absent": reasons}, sort_keys=False))
