"""The README's examples run as written: its Python snippet and its loco-train commands."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def loco_train_commands() -> list[list[str]]:
    lines = [line for block in code_blocks("bash") for line in block.splitlines()]
    return [shlex.split(line) for line in lines if "bin/loco-train " in line]


def test_readme_has_one_python_example_and_loco_train_commands():
    assert len(code_blocks("python")) == 1
    assert len(loco_train_commands()) >= 2


@pytest.mark.slow
def test_readme_python_example_runs_and_learns(capsys):
    namespace: dict = {}
    exec(compile(code_blocks("python")[0], "README.md", "exec"), namespace)
    assert namespace["accuracy"] > 0.3  # chance is 0.1
    assert "test accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("command", loco_train_commands(), ids=lambda c: " ".join(c[1:]))
def test_readme_loco_train_commands_run_on_a_tiny_budget(tmp_path, command):
    """Each command as written, from the repository root, with a tiny budget appended."""
    _, config, out, *options = command
    tiny = ["--set", "data.n_train=320", "--set", "data.n_test=200", "--set", "training.epochs=1"]
    argv = [sys.executable, "-m", "sim.cli", config, str(tmp_path / out), *options, *tiny]
    res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert "loco-train: done: test_acc" in res.stdout
    metrics = json.loads((tmp_path / out / "metrics.json").read_text())
    assert metrics["history"][-1]["test_acc"] > 0.1  # above chance after one short epoch


@pytest.mark.slow
def test_example_config_learns_as_the_readme_says(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "sim.cli", "examples/train.yaml", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    history = json.loads((tmp_path / "out" / "metrics.json").read_text())["history"]
    assert history[-1]["test_acc"] >= 0.68  # README: about 0.72


@pytest.mark.parametrize("rule", ["loco_port", "loco", "np"])
def test_authors_regime_config_runs_for_each_rule_on_a_tiny_budget(tmp_path, rule):
    """examples/authors_regime.yaml as shipped, shrunk to 2 batches of 200 per epoch."""
    tiny = ["--set", "data.n_train=400", "--set", "data.n_test=200", "--set", "data.n_val=100",
            "--set", "training.batch_size=200", "--set", "training.epochs=2",
            "--set", f"rule.name={rule}"]  # fmt: skip
    argv = [sys.executable, "-m", "sim.cli", "examples/authors_regime.yaml", str(tmp_path), *tiny]
    res = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    cfg = json.loads((tmp_path / "metrics.json").read_text())["config"]
    assert cfg["network"]["perturb"] == "activity" and cfg["data"]["order"] == "sorted"
    assert cfg["rule"]["scaling"] == "authors" and cfg["optimizer"]["project_step"] is False
