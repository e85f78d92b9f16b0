"""The Snakemake workflow: lint, dry runs, config validation, reruns, reproducibility, scale-out.

Fast tests use the tiny F3 configuration of ``conftest.TINY`` in a private copy of the
project; whole-workflow runs (the quick profile, the cluster-generic executor) are ``slow``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import TINY, TINY_TRAINING, copy_project, run_snakemake, snakemake_cmd, snakemake_env

TINY_ARGS = ("--cores", "2", "--configfile", "tiny.yaml", "--rerun-incomplete")


def comparable_numbers(project: Path) -> dict:
    """numbers.json without the wall-clock timing keys (those differ between runs by nature)."""
    numbers = json.loads((project / "results/numbers.json").read_text())
    timing = json.loads((project / "results/numbers_timing_keys.json").read_text())
    return {k: v for k, v in numbers.items() if k not in set(timing)}


def test_lint_reports_nothing(project):
    res = run_snakemake(project, "--lint")
    assert res.returncode == 0, res.stdout
    assert "Congratulations, your workflow is in a good condition!" in res.stdout, res.stdout


def test_conda_env_of_every_rule_pins_what_pyproject_pins():
    """workflow/envs/loco.yaml lists pyproject's dependencies with the same specifiers."""
    import tomllib

    import yaml

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = [d for d in project["dependencies"]]
    wanted += [d for d in project["optional-dependencies"]["dev"] if d.startswith("brian2")]
    env = yaml.safe_load((root / "workflow/envs/loco.yaml").read_text())
    listed = [d for d in env["dependencies"] if isinstance(d, str)]
    assert sorted(d.replace(" ", "") for d in wanted) == sorted(
        d for d in listed if not d.startswith("python=")
    )
    python = project["requires-python"].removeprefix(">=")
    assert f"python={python}" in listed


IMPORTS_PROBE = r"""
import json, runpy, sys
from pathlib import Path
root = Path.cwd().resolve()
out = {}
for script in sys.argv[1:]:
    for name in [m for m, mod in sys.modules.items()
                 if str(getattr(mod, "__file__", "") or "").startswith(str(root))]:
        del sys.modules[name]  # every script imports the project's modules afresh
    scripts = str(root / "workflow/scripts")
    sys.path[:] = [scripts] + [p for p in sys.path if p != scripts]
    runpy.run_path(script, run_name="probe")  # module level only: main() needs snakemake
    out[script] = sorted(
        str(Path(mod.__file__).resolve().relative_to(root))
        for mod in list(sys.modules.values())
        if str(getattr(mod, "__file__", "") or "").startswith(str(root))
    )
print(json.dumps(out))
"""


def test_every_rule_declares_the_project_code_its_script_imports(project):
    """Run each rule's script's imports for real (an independent check of `script_src`) and
    require every project file it loads among the rule's inputs, so editing it reruns the rule."""
    (project / "all.yaml").write_text("paper: {build: true}\n")
    dry = run_snakemake(project, "-n", "--cores", "1", "--configfile", "all.yaml")
    assert dry.returncode == 0, dry.stdout[-2000:]
    scripts = {}
    for smk in (project / "workflow/rules").glob("*.smk"):
        for m in re.finditer(r"^ *rule (\w+):\n(.*?)(?=^ *rule |\Z)", smk.read_text(), re.M | re.S):
            found = re.search(r'script:\s*\n\s*"\.\./scripts/([^"]+)"', m.group(2))
            if found:
                scripts[m.group(1)] = f"workflow/scripts/{found.group(1)}"
    jobs = {}
    for m in re.finditer(r"^(?:local)?rule (\w+):\n    input: ([^\n]*)", dry.stdout, re.M):
        if m.group(1) in scripts:
            jobs.setdefault(m.group(1), set()).update(x.strip() for x in m.group(2).split(","))
    assert len(jobs) >= 25, sorted(jobs)
    probe = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, *sorted({scripts[r] for r in jobs})],
        cwd=project, env=snakemake_env(project), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-3000:]
    loaded = json.loads(probe.stdout)
    missing = {
        rule: sorted(set(loaded[scripts[rule]]) - inputs - {scripts[rule]})
        for rule, inputs in jobs.items()
    }
    assert not {r: m for r, m in missing.items() if m}, missing


