"""Command line: ``loco-train CONFIG.yaml OUT_DIR [--set key=value ...] [--progress]``.

Exit status 0 on success, 2 on a bad config (nothing written), 3 when training diverged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .train import Diverged, train

__all__ = ["main"]


def _set(config: dict, assignment: str) -> None:
    key, _, value = assignment.partition("=")
    if not key or not _:
        raise ValueError(f"--set expects key=value, got {assignment!r}")
    *parents, leaf = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = yaml.safe_load(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loco-train", description="Train one configuration.")
    parser.add_argument("config", type=Path, help="YAML config (see sim.config)")
    parser.add_argument("out_dir", type=Path, help="directory for metrics.json and weights.npz")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set optimizer.lr=0.05",
    )
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    args = parser.parse_args(argv)
    try:
        config = yaml.safe_load(args.config.read_text()) or {}
        for assignment in args.set:
            _set(config, assignment)
        train(config, args.out_dir, progress=args.progress)
    except (ValueError, FileNotFoundError) as err:
        print(f"loco-train: error: {err}", file=sys.stderr)
        return 2
    except Diverged as err:
        print(f"loco-train: {err}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
