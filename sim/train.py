"""Training driver: config -> data, network, rule, optimiser -> trained weights and metrics.

`train` runs one configuration (continual tasks in sequence when ``data.tasks`` is set) and,
given ``out_dir``, writes ``metrics.json`` (bit-identical for the same config), ``timing.json``
(wall times) and ``weights.npz``, each atomically and only after success. A ``checkpoint.pkl``
saved after every epoch lets an interrupted run resume where it stopped. A diverging run
raises `Diverged` naming the step, learning rate and loss.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np

from .config import resolve
from .data import Dataset, batches, class_split, load_mnist_format, one_hot
from .network import Network
from .neurons import NeuronParams
from .optim import Optimizer
from .rules import LearningRule, make_rule

__all__ = ["Diverged", "build_learning", "build_network", "evaluate", "load_data", "train"]


class Diverged(RuntimeError):
    """Training diverged (non-finite or exploding loss)."""


def load_data(cfg: dict) -> Dataset:
    """The dataset a resolved config asks for."""
    data, seed = cfg["data"], cfg["seed"]
    if data["name"] == "teacher":
        from .synthetic import nonlinear_teacher

        # a small, learnable synthetic task for tests and quick checks: 20 inputs, 4 classes
        rng = np.random.default_rng([seed, 10])
        return nonlinear_teacher(
            20, 32, 4, data["n_train"], rng, n_val=data["n_val"], n_test=data["n_test"]
        )
    directory = data["path"] if data["name"] == "mnist_dir" else data["path"] or None
    return load_mnist_format(
        directory, subset=(data["n_train"], data["n_test"]), seed=seed, validation=data["n_val"]
    )


def build_learning(cfg: dict) -> tuple[LearningRule, Optimizer]:
    """Rule and optimiser of a resolved config (their options are validated here)."""
    rule_cfg = dict(cfg["rule"])
    rule = make_rule(rule_cfg.pop("name"), **rule_cfg)
    opt_cfg = dict(cfg["optimizer"])
    try:
        optimizer = Optimizer(opt_cfg.pop("name"), **opt_cfg)
    except TypeError as err:
        raise ValueError(f"bad optimizer option: {err}") from None
    return rule, optimizer


def build_network(cfg: dict, n_in: int, n_out: int) -> Network:
    """The network of a resolved config for ``n_in`` inputs and ``n_out`` outputs."""
    net_cfg = dict(cfg["network"])
    neuron_cfg = dict(net_cfg.pop("neuron"))
    neuron = NeuronParams(leak=neuron_cfg.pop("model") == "lif", **neuron_cfg)
    depth, hidden, gain = net_cfg.pop("depth"), net_cfg.pop("hidden"), net_cfg.pop("gain")
    sizes = [n_in] + [hidden] * (depth - 1) + [n_out]
    rng = np.random.default_rng([cfg["seed"], 0])
    return Network.init(sizes, rng, gain=gain, neuron=neuron, **net_cfg)


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
        out = net.forward(net.encode(xb, rng)).output
        if classes is not None:
            cols = np.asarray(classes)
            correct += int(np.sum(cols[np.argmax(out[:, cols], axis=1)] == yb))
        else:
            correct += int(np.sum(np.argmax(out, axis=1) == yb))
    return correct / len(x)


def _config_hash(cfg: dict) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:16]


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=True, allow_nan=True) + "\n").encode()


def train(
    config: dict, out_dir: str | os.PathLike | None = None, *, progress: bool = False
) -> dict:
    """Train one configuration; returns the metrics dict (also written to ``out_dir``).

    Raises
    ------
    ValueError
        Bad config or missing data, before any work or output.
    Diverged
        Non-finite loss or loss above ``training.max_loss_factor`` times the first batch's.
    """
    cfg = resolve(config)
    rule, optimizer = build_learning(cfg)
    build_network(cfg, 1, 1)  # validates the network settings before the data are loaded
    dataset = load_data(cfg)
    tasks = cfg["data"]["tasks"]
    task_sets = class_split(dataset, tasks) if tasks else [dataset]
    task_classes = [list(t) for t in tasks] if tasks else [None]
    net = build_network(cfg, dataset.n_features, dataset.n_classes)
    out = Path(out_dir) if out_dir is not None else None
    state = {
        "epoch": 0,
        "history": [],
        "timing": [],
        "first_loss": None,
        "rng": np.random.default_rng([cfg["seed"], 1]),
    }
    checkpoint = out / "checkpoint.pkl" if out is not None else None
    if checkpoint is not None and checkpoint.exists():
        saved = pickle.loads(checkpoint.read_bytes())
        if saved["config_hash"] != _config_hash(cfg):
            raise ValueError(f"{checkpoint} belongs to a different config; delete it to restart")
        net, rule, optimizer, state = (
            saved["net"],
            saved["rule"],
            saved["optimizer"],
            saved["state"],
        )
    epochs, batch_size = cfg["training"]["epochs"], cfg["training"]["batch_size"]
    total = epochs * len(task_sets)
    lr = cfg["optimizer"]["lr"]
    start = time.perf_counter() - sum(state["timing"])
    while state["epoch"] < total:
        task = state["epoch"] // epochs
        data = task_sets[task]
        losses, correct, norms = [], 0, []
        for xb, yb in _progress(
            batches(data.train_x, data.train_y, batch_size, state["rng"]),
            progress,
            f"epoch {state['epoch'] + 1}/{total}",
        ):
            rng = np.random.default_rng([cfg["seed"], 2, state["epoch"], len(losses)])
            est = rule.estimate(net, net.encode(xb, rng), one_hot(yb, dataset.n_classes), rng)
            if state["first_loss"] is None:
                state["first_loss"] = est.loss
            step_index = f"epoch {state['epoch'] + 1}, batch {len(losses) + 1}"
            limit = cfg["training"]["max_loss_factor"] * max(state["first_loss"], 1e-12)
            if not np.isfinite(est.loss) or est.loss > limit:
                raise Diverged(
                    f"training diverged at {step_index} with lr={lr:g}: loss {est.loss:.4g} "
                    f"(first batch {state['first_loss']:.4g})"
                )
            steps = optimizer.apply(net.weights, est.grads, rule)
            if not all(np.all(np.isfinite(w)) for w in net.weights):
                raise Diverged(
                    f"training diverged at {step_index} with lr={lr:g}: non-finite weights"
                )
            losses.append(est.loss)
            correct += int(np.sum(np.argmax(est.output, axis=1) == yb))
            norms.append([float(np.linalg.norm(s)) for s in steps])
        if tasks and (state["epoch"] + 1) % epochs == 0 and hasattr(rule, "end_task"):
            rule.end_task()  # continual learning: protect the finished task
        eval_rng = np.random.default_rng([cfg["seed"], 3, state["epoch"]])
        record = {
            "epoch": state["epoch"] + 1,
            "task": task,
            "train_loss": float(np.mean(losses)),
            "train_acc": correct / len(data.train_x),
            "val_acc": evaluate(net, data.val_x, data.val_y, eval_rng, task_classes[task]),
            "test_acc": evaluate(net, data.test_x, data.test_y, eval_rng, task_classes[task]),
            "update_norm": np.mean(norms, axis=0).tolist(),
        }
        if tasks:
            record["task_test_acc"] = [
                evaluate(net, t.test_x, t.test_y, eval_rng, c)
                for t, c in zip(task_sets, task_classes, strict=True)
            ]
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
        "config": cfg,
        "history": state["history"],
        "sizes": net.sizes,
        "update_depth": _update_depth(rule, net.depth),
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(out / "metrics.json", _json_bytes(metrics))
        _atomic_write(out / "timing.json", _json_bytes({"epoch_seconds": state["timing"]}))
        tmp = out / "weights.tmp.npz"
        np.savez(tmp, *net.weights)
        os.replace(tmp, out / "weights.npz")
        checkpoint.unlink()
    return metrics


def _update_depth(rule: LearningRule, depth: int) -> int:
    from .rules import critical_path_depth

    return critical_path_depth(rule.dependencies(depth))


def _progress(iterable, enabled: bool, desc: str):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, leave=False)
