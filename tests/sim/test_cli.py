"""loco-train as a user meets it: every bad input gets exit 2 with a message naming the key
(before any work, nothing written), divergence exit 3 per readout and mode, interrupts, corrupt
checkpoints, overwrite protection, progress and the final summary, thread-count independence."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import train as train_module
from sim.cli import main as cli_main

from .test_train import TINY


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(json.dumps(TINY))
    return path


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = cli_main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("network.gain=abc", "'network.gain' must be a finite number > 0, got 'abc'"),
        ("network.neuron.v_th=x", "'network.neuron.v_th' must be a finite number"),
        ("data.path=123", "'data.path' must be a path"),
        ("seed.x=1", "'seed' is a value, not a section"),
        ("rule=null", "'rule' must be a mapping"),
        ("rule.name=null", "rule must be one of"),
        ("optimizer.lr=true", "'optimizer.lr' must be a finite number > 0, got True"),
        ("optimizer.eps=0", "'optimizer.eps' must be a finite number > 0"),
        ("optimizer.eps=-1e-8", "'optimizer.eps' must be a finite number > 0"),
        ("optimizer.nesterov=1", "unknown config key 'optimizer.nesterov'"),
        ("rule.bogus=1", "unknown option 'bogus' of rule 'np'; allowed: ['loss', 'noise', 's"),
        ("rule.sigma=abc", "option 'sigma' of rule 'np' must be a number, got 'abc'"),
        ("training.epochs=1.5", "'training.epochs' must be an integer >= 1"),
        ("network.mode=analog", "'network.mode' must be one of ('spiking', 'rate')"),
        ("data.tasks=[1, 2]", "'data.tasks' must be null, a list of class lists"),
        ("network.neuron.v_reset=2", "'network.neuron.v_th' must exceed"),
        ("nonsense", "--set expects key=value"),
    ],
)
def test_bad_value_exits_2_naming_the_key_and_writes_nothing(
    tmp_path, config, capsys, override, expected
):
    out = tmp_path / "out"
    code, text = _run(capsys, config, out, "--set", override)
    assert code == 2, text
    assert expected in text
    assert "NodePerturbation" not in text and "__init__" not in text  # no internal names
    assert not out.exists()


def test_yaml_floats_in_exponent_form_are_numbers(tmp_path, config, capsys):
    (tmp_path / "exp.yaml").write_text(config.read_text().replace('"lr": 0.05', '"lr": 5e-2'))
    plain = tmp_path / "exp2.yaml"
    plain.write_text("optimizer: {lr: 5e-2}\ntraining: {epochs: 1}\n" + _yaml_rest())
    code, text = _run(capsys, plain, tmp_path / "run", "--set", "rule.sigma=1e-2")
    assert code == 0, text
    cfg = json.loads((tmp_path / "run" / "metrics.json").read_text())["config"]
    assert cfg["optimizer"]["lr"] == 0.05 and cfg["rule"]["sigma"] == 0.01


def _yaml_rest() -> str:
    return (
        "seed: 3\ndata: {name: teacher, n_train: 96, n_val: 32, n_test: 32}\n"
        "network: {depth: 2, hidden: 16, mode: rate}\nrule: {name: np}\n"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("rule: [unclosed\n", "malformed YAML"),
        ("- a\n- b\n", "must be a mapping of keys"),
    ],
)
def test_malformed_config_file_exits_2_naming_the_file(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    code, text = _run(capsys, path, tmp_path / "out")
    assert code == 2 and expected in text and str(path) in text, text


def test_directory_or_missing_config_exits_2(tmp_path, capsys):
    code, text = _run(capsys, tmp_path, tmp_path / "out")
    assert code == 2 and "is a directory" in text
    code, text = _run(capsys, tmp_path / "none.yaml", tmp_path / "out")
    assert code == 2 and "cannot read config" in text


def test_output_directory_is_checked_before_training(tmp_path, config, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(train_module, "_train", lambda *a, **k: calls.append(1))
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, text = _run(capsys, config, afile)
    assert code == 2 and "is not a directory" in text
    code, text = _run(capsys, config, afile / "below")
    assert code == 2 and "cannot be created" in text
    assert not calls


def test_finished_run_is_not_overwritten_without_force(tmp_path, config, capsys):
    out = tmp_path / "out"
    assert _run(capsys, config, out)[0] == 0
    before = (out / "metrics.json").read_bytes()
    code, text = _run(capsys, config, out, "--set", "optimizer.lr=0.01")
    assert code == 2 and "--force" in text
    assert (out / "metrics.json").read_bytes() == before
    code, text = _run(capsys, config, out, "--set", "optimizer.lr=0.01", "--force")
    assert code == 0, text
    assert json.loads((out / "metrics.json").read_text())["config"]["optimizer"]["lr"] == 0.01


@pytest.mark.parametrize(
    ("mode", "readout", "rule"),
    [
        ("rate", "rate", "np"),
        ("rate", "count", "np"),
        ("rate", "membrane", "np"),
        ("spiking", "rate", "np"),
        ("spiking", "count", "bp"),
        ("spiking", "membrane", "bp"),
    ],
)
def test_divergence_exits_3_with_every_readout_and_mode(
    tmp_path, config, capsys, mode, readout, rule
):
    out = tmp_path / "out"
    sets = [f"network.mode={mode}", f"network.readout={readout}", f"rule.name={rule}",
            "optimizer.lr=1000", "network.steps=4"]  # fmt: skip
    if rule == "bp":
        sets.append("rule={name: bp}")
    argv = [config, out]
    for s in sets:
        argv += ["--set", s]
    code, text = _run(capsys, *argv)
    assert code == 3, text
    assert "diverged" in text and "lr=1000" in text
    assert not (out / "metrics.json").exists() and not (out / "checkpoint.pkl").exists()


def test_diverged_run_leaves_no_checkpoint_that_blocks_the_next_attempt(
    tmp_path, config, capsys, monkeypatch
):
    out = tmp_path / "out"
    real = train_module._readout_is_constant
    calls = {"n": 0}

    def dies_in_epoch_two(output):  # epoch 1 (3 batches) saves a checkpoint, then activity dies
        calls["n"] += 1
        return calls["n"] > 4 or real(output)

    monkeypatch.setattr(train_module, "_readout_is_constant", dies_in_epoch_two)
    code, text = _run(capsys, config, out)
    assert code == 3 and "activity died" in text, text
    assert not (out / "checkpoint.pkl").exists()
    monkeypatch.setattr(train_module, "_readout_is_constant", real)
    assert _run(capsys, config, out, "--set", "optimizer.lr=0.02")[0] == 0


def test_interrupt_prints_where_the_checkpoint_is_and_a_rerun_resumes(
    tmp_path, config, capsys, monkeypatch
):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert _run(capsys, config, whole)[0] == 0
    real = train_module.evaluate
    calls = {"n": 0}

    def interrupt_in_epoch_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "evaluate", interrupt_in_epoch_two)
    code, text = _run(capsys, config, cut)
    assert code == 130
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and str(cut / "checkpoint.pkl") in lines[0] and "resume" in lines[0]
    monkeypatch.setattr(train_module, "evaluate", real)
    assert _run(capsys, config, cut)[0] == 0
    assert (cut / "metrics.json").read_bytes() == (whole / "metrics.json").read_bytes()


def test_corrupt_checkpoint_exits_2_naming_the_file(tmp_path, config, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "checkpoint.pkl").write_bytes(b"not a pickle")
    code, text = _run(capsys, config, out)
    assert code == 2 and str(out / "checkpoint.pkl") in text and "corrupt" in text
    (out / "checkpoint.pkl").write_bytes(pickle.dumps({"no": "hash"}))
    code, text = _run(capsys, config, out)
    assert code == 2 and "corrupt" in text


def test_summary_line_and_progress_bar_with_total_and_eta(tmp_path, config, capsys):
    code, text = _run(capsys, config, tmp_path / "quiet")
    assert code == 0
    assert "test_acc" in text and "s;" in text and str(tmp_path / "quiet") in text
    code, text = _run(capsys, config, tmp_path / "bar", "--progress")
    assert code == 0
    assert "epoch 1/2" in text and "100%" in text and "3/3" in text and "<" in text  # ETA


def test_metrics_record_code_version(tmp_path, config, capsys):
    assert _run(capsys, config, tmp_path / "out")[0] == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert set(metrics) == {
        "config",
        "history",
        "sizes",
        "update_depth",
        "code_version",
        "first_loss",
    }
    assert metrics["code_version"]["version"] == "0.1.0"


@pytest.mark.slow
def test_results_do_not_depend_on_the_blas_thread_count(tmp_path, config):
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        out = tmp_path / f"t{threads}"
        cmd = [sys.executable, "-m", "sim.cli", str(config), str(out),
               "--set", "network.hidden=300", "--set", "training.batch_size=96"]  # fmt: skip
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr
        outs.append((out / "metrics.json").read_bytes())
    assert outs[0] == outs[1]


def test_a_numerical_failure_mid_training_exits_1_not_as_bad_input(
    tmp_path, config, capsys, monkeypatch
):
    from sim.rules.perturbation import NodePerturbation

    def singular(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(NodePerturbation, "estimate", singular)
    code, text = _run(capsys, config, tmp_path / "out")
    assert code == 1 and "training failed at epoch 1, batch 1" in text and "LinAlgError" in text
    assert not (tmp_path / "out" / "checkpoint.pkl").exists()
