# Shared by the chains that train spiking networks (F1, F5-F8): the merged training base config,
# run seeds, and every check of their settings before any job.
import numpy as np

from sim.config import resolve as _resolve_training
from sim.data import mnist_format_files
from sim.experiments import run_config
from sim.train import build_learning, updates_per_epoch

TRAINING = config["training"]


TRAINING_BASE = merged_with_default("training", "base")


def run_seed(seed):
    """sim config seed of training seed ``seed``: default_rng([root seed, seed]), shared by
    every figure and rule (same data subset, batch order and initial weights)."""
    return int(np.random.default_rng([int(config["seed"]), int(seed)]).integers(2**31))


def train_config(name, *, depth=None, lr=None, seed=0, **sections):
    """One run's sim config: TRAINING_BASE for rule ``name`` at ``depth`` with ``lr`` (default
    training.lr.<name>); ``sections`` (e.g. ``training={"epochs": 6}``) are merged in."""
    lr = TRAINING["lr"][name] if lr is None else lr
    cfg = run_config(TRAINING_BASE, name, depth=depth, lr=lr, seed=run_seed(seed))
    return deep_merge(cfg, sections)


TRAINING_RUNS = {}  # enabled chain -> [(label, run config, config key it comes from)]


def trains(fig, runs):
    """Declare the runs chain ``fig`` trains: ``[(label, sim config, config key)]``. Every one
    must build (``sim.config.resolve``, the rule's and optimiser's constructors, its data set)
    before any job runs (``check_settings``); a problem is reported once per key and message."""
    if enabled(fig):
        TRAINING_RUNS[fig] = runs


def _training_errors():
    """Every problem of the runs of the enabled chains, as 'config key' lines."""
    errors, checked = {}, set()  # checked: data sets already found
    for fig, runs in TRAINING_RUNS.items():
        for label, run, key in runs:
            try:
                resolved = _resolve_training(run)
                build_learning(resolved)
                data = (resolved["data"]["name"], resolved["data"]["path"])
                if data[0] != "teacher" and data not in checked:
                    mnist_format_files(data[1])
                checked.add(data)
            except (ValueError, FileNotFoundError) as err:
                where = f"{key} data" if isinstance(err, FileNotFoundError) else key
                errors.setdefault((where, str(err)), f"({fig}, {label} runs)")
    return [f"  config key {where} {runs}: {err}" for (where, err), runs in errors.items()]


SETTINGS_CHECKS.append(_training_errors)
try:
    # TRAINING_BASE with sim.config defaults; `rule` keeps the options of every family (each
    # run picks its own, and _training_errors checks them per run)
    TRAINING_RESOLVED = {
        **_resolve_training({**TRAINING_BASE, "rule": {"name": "bp"}}),
        "rule": TRAINING_BASE["rule"],
    }
    TRAINING_BASE_ERROR = None
except ValueError as err:  # reported by check_settings if a chain trains
    TRAINING_RESOLVED, TRAINING_BASE_ERROR = None, err