def test_dry_run_of_default_target_lists_every_enabled_chain(project):
    res = run_snakemake(project, "-n")
    assert res.returncode == 0, res.stdout
    for rule in ("f2_mc", "f3_theory", "f3_sweep", "f4_hiratani", "f9_validate", "paper",
                 "f1_spectra", "f5_train", "f6_train", "f7_train", "f8_update_cost"):  # fmt: skip
        assert rule in res.stdout, rule
    assert not (project / "results").exists()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("F3: {bogus_key: 1}\n", ["F3", "bogus_key"]),
        ("not_a_setting: 3\n", ["not_a_setting"]),
        ("F3: {steps: 0}\n", ["F3.steps", "minimum"]),
        ("F3: {variants: [np, adam]}\n", ["F3.variants", "adam"]),
        ("figures: [F2, F99]\n", ["figures", "F99", "not a registered figure"]),
        ("F9: {validation: {example: nope}}\n", ["F9.validation.example", "nope"]),
        ("training: {base: {network: {width: 5}}}\n", ["training.base", "network.width"]),
        ("training: {base: {rule: {sigma: -1}}}\n", ["training.base", "np runs", "sigma"]),
        (
            "F11: {capped: {loco_port: {depths: [4], updates: 9, tune_updates: 3}}}\n",
            ["F11.capped.loco_port.depths", "among F11.depths"],
        ),
        ("F5: {depths: [2, 3]}\n", ["F5.depths", "3 and 10"]),
        ("F5: {ablation: {depth: 4}}\n", ["F5.ablation.depth", "not one of F5.depths"]),
        ("F5: {ablation: {variants: {odd: {k: 0}}}}\n", ["F5.ablation.variants.odd", "k"]),
        ("F7: {optimizer: {bp: {name: rmsprop, lr: 1}}}\n", ["F7.optimizer.bp.name", "rmsprop"]),
        ("F6: {sgd: {prediction: {eval_samples: 999999}}}\n", ["F6.sgd.prediction (L3)", "n_val"]),
        (
            "training: {base: {data: {name: mnist_dir, path: /nowhere}}}\n",
            ["training.base data", "/nowhere does not exist", "dataset-fashion-mnist"],
        ),
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


def test_training_chains_run_end_to_end_on_a_tiny_config(project):
    (project / "train.yaml").write_text(TINY_TRAINING)
    res = run_snakemake(project, "--cores", "2", "--configfile", "train.yaml")
    assert res.returncode == 0, res.stdout[-3000:]
    numbers = json.loads((project / "results/numbers.json").read_text())
    timing = json.loads((project / "results/numbers_timing_keys.json").read_text())
    for key in ("F1.rank_bound.L1", "F1.effective_rank.accumulated.loco.L2",
                "F5.test_acc.loco.L2", "F5.max_learning_depth.bp", "F7.forgetting.task.loco",
                "F7.mean_final_acc.task.bp", "F5.ablation.test_acc.no_lowrank",
                "F5.ablation.test_acc.full", "F5.layers.max_abs_z",
                "F6.sgd.first_diverged_lr.np.L3",
                "F6.sgd.predicted_max_stable_lr.np.L3"):  # fmt: skip
        assert key in numbers, key
    assert numbers["F1.rank_bound_holds"] is True
    assert numbers["F6.n_diverged_lrs.np"] == 1 and numbers["F6.best_lr.np"] == 0.001
    assert numbers["F8.update_depth.bp.L2"] == 2 and numbers["F8.update_depth.np.L2"] == 1
    assert "F8.update_time.np.L1" in timing and "F8.update_depth.np.L1" not in timing
    for fig in ("F1_lowrank", "F5_depth", "F6_convergence", "F7_continual", "F8_update_depth"):
        assert (project / f"results/figures/{fig}.png").stat().st_size > 10_000, fig

    # a run statistic is not training code: editing it reruns summaries, no training job
    with open(project / "analysis/runs.py", "a") as f:
        f.write("# edited\n")
    plan = run_snakemake(project, "--cores", "2", "--configfile", "train.yaml", "-n", "--quiet",
                         "rules").stdout  # fmt: skip
    assert "f6_summary" in plan and "f7_summary" in plan, plan
    assert not any(r in plan for r in ("f5_train", "f6_train", "f7_train", "f1_spectra")), plan


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
    for rule in ("f9_benchmark", "f2_mc", "f3_sweep", "f4_werfel", "paper", "f5_train"):
        assert rule in res.stdout, rule
    assert "results/F5/runs/loco_L16_s2.json" in res.stdout  # full sizes: depths 2-16, 3 seeds


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
    # no wall-clock assertion (a timed test fails on a busy machine); the README states the time
    res = run_snakemake(project, "--profile", "workflow/profiles/quick", timeout=2400)
    assert res.returncode == 0, res.stdout[-3000:]
    numbers = json.loads((project / "results/numbers.json").read_text())
    for key in ("F9.speedup_vs_brian2_numpy", "F9.spike_mismatches", "F2.max_abs_z",
                "F3.max_abs_z", "F4.max_abs_z", "F3.loco_loss_ratio_at_best",
                "F1.effective_rank.single.np.L1", "F5.test_acc.loco.L10",
                "F5.test_acc.bp.L3", "F6.max_stable_lr.loco", "F7.forgetting.class.loco",
                "F7.mean_final_acc.permuted.ewc", "F7.fwt.task.owm",
                "F12.signal.T10.sigma0p1", "F12.test_acc.sorted.loco.T50",
                "F8.update_depth.bp.L16"):  # fmt: skip
        assert key in numbers, key
    timing = json.loads((project / "results/numbers_timing_keys.json").read_text())
    assert {"F9.speedup_vs_brian2_numpy", "F8.update_time.loco.L16"} <= set(timing)
    assert (project / "results/paper.pdf").stat().st_size > 50_000
    tex = (project / "paper/generated/numbers.tex").read_text()
    assert r"\newcommand{\FNineSpeedupVsBrianTwoNumpy}" in tex
    report = run_snakemake(project, "--report", "results/report.html")
    assert report.returncode == 0, report.stdout[-2000:]
    html = (project / "results/report.html").read_text()
    for fig in ("F1_lowrank", "F2_estimator", "F3_curves", "F4_anchors", "F5_depth",
                "F6_convergence", "F7_continual", "F8_update_depth", "F9_simulator"):  # fmt: skip
        assert f"{fig}.png" in html, fig


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
        cwd=project, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


