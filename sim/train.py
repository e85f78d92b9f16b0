"""Training driver: config -> data, network, rule, optimiser -> trained weights and metrics.

`train` runs one configuration (continual tasks in sequence when ``data.tasks`` is set) and,
given ``out_dir``, writes ``metrics.json`` (bit-identical for the same config and code),
``timing.json`` (wall times) and ``weights.npz``, each atomically and only after success. A
``checkpoint.pkl`` saved after every epoch lets an interrupted run resume where it stopped; a
diverged run removes it. Training runs with one BLAS thread, so results do not depend on the
machine's thread count, and keeps freed memory for reuse (`sim.allocator`). A diverging run
raises `Diverged` naming the step, learning rate and what diverged (see `train`).

``metrics.json`` keys:

==================  ==========================================================================
config              the resolved config (every default filled in, `sim.config`)
history             one record per epoch (below)
evaluations         with ``training.eval_updates`` only: ``{updates, epoch, val_acc, test_acc}``
                    at each of those update counts that the run reached
sizes               layer sizes, input first
update_depth        critical-path depth of the rule's update phase (`sim.rules.base`)
code_version        ``version`` of the installed package and git ``commit`` (null outside git)
first_loss          the first batch's clean loss (the reference of the divergence criteria)
==================  ==========================================================================

Each ``history`` record: ``epoch`` (1-based, counted over all tasks), ``task`` (0-based),
``train_loss`` (mean clean loss over the epoch's batches, before each update), ``train_acc``
(accuracy of those clean passes), ``val_acc`` and ``test_acc`` (after the epoch), and
``update_norm`` (mean Frobenius norm of each layer's applied step). All accuracies of a
continual run use the task's protocol (``data.protocol``: task-incremental runs the argmax over
the current task's classes only). Continual runs add ``task_test_acc`` (test accuracy on every
task after this epoch) and, in ``metrics.json``, ``initial_task_test_acc`` (every task before
training). After each task's last epoch the rule's ``end_task`` sees the network and the task.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .config import RunConfig, settings
from .data import (
    Dataset,
    batches,
    continual_tasks,
    joined,
    load_mnist_format,
    one_hot,
    sorted_by_class,
)
from .network import Network
from .neurons import NeuronParams
from .optim import Optimizer
from .rules import LearningRule, make_rule
from .streams import stream

__all__ = [
    "Diverged",
    "TrainingFailed",
    "build_learning",
    "build_network",
    "check_out_dir",
    "code_version",
    "evaluate",
    "load_data",
    "train",
    "updates_per_epoch",
]


class Diverged(RuntimeError):
    """Training diverged (non-finite loss or weights, exploding loss, or died activity)."""


class TrainingFailed(RuntimeError):
    """An error inside the training loop (e.g. a singular matrix), not a bad input."""


def updates_per_epoch(cfg: dict | RunConfig) -> int:
    """Updates per epoch of a config: ``ceil(data.n_train / training.batch_size)`` (the last
    batch may be smaller; one task's epoch in a continual run).

    A dict is read as it is, unvalidated (the workflow asks before its config checks run).

    >>> updates_per_epoch({"data": {"n_train": 1000}, "training": {"batch_size": 64}})
    16
    """
    if isinstance(cfg, RunConfig):
        n_train, batch_size = cfg.data.n_train, cfg.training.batch_size
    else:
        n_train, batch_size = cfg["data"]["n_train"], cfg["training"]["batch_size"]
    return -(-n_train // batch_size)


def load_data(cfg: dict | RunConfig) -> Dataset:
    """The dataset a config asks for."""
    run = settings(cfg)
    data, seed = run.data, run.seed
    if data.name == "teacher":
        from .synthetic import nonlinear_teacher

        # a small, learnable synthetic task for tests and quick checks: 20 inputs, 4 classes
        rng = stream(seed, "teacher_data")
        return nonlinear_teacher(20, 32, 4, data.n_train, rng, n_val=data.n_val, n_test=data.n_test)
    directory = data.path if data.name == "mnist_dir" else data.path or None
    return load_mnist_format(
        directory, subset=(data.n_train, data.n_test), seed=seed, validation=data.n_val
    )


def build_rule(cfg: dict | RunConfig) -> LearningRule:
    """The learning rule of a config: ``rule.name`` with the rest of ``rule`` as its options
    (the one way a config becomes a rule)."""
    options = dict(settings(cfg).rule)
    return make_rule(options.pop("name"), **options)


def build_learning(cfg: dict | RunConfig) -> tuple[LearningRule, Optimizer]:
    """Rule (`build_rule`) and optimiser of a config."""
    run = settings(cfg)
    options = asdict(run.optimizer)
    return build_rule(run), Optimizer(options.pop("name"), **options)


def build_network(cfg: dict | RunConfig, n_in: int, n_out: int) -> Network:
    """The network of a config for ``n_in`` inputs and ``n_out`` outputs."""
    run = settings(cfg)
    net, neuron = run.network, asdict(run.network.neuron)
    neuron = NeuronParams(leak=neuron.pop("model") == "lif", **neuron)
    return Network.init(
        net.sizes(n_in, n_out),
        stream(run.seed, "weight_init"),
        gain=net.gain,
        neuron=neuron,
        mode=net.mode,
        steps=net.steps,
        encoder=net.encoder,
        readout=net.readout,
        dtype=net.dtype,
        perturb=net.perturb,
        output_scale=net.output_scale,
    )


def _correct(output: np.ndarray, y: np.ndarray, classes: list[int] | None) -> int:
    """Number of rows whose argmax (over ``classes`` only, when given) is the label."""
    if classes is None:
        return int(np.sum(np.argmax(output, axis=1) == y))
    cols = np.asarray(classes)
    return int(np.sum(cols[np.argmax(output[:, cols], axis=1)] == y))


def evaluate(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    classes: list[int] | None = None,
    batch_size: int = 500,
) -> float:
    """Accuracy of ``net`` on (x, y); with ``classes``, the argmax runs over those outputs only."""
    if len(x) == 0:
        return float("nan")
    correct = 0
    for xb, yb in batches(x, y, batch_size, None):
        correct += _correct(net.forward(net.encode(xb, rng)).output, yb, classes)
    return correct / len(x)


def _config_hash(cfg: RunConfig) -> str:
    """Hash of the config and the code version: a checkpoint resumes only the same run."""
    key = json.dumps({"config": cfg.to_dict(), "code": code_version()}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=True, allow_nan=True) + "\n").encode()


def check_out_dir(out_dir: str | os.PathLike, *, force: bool = False) -> Path:
    """``out_dir`` as a Path, refused (ValueError) if it cannot hold a run's results.

    It must be a directory or creatable as one, and must not hold a finished run's
    ``metrics.json`` unless ``force``.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"output directory {out} exists and is not a directory")
    ancestor = out
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"output directory {out} cannot be created ({ancestor} is not writable)")
    if (out / "metrics.json").exists() and not force:
        raise ValueError(
            f"{out / 'metrics.json'} exists (a finished run); choose another directory or "
            "pass --force to overwrite it"
        )
    return out


