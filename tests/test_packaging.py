"""The package works outside editable mode: a wheel holds every subpackage and the style file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def test_license_and_citation_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "cff-version" in (ROOT / "CITATION.cff").read_text()


@pytest.mark.slow
def test_wheel_installed_in_a_new_venv_runs_cli_imports_and_finds_the_style(tmp_path):
    run = {"capture_output": True, "text": True, "check": False}
    source = tmp_path / "source"  # a copy: building writes build/ next to pyproject.toml
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("sim", "analysis", "figures"):
        shutil.copytree(ROOT / package, source / package, ignore=IGNORE)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        **run,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("loco_toolkit-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py, bindir = venv / "bin" / "python", venv / "bin"
    installed = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], **run
    )
    assert installed.returncode == 0, installed.stderr
    # the dependencies (numpy, ...) come from this environment's site-packages; its editable
    # finder is a .pth hook, which PYTHONPATH does not run, so `sim` resolves to the wheel
    env = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"])
    helped = subprocess.run([str(bindir / "loco-train"), "--help"], cwd=tmp_path, env=env, **run)
    assert helped.returncode == 0 and "usage: loco-train" in helped.stdout, helped.stderr
    probe = (
        "import sim, analysis.anchors, sim.rules.loco, figures.io, matplotlib.style;"
        f"assert str(sim.__file__).startswith({str(venv)!r}), sim.__file__;"
        "assert figures.io.STYLE.exists(), figures.io.STYLE;"
        "matplotlib.style.use(str(figures.io.STYLE))"
    )
    imported = subprocess.run([str(py), "-c", probe], cwd=tmp_path, env=env, **run)
    assert imported.returncode == 0, imported.stderr