@pytest.mark.slow
def test_full_profile_archive_is_written_and_then_used_by_the_paper(project):
    """archive (full profile) -> paper/full/; a later non-full build's paper takes it from there;
    a full build of another figure updates the archive and keeps the first; a tree with
    uncommitted changes is refused."""
    shutil.rmtree(project / "paper/full", ignore_errors=True)
    (project / "full.yaml").write_text(
        TINY.replace("paper: {build: false}", "paper: {profile: full}")
    )
    (project / "quick.yaml").write_text(
        TINY.replace("paper: {build: false}", "paper: {build: true}")
    )
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "snapshot")
    res = run_snakemake(project, "archive", "--cores", "2", "--configfile", "full.yaml")
    assert res.returncode == 0, res.stdout[-3000:]
    archive = project / "paper/full"
    manifest = json.loads((archive / "manifest.json").read_text())
    assert manifest["figures"] == ["F3"] and manifest["profile"] == "full"
    assert manifest["commit"] == _git(project, "rev-parse", "HEAD").strip()
    assert set(manifest["files"]) == {"numbers.json", "config.json", "paper.pdf",
                                      "figures/F3_curves.pdf"}  # fmt: skip
    archived = json.loads((archive / "numbers.json").read_text())

    res = run_snakemake(project, "paper/generated/figures.tex", "results/paper_numbers.json",
                        "--cores", "2", "--configfile", "quick.yaml")  # fmt: skip
    assert res.returncode == 0, res.stdout[-3000:]
    tex = (project / "paper/generated/figures.tex").read_text()
    assert "\\newcommand{\\ProfileFThree}{full}" in tex
    assert "\\newcommand{\\FigFileFThree}{../paper/full/figures/F3_curves.pdf}" in tex
    assert json.loads((project / "results/paper_numbers.json").read_text()) == archived

    # a later full build of another figure updates the committed archive and keeps F3
    _git(project, "add", "paper/full")  # the copy has no .gitignore: commit the archive only
    _git(project, "commit", "-qm", "archive F3")
    first_commit = manifest["commit"]
    (project / "f2.yaml").write_text(
        "figures: [F2]\npaper: {profile: full}\n"
        "F2: {samples: 400, dimension: {N: [1, 2]}, depth: {layers: [1, 2]},"
        " projection: {d: 8, ranks: [1, 4, 8]}}\n"
    )
    res = run_snakemake(project, "archive", "--cores", "2", "--configfile", "f2.yaml")
    assert res.returncode == 0, res.stdout[-3000:]
    updated = json.loads((archive / "manifest.json").read_text())
    assert updated["figures"] == ["F2", "F3"]
    assert updated["commits"]["F3"] == first_commit != updated["commits"]["F2"]
    assert updated["paper_commit"] == first_commit  # the paper of the F3 build is kept
    numbers = json.loads((archive / "numbers.json").read_text())
    assert {k.split(".")[0] for k in numbers} == {"F2", "F3"}
    assert {k: v for k, v in numbers.items() if k.startswith("F3.")} == archived
    assert (
        "figures/F3_curves.pdf" in updated["files"]
        and "figures/F2_estimator.pdf" in updated["files"]
    )

    (project / "Snakefile").write_text((project / "Snakefile").read_text() + "# edited\n")
    res = run_snakemake(project, "archive", "--forcerun", "archive", "--cores", "1",
                        "--configfile", "full.yaml")  # fmt: skip
    assert res.returncode != 0 and "commit them first" in res.stdout, res.stdout[-2000:]
