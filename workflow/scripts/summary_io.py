"""Writing a figure summary's outputs (imported by path from the F1-F9 summary scripts)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_summary"]


def write_summary(
    sm, summary: dict | None, numbers: dict, timing_keys: Iterable[str] = (), *, indent: int = 1
) -> None:
    """Write the outputs of the summary rule run as ``sm`` (Snakemake's ``snakemake`` object).

    ``sm.output.summary`` gets ``summary`` (None: the rule has no such output, nothing is
    written); ``sm.output.numbers`` gets ``{"numbers": numbers, "timing_keys": [...]}``, the part
    that merge_numbers.py merges into results/numbers.json, ``timing_keys`` (sorted) being the
    keys measured by wall clock; both with sorted keys. ``sm.log[0]`` gets ``numbers`` in the
    order they were set. ``indent``: the JSON indentation of all three files.
    """

    def dump(obj, sort_keys: bool = True) -> str:
        return json.dumps(obj, indent=indent, sort_keys=sort_keys) + "\n"

    if summary is not None:
        Path(sm.output.summary).write_text(dump(summary))
    part = {"numbers": numbers, "timing_keys": sorted(timing_keys)}
    Path(sm.output.numbers).write_text(dump(part))
    Path(sm.log[0]).write_text(dump(numbers, sort_keys=False))