def train(
    config: dict | RunConfig,
    out_dir: str | os.PathLike | None = None,
    *,
    progress: bool = False,
    force: bool = False,
) -> dict:
    """Train one configuration; returns the metrics dict (also written to ``out_dir``).

    Divergence is any of: a non-finite loss or weights; a batch loss above
    ``training.max_loss_factor`` times the first batch's; or died activity, a clean readout
    that is the same for every sample of a batch after training started although it was not
    on the first batch (some layer fell silent, so the output no longer depends on the input).

    Parameters
    ----------
    force : bool
        Overwrite a finished run's results in ``out_dir`` and discard a checkpoint of another
        config there.

    Raises
    ------
    ValueError
        Bad config, output directory or checkpoint, or missing data, before any work or output.
    Diverged
        Training diverged (above); the run's checkpoint is removed so a rerun starts afresh.
    TrainingFailed
        A rule's computation failed mid-training (e.g. a singular matrix); no checkpoint kept.
    """
    from threadpoolctl import threadpool_limits

    from .allocator import keep_freed_memory

    cfg = settings(config)
    keep_freed_memory()
    out = check_out_dir(out_dir, force=force) if out_dir is not None else None
    with threadpool_limits(limits=1, user_api="blas"):
        checkpoint = out / "checkpoint.pkl" if out is not None else None
        try:
            return _train(cfg, out, checkpoint, progress=progress, force=force)
        except (Diverged, TrainingFailed):
            if checkpoint is not None:
                checkpoint.unlink(missing_ok=True)
            raise


