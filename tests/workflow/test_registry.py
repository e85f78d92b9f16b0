"""The figure registry (figures.FIGURES) is the one list of figures: every registered figure
has each of its files, and no figure file exists outside it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from figures import FIGURES, figure_stem

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fig", sorted(FIGURES))
def test_every_registered_figure_has_module_rules_caption_and_settings(fig):
    stem = figure_stem(fig)
    module = importlib.import_module(f"figures.{stem}")
    assert callable(module.make), f"figures/{stem}.py has no make()"
    rules = (ROOT / "workflow/rules" / f"{stem}.smk").read_text()
    assert re.search(rf"^rule {fig.lower()}_figure:", rules, re.M), f"{stem}.smk: no figure rule"
    assert (ROOT / "workflow/report" / f"{fig}.rst").read_text().strip()
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert fig in schema["properties"], f"the schema has no section {fig}"


def test_no_figure_file_outside_the_registry():
    stems = {figure_stem(fig) for fig in FIGURES}
    modules = {p.stem for p in (ROOT / "figures").glob("f[0-9]*_*.py")}
    rules = {p.stem for p in (ROOT / "workflow/rules").glob("f[0-9]*_*.smk")}
    captions = {p.stem for p in (ROOT / "workflow/report").glob("F[0-9]*.rst")}
    assert modules == stems and rules == stems
    assert captions == set(FIGURES)


def test_the_workflow_includes_the_registry_not_a_list_of_its_own():
    text = (ROOT / "workflow/Snakefile").read_text() + (ROOT / "Snakefile").read_text()
    assert not re.search(r"include:\s*\"rules/f\d", text), "figure rule files come from FIGURES"
