"""The Snakemake workflow: lint, dry runs, config validation, reruns, reproducibility, scale-out.

Fast tests use the tiny F3 configuration of ``conftest.TINY`` in a private copy of the
project; whole-workflow runs (the quick profile, the cluster-generic executor) are ``slow``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import copy_project, run_snakemake, snakemake_cmd, snakemake_env

TINY_ARGS = ("--cores", "2", "--configfile", "tiny.yaml", "--rerun-incomplete")


def comparable_numbers(project: Path) -> dict:
    """numbers.json without the wall-clock timing keys (those differ between runs by nature)."""
    numbers = json.loads((project / "results/numbers.json").read_text())
    timing = json.loads((project / "results/numbers_timing_keys.json").read_text())
    return {k: v for k, v in numbers.items() if k not in set(timing)}


def test_lint_reports_nothing_but_the_justified_conda_lint(project):
    out = run_snakemake(project, "--lint").stdout
    findings = [line.strip() for line in out.splitlines() if line.startswith("    * ")]
    assert findings, out  # the conda lint is expected (justified in workflow/Snakefile)
    assert set(findings) == {"* Specify a conda environment or container for each rule.:"}, out


def test_dry_run_of_default_target_lists_every_enabled_chain(project):
    res = run_snakemake(project, "-n")
    assert res.returncode == 0, res.stdout
    for rule in ("f2_mc", "f3_theory", "f3_sweep", "f4_hiratani", "f9_validate", "paper"):
        assert rule in res.stdout, rule
    assert not (project / "results").exists()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("F3: {bogus_key: 1}\n", ["F3", "bogus_key"]),
        ("not_a_setting: 3\n", ["not_a_setting"]),
        ("F3: {steps: 0}\n", ["F3.steps", "minimum"]),
        ("F3: {variants: [np, adam]}\n", ["F3.variants", "adam"]),
        ("figures: [F2, F10]\n", ["figures", "F10"]),
        ("F9: {validation: {example: nope}}\n", ["F9.validation.example", "nope"]),
        ("figures: [F5]\n", ["figures", "F5", "not wired yet"]),
    ],
)
def test_bad_config_fails_before_any_job_with_a_message_naming_the_key(project, config, expected):
    (project / "bad.yaml").write_text(config)
    res = run_snakemake(project, "--cores", "1", "--configfile", "bad.yaml")
    assert res.returncode != 0
    for text in expected:
        assert text in res.stdout, (text, res.stdout[-2000:])
    assert not (project / "results").exists(), "a job ran despite the bad config"


def test_second_run_does_nothing_and_edits_rerun_only_what_they_affect(project):
    first = run_snakemake(project, *TINY_ARGS)
    assert first.returncode == 0, first.stdout[-3000:]
    again = run_snakemake(project, *TINY_ARGS)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout, again.stdout[-2000:]

    with open(project / "figures/f3_curves.py", "a") as f:
        f.write("# edited\n")
    plan = run_snakemake(project, *TINY_ARGS, "-n", "--quiet", "rules").stdout
    assert "f3_figure" in plan and "f3_sweep" not in plan and "f3_theory" not in plan, plan

    with open(project / "analysis/theory.py", "a") as f:
        f.write("# edited\n")
    plan = run_snakemake(project, *TINY_ARGS, "-n", "--quiet", "rules").stdout
    for rule in ("f3_theory", "f3_sweep", "f3_curve", "f3_summary", "f3_figure"):
        assert rule in plan, (rule, plan)


def test_same_config_gives_bit_identical_numbers_and_figures(tmp_path, project):
    other = copy_project(tmp_path / "other")
    (other / "tiny.yaml").write_text((project / "tiny.yaml").read_text())
    for proj in (project, other):
        res = run_snakemake(proj, *TINY_ARGS)
        assert res.returncode == 0, res.stdout[-3000:]
    assert comparable_numbers(project) == comparable_numbers(other)
    assert (project / "results/numbers.json").read_bytes() == (
        other / "results/numbers.json"
    ).read_bytes()
    for fig in ("F3_curves",):
        for ext in ("pdf", "png"):
            a = (project / f"results/figures/{fig}.{ext}").read_bytes()
            assert a == (other / f"results/figures/{fig}.{ext}").read_bytes(), f"{fig}.{ext}"


@pytest.mark.slow
def test_killed_run_restarts_and_completes_with_correct_outputs(tmp_path, project):
    reference = copy_project(tmp_path / "reference")
    (reference / "tiny.yaml").write_text((project / "tiny.yaml").read_text())
    assert run_snakemake(reference, *TINY_ARGS).returncode == 0

    proc = subprocess.Popen(
        snakemake_cmd(*TINY_ARGS),
        cwd=project,
        env=snakemake_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill reaches the running jobs too
    )
    first_output = project / "results/F3/rates.json"
    deadline = time.monotonic() + 120
    while not first_output.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (project / "results/numbers.json").exists(), "killed too late to test a restart"

    run_snakemake(project, "--unlock")
    res = run_snakemake(project, *TINY_ARGS)
    assert res.returncode == 0, res.stdout[-3000:]
    assert comparable_numbers(project) == comparable_numbers(reference)
    assert "Nothing to be done" in run_snakemake(project, *TINY_ARGS).stdout


def test_slurm_profile_dry_run_plans_every_job(project):
    res = run_snakemake(project, "--profile", "workflow/profiles/slurm", "-n")
    assert res.returncode == 0, res.stdout[-3000:]
    for rule in ("f9_benchmark", "f2_mc", "f3_sweep", "f4_werfel", "paper"):
        assert rule in res.stdout, rule


@pytest.mark.slow
def test_cluster_generic_executor_runs_each_job_as_its_own_process(project):
    res = run_snakemake(
        project, "--profile", "workflow/profiles/cluster-generic-local", "--configfile", "tiny.yaml"
    )
    assert res.returncode == 0, res.stdout[-3000:]
    submitted = (project / "logs/cluster/submitted.tsv").read_text().splitlines()
    pids = {line.split("\t")[0] for line in submitted}
    scripts = {line.split("\t")[1] for line in submitted}
    # every non-local job (theory, curves, sweeps) went through the submit script
    assert len(submitted) == len(pids) == 5, submitted
    assert sum("f3_sweep" in s for s in scripts) == 2 and sum("f3_curve" in s for s in scripts) == 2
    assert (project / "results/numbers.json").exists()
    assert "Nothing to be done" in run_snakemake(project, *TINY_ARGS).stdout


@pytest.mark.slow
def test_quick_profile_builds_every_figure_numbers_paper_and_report(project):
    start = time.monotonic()
    res = run_snakemake(project, "--profile", "workflow/profiles/quick", timeout=1200)
    elapsed = time.monotonic() - start
    assert res.returncode == 0, res.stdout[-3000:]
    assert elapsed < 600, f"quick profile took {elapsed:.0f} s"
    numbers = json.loads((project / "results/numbers.json").read_text())
    for key in ("F9.speedup_vs_brian2_numpy", "F9.spike_mismatches", "F2.max_abs_z",
                "F3.max_abs_z", "F4.max_abs_z", "F3.loco_loss_ratio_at_best"):  # fmt: skip
        assert key in numbers, key
    timing = json.loads((project / "results/numbers_timing_keys.json").read_text())
    assert "F9.speedup_vs_brian2_numpy" in timing
    assert (project / "results/paper.pdf").stat().st_size > 50_000
    tex = (project / "paper/generated/numbers.tex").read_text()
    assert r"\newcommand{\FNineSpeedupVsBrianTwoNumpy}" in tex
    report = run_snakemake(project, "--report", "results/report.html")
    assert report.returncode == 0, report.stdout[-2000:]
    html = (project / "results/report.html").read_text()
    for fig in ("F2_estimator", "F3_curves", "F4_anchors", "F9_simulator"):
        assert f"{fig}.png" in html, fig