def _load_checkpoint(checkpoint: Path, cfg: RunConfig, force: bool) -> dict | None:
    """The saved state of this config's interrupted run (None: start afresh)."""
    if not checkpoint.exists():
        return None
    try:
        saved = pickle.loads(checkpoint.read_bytes())
        config_hash = saved["config_hash"]
    except Exception as err:
        raise ValueError(
            f"checkpoint {checkpoint} is corrupt ({type(err).__name__}); delete it to restart"
        ) from None
    if config_hash != _config_hash(cfg):
        if force:
            return None
        raise ValueError(
            f"{checkpoint} belongs to a different config or code version; delete it or pass "
            "--force to restart"
        )
    return saved


def _train(
    cfg: RunConfig, out: Path | None, checkpoint: Path | None, *, progress: bool, force: bool
):
    rule, optimizer = build_learning(cfg)
    build_network(cfg, 1, 1)  # validates the network settings before the data are loaded
    dataset = load_data(cfg)
    tasks, joint = cfg.data.tasks, cfg.data.joint
    continual = tasks is not None
    task_sets, task_classes = (
        continual_tasks(dataset, tasks, cfg.data.protocol, cfg.seed)
        if continual
        else ([dataset], [None])
    )
    # what is trained in sequence: the tasks, or all of them at once (joint)
    train_sets, train_classes = (
        ([joined(task_sets)], [None]) if joint else (task_sets, task_classes)
    )
    if cfg.data.order == "sorted":  # the authors' class-sorted stream, unshuffled
        train_sets = [sorted_by_class(t) for t in train_sets]
    net = build_network(cfg, dataset.n_features, dataset.n_classes)
    state = {
        "epoch": 0,
        "history": [],
        "timing": [],
        "first_loss": None,
        "first_constant": None,
        "rng": stream(cfg.seed, "batch_order"),
        "updates": 0,
        "evaluations": [],
        "initial_task_test_acc": None,
    }
    saved = _load_checkpoint(checkpoint, cfg, force) if checkpoint is not None else None
    if saved is not None:
        net, rule, optimizer, state = (
            saved["net"],
            saved["rule"],
            saved["optimizer"],
            saved["state"],
        )
    epochs, batch_size = cfg.training.epochs, cfg.training.batch_size
    total = epochs * len(train_sets)  # joint: the tasks' union, as many presentations

    def task_accuracies(rng: np.random.Generator) -> list[float]:
        return [
            evaluate(net, t.test_x, t.test_y, rng, c)
            for t, c in zip(task_sets, task_classes, strict=True)
        ]

    if continual and state["initial_task_test_acc"] is None:  # before training: FWT's baseline
        state["initial_task_test_acc"] = task_accuracies(stream(cfg.seed, "evaluation_at", 0))
    lr = cfg.optimizer.lr
    eval_updates = set(cfg.training.eval_updates)
    start = time.perf_counter() - sum(state["timing"])
    while state["epoch"] < total:
        task = state["epoch"] // epochs
        data, classes = train_sets[task], train_classes[task]
        shuffle = state["rng"] if cfg.data.order == "shuffled" else None
        losses, correct, norms = [], 0, []
        for xb, yb in _progress(
            batches(data.train_x, data.train_y, batch_size, shuffle),
            progress,
            f"epoch {state['epoch'] + 1}/{total}",
            total=-(-len(data.train_y) // batch_size),
        ):
            rng = stream(cfg.seed, "batch", state["epoch"], len(losses))
            step_index = f"epoch {state['epoch'] + 1}, batch {len(losses) + 1}"
            try:
                est = rule.estimate(net, net.encode(xb, rng), one_hot(yb, dataset.n_classes), rng)
            except (ValueError, ArithmeticError) as err:  # LinAlgError is a ValueError
                raise TrainingFailed(
                    f"training failed at {step_index} with lr={lr:g}: {type(err).__name__}: {err}"
                ) from err
            constant = _readout_is_constant(est.output)
            if state["first_loss"] is None:
                state["first_loss"], state["first_constant"] = est.loss, constant
            limit = cfg.training.max_loss_factor * max(state["first_loss"], 1e-12)
            if not np.isfinite(est.loss) or est.loss > limit:
                raise Diverged(
                    f"training diverged at {step_index} with lr={lr:g}: loss {est.loss:.4g} "
                    f"(first batch {state['first_loss']:.4g})"
                )
            if constant and not state["first_constant"]:
                raise Diverged(
                    f"training diverged at {step_index} with lr={lr:g}: activity died (the "
                    "readout is the same for every sample of the batch; a layer fell silent)"
                )
            steps = rule.update(net, est.grads, optimizer)
            if not all(np.all(np.isfinite(w)) for w in net.weights):
                raise Diverged(
                    f"training diverged at {step_index} with lr={lr:g}: non-finite weights"
                )
            losses.append(est.loss)
            correct += _correct(est.output, yb, classes)
            norms.append([float(np.linalg.norm(s)) for s in steps])
            state["updates"] += 1
            if state["updates"] in eval_updates:  # a point of the budget curve
                at = stream(cfg.seed, "evaluation_at", state["updates"])
                state["evaluations"].append({
                    "updates": state["updates"],
                    "epoch": state["epoch"] + 1,
                    "val_acc": evaluate(net, data.val_x, data.val_y, at, classes),
                    "test_acc": evaluate(net, data.test_x, data.test_y, at, classes),
                })  # fmt: skip
        if continual and not joint and (state["epoch"] + 1) % epochs == 0:
            rule.end_task(net, data, stream(cfg.seed, "end_task", task))  # e.g. protect it
        eval_rng = stream(cfg.seed, "evaluation", state["epoch"])
        record = {
            "epoch": state["epoch"] + 1,
            "task": task,
            "train_loss": float(np.mean(losses)),
            "train_acc": correct / len(data.train_x),
            "val_acc": evaluate(net, data.val_x, data.val_y, eval_rng, classes),
            "test_acc": evaluate(net, data.test_x, data.test_y, eval_rng, classes),
            "update_norm": np.mean(norms, axis=0).tolist(),
        }
        if continual:
            record["task_test_acc"] = task_accuracies(eval_rng)
        state["history"].append(record)
        state["timing"].append(time.perf_counter() - start - sum(state["timing"]))
        state["epoch"] += 1
        if checkpoint is not None:
            out.mkdir(parents=True, exist_ok=True)
            blob = {
                "config_hash": _config_hash(cfg),
                "net": net,
                "rule": rule,
                "optimizer": optimizer,
                "state": state,
            }
            _atomic_write(checkpoint, pickle.dumps(blob))
    metrics = {
        "config": cfg.to_dict(),
        "history": state["history"],
        "sizes": net.sizes,
        "update_depth": _update_depth(rule, net.depth),
        "code_version": code_version(),
        "first_loss": state["first_loss"],  # the first batch's: "did the loss grow?"
    }
    if eval_updates:
        metrics["evaluations"] = state["evaluations"]
    if continual:
        metrics["initial_task_test_acc"] = state["initial_task_test_acc"]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / "metrics.json", _json_bytes(metrics))
        _atomic_write(out / "timing.json", _json_bytes({"epoch_seconds": state["timing"]}))
        tmp = out / "weights.tmp.npz"
        np.savez(tmp, *net.weights)
        os.replace(tmp, out / "weights.npz")
        checkpoint.unlink()
    return metrics


def _readout_is_constant(output: np.ndarray) -> bool:
    """True when every row of the readout equals the first (it ignores the input)."""
    return len(output) > 1 and bool(np.all(output == output[:1]))


@functools.cache
def code_version() -> dict:
    """The installed package version and the git commit of the source tree (None outside git)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("loco-toolkit")
    except PackageNotFoundError:
        release = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"version": release, "commit": commit}


def _update_depth(rule: LearningRule, depth: int) -> int:
    from .rules import critical_path_depth

    return critical_path_depth(rule.dependencies(depth))


def _progress(iterable, enabled: bool, desc: str, total: int):
    """A bar with total, percentage and ETA over one epoch's batches (when enabled)."""
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit="batch", leave=True)
