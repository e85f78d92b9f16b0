"""Fixtures for the workflow tests: a private copy of the project and a snakemake runner.

Every test works in a fresh copy of the workflow and the packages it imports (in ``tmp_path``),
with ``PYTHONPATH`` pointing at the copy, so tests never touch the checkout's ``results/`` or
``.snakemake/`` and the code a job imports is the code its rule lists as input.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["Snakefile", "workflow", "figures", "sim", "analysis", "benchmarks", "paper"]
IGNORE = shutil.ignore_patterns("__pycache__", "generated", "*.pyc", ".snakemake")

# A tiny configuration: the F3 chain only (theory, Monte Carlo, figure: 7 jobs), no paper.
TINY = """\
figures: [F3]
paper: {build: false}
F3:
  N: 3
  d: 6
  k: 2
  steps: 40
  replicates: 16
  variants: [np, np_loco]
  sweep_variants: [np_loco]
  sweep_ratios: [0.5, 0.9]
  theory_grid: 10
"""


# A tiny configuration of the training chains (F1, F5-F8: ~35 jobs of a few seconds), no paper.
TINY_TRAINING = """\
figures: [F1, F5, F6, F7, F8]
paper: {build: false}
training:
  base:
    data: {n_train: 128, n_val: 32, n_test: 64}
    network: {hidden: 8, steps: 2}
    training: {epochs: 1, batch_size: 32}
F1: {rules: [loco], depth: 2, batches: 2}
F5:
  rules: [bp, loco]
  depths: [1, 2]
  ablation: {depth: 2, variants: {no_lowrank: {lowrank: false}}}
  layers: {depths: [2], draws: 3, warmup: 1}
F6:
  rules: [np]
  lr_grid: [0.001, 1000.0]
  epochs: 2
  sgd: {rules: [np], lr_grid: [0.01, 1000.0], epochs: 1,
        prediction: {draws: 2, warmup: 1, eval_samples: 16, root_draws: 2}}
F7: {rules: [bp, loco], protocols: [task], n_tasks: 2, epochs_per_task: 1, lr_factors: [1]}
F8: {rules: [np, bp], depths: [1, 2], repeats: 2}
"""


def copy_project(dest: Path) -> Path:
    """Copy what the workflow needs into ``dest`` and return it."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=IGNORE)
        else:
            shutil.copy2(src, dest / name)
    return dest


def snakemake_env(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(project)
    env["MPLBACKEND"] = "Agg"
    env.pop("SNAKEMAKE_PROFILE", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def snakemake_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args]


def run_snakemake(project: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run snakemake in ``project``; output captured as text (stdout + stderr merged)."""
    return subprocess.run(
        snakemake_cmd(*args),
        cwd=project,
        env=snakemake_env(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project with the tiny config in ``tiny.yaml``."""
    proj = copy_project(tmp_path / "project")
    (proj / "tiny.yaml").write_text(TINY)
    return proj
