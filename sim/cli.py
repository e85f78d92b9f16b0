"""Command line: ``loco-train CONFIG.yaml OUT_DIR [--set key=value ...] [--progress] [--force]``.

Exit status 0 on success, 1 when a rule's computation failed mid-training, 2 on bad input
(config, output directory, checkpoint or data; nothing written), 3 when training diverged, 130
when interrupted (the checkpoint is kept; rerunning the same command resumes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .config import load_yaml
from .train import Diverged, TrainingFailed, train

__all__ = ["main"]


def _set(config: dict, assignment: str) -> None:
    """Apply one ``--set a.b.c=value`` (value parsed as YAML) to ``config`` in place."""
    key, _, value = assignment.partition("=")
    if not key or not _:
        raise ValueError(f"--set expects key=value, got {assignment!r}")
    *parents, leaf = key.split(".")
    node = config
    for depth, part in enumerate(parents):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            where = ".".join(parents[: depth + 1])
            raise ValueError(f"--set {key}: config key {where!r} is a value, not a section")
    node[leaf] = load_yaml(value)


def _read_config(path: Path) -> dict:
    if path.is_dir():
        raise ValueError(f"config {path} is a directory, not a YAML file")
    try:
        text = path.read_text()
    except OSError as err:
        raise ValueError(f"cannot read config {path}: {err.strerror}") from None
    try:
        config = load_yaml(text)
    except ValueError as err:
        raise ValueError(f"config {path}: {err}") from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ValueError(f"config {path} must be a mapping of keys, got {type(config).__name__}")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="loco-train",
        description="Train one configuration (keys and defaults: sim/config.py).",
        epilog="exit status: 0 done, 1 failed mid-training, 2 bad input (nothing written), "
        "3 diverged, 130 interrupted",
    )
    parser.add_argument("config", type=Path, help="YAML config (see sim.config)")
    parser.add_argument("out_dir", type=Path, help="directory for metrics.json and weights.npz")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set optimizer.lr=0.05",
    )
    parser.add_argument("--progress", action="store_true", help="show a progress bar per epoch")
    parser.add_argument("--force", action="store_true", help="overwrite a finished run in OUT_DIR")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        config = _read_config(args.config)
        for assignment in args.set:
            _set(config, assignment)
        metrics = train(config, args.out_dir, progress=args.progress, force=args.force)
    except (ValueError, FileNotFoundError) as err:
        print(f"loco-train: error: {err}", file=sys.stderr)
        return 2
    except Diverged as err:
        print(f"loco-train: {err}", file=sys.stderr)
        return 3
    except TrainingFailed as err:
        print(f"loco-train: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        checkpoint = args.out_dir / "checkpoint.pkl"
        where = (
            f"checkpoint {checkpoint} kept; rerun the same command to resume"
            if checkpoint.exists()
            else "no epoch finished, so no checkpoint; rerun to start again"
        )
        print(f"\nloco-train: interrupted; {where}", file=sys.stderr)
        return 130
    last = metrics["history"][-1]
    print(
        f"loco-train: done: test_acc {last['test_acc']:.4f} (val {last['val_acc']:.4f}) after "
        f"{last['epoch']} epochs in {time.perf_counter() - start:.1f} s; results in {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
