"""What a fresh machine needs from the system is in ``./run``'s install list.

CI runs on a machine where earlier hand installs persist, so a package missing from the list
can pass there and fail on a fresh machine (it happened with ``lmodern``). These tests trace
every LaTeX file the paper loads, the LaTeX tools and the dataset to the Debian package that
ships them, and require that package to be in the install list or among its dependencies.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "run"
DATASET_FILE = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

debian = pytest.mark.skipif(
    shutil.which("dpkg") is None or shutil.which("apt-cache") is None, reason="not Debian"
)


def install_list() -> list[str]:
    """The Debian packages ``./run`` installs."""
    match = re.search(r"DEBIAN_PACKAGES=\(([^)]*)\)", RUN.read_text())
    assert match, "./run must define DEBIAN_PACKAGES=( ... )"
    return match.group(1).split()


@cache
def installed_closure() -> frozenset[str]:
    """The install list and everything it depends on (Depends and Pre-Depends, recursively)."""
    skip = ["--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
            "--no-replaces", "--no-enhances"]  # fmt: skip
    cmd = ["apt-cache", "depends", "--recurse", *skip, *install_list()]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        name = line.split(":", 1)[-1].strip() if ":" in line else line.strip()
        names.add(name.strip("<>").split(":")[0])
    return frozenset(names)


def owning_package(path: str) -> str:
    res = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, check=False)
    assert res.returncode == 0, f"{path} belongs to no Debian package (installed by hand?)"
    return res.stdout.split(":", 1)[0].split(",")[0].strip()


def latex_files() -> list[str]:
    """Every class, package and bibliography style file the paper's sources load."""
    files = set()
    for tex in (ROOT / "paper").rglob("*.tex"):
        if "full" in tex.parts or "generated" in tex.parts:
            continue
        text = re.sub(r"(?<!\\)%.*", "", tex.read_text())
        for cmd, names in re.findall(
            r"\\(documentclass|usepackage|RequirePackage|bibliographystyle)\s*(?:\[[^]]*\])?\{([^}]*)\}",
            text,
        ):
            ext = {"documentclass": "cls", "bibliographystyle": "bst"}.get(cmd, "sty")
            files |= {f"{n.strip()}.{ext}" for n in names.split(",") if n.strip()}
    return sorted(files)


def test_the_paper_loads_latex_packages():
    assert {"article.cls", "lmodern.sty", "unsrtnat.bst"} <= set(latex_files())


@debian
@pytest.mark.parametrize("name", latex_files())
def test_every_latex_file_of_the_paper_comes_from_an_installed_listed_package(name):
    res = subprocess.run(["kpsewhich", name], capture_output=True, text=True, check=False)
    assert res.returncode == 0 and res.stdout.strip(), f"LaTeX cannot find {name}"
    package = owning_package(os.path.realpath(res.stdout.strip()))
    assert package in installed_closure(), (
        f"{name} comes from Debian package {package}, which ./run does not install "
        f"(add it to DEBIAN_PACKAGES)"
    )


@debian
@pytest.mark.parametrize("tool", ["latexmk", "pdflatex", "bibtex"])
def test_latex_tools_come_from_listed_packages(tool):
    path = shutil.which(tool)
    assert path, f"{tool} is not installed"
    assert owning_package(os.path.realpath(path)) in installed_closure()


@debian
def test_dataset_comes_from_a_listed_package():
    assert Path(DATASET_FILE).exists(), f"{DATASET_FILE} missing"
    assert owning_package(DATASET_FILE) in installed_closure()


def test_run_prints_usage_before_installing_anything(tmp_path):
    """No command or an unknown one: usage and exit 2, with no installer or Python touched."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    marker = tmp_path / "touched"
    for tool in ("dpkg-query", "apt-get", "sudo", "python3", "python3.11", "sha256sum"):
        (fake_bin / tool).write_text(f"#!/bin/sh\necho {tool} >> {marker}\nexit 1\n")
        (fake_bin / tool).chmod(0o755)
    shutil.copy2(RUN, tmp_path / "run")
    env = dict(os.environ, PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    for args in ([], ["bogus"], ["--help"]):
        res = subprocess.run(["bash", str(tmp_path / "run"), *args], env=env,
                             capture_output=True, text=True, check=False)  # fmt: skip
        assert res.returncode == 2 and "usage: ./run" in res.stderr, (args, res.stderr)
    assert not marker.exists(), marker.read_text()
    assert not (tmp_path / ".venv").exists()
