"""Figure summaries: every number has a value or is absent with a stated reason."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("summary_io", ROOT / "workflow/scripts/summary_io.py")
summary_io = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary_io)


def _sm(tmp_path: Path) -> SimpleNamespace:
    output = SimpleNamespace(summary=tmp_path / "summary.json", numbers=tmp_path / "numbers.json")
    return SimpleNamespace(output=output, log=[tmp_path / "log.json"])


def test_none_numbers_are_dropped_with_their_stated_reason(tmp_path):
    sm = _sm(tmp_path)
    numbers = {"F6.best_lr.np": 0.01, "F6.val_acc_at_max_lr.loco": None}
    summary_io.write_summary(
        sm, {"x": 1}, numbers, absent={"F6.val_acc_at_max_lr": "the largest rate diverged"}
    )
    part = json.loads(sm.output.numbers.read_text())
    assert part["numbers"] == {"F6.best_lr.np": 0.01}
    summary = json.loads(sm.output.summary.read_text())
    assert summary["absent"] == {"F6.val_acc_at_max_lr.loco": "the largest rate diverged"}
    assert None not in part["numbers"].values()


def test_a_none_number_without_a_reason_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"F6\.best_lr\.np.*no reason"):
        summary_io.write_summary(_sm(tmp_path), None, {"F6.best_lr.np": None})
