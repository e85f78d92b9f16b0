# Shared by the chains that train spiking networks (F1, F5-F8): the merged training base config,
# run seeds, and every check of their settings before any job.
import copy

import numpy as np
import yaml

from sim.config import resolve as _resolve_training
from sim.data import mnist_format_files
from sim.experiments import run_config
from sim.train import build_learning

TRAINING = config["training"]


def _deep_merge(default, given):
    out = copy.deepcopy(default)
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# training.base given in a config file is merged into the schema's default (JSON-schema
# defaults apply only to absent keys), so a profile overrides only what it changes.
_BASE_DEFAULT = yaml.safe_load(SCHEMA.read_text())["properties"]["training"]["properties"]
TRAINING_BASE = _deep_merge(_BASE_DEFAULT["base"]["default"], TRAINING["base"])


def run_seed(seed):
    """sim config seed of training seed ``seed``: default_rng([root seed, seed]), shared by
    every figure and rule (same data subset, batch order and initial weights)."""
    return int(np.random.default_rng([int(config["seed"]), int(seed)]).integers(2**31))


def train_config(name, *, depth=None, lr=None, seed=0, **sections):
    """One run's sim config: TRAINING_BASE for rule ``name`` at ``depth`` with ``lr`` (default
    training.lr.<name>); ``sections`` (e.g. ``training={"epochs": 6}``) are merged in."""
    lr = TRAINING["lr"][name] if lr is None else lr
    cfg = run_config(TRAINING_BASE, name, depth=depth, lr=lr, seed=run_seed(seed))
    return _deep_merge(cfg, sections)


def _training_errors():
    """Every problem of the training settings of the enabled chains, as 'config key' lines."""
    base = "training.base"
    uses = {  # figure -> [(rule, extra sections, config key they come from)]
        "F1": [(r, {}, base) for r in config["F1"]["rules"]],
        "F5": [(r, {}, base) for r in config["F5"]["rules"]]
        + [("loco", {"rule": opts}, f"F5.ablation.variants.{name}")
           for name, opts in config["F5"]["ablation"]["variants"].items()],
        "F6": [(r, {}, base) for r in config["F6"]["rules"]],
        "F7": [(r, {"optimizer": config["F7"]["optimizer"].get(r, {})},
                "F7.optimizer" if config["F7"]["optimizer"].get(r) else base)
               for r in config["F7"]["rules"]],
        "F8": [(r, {}, base) for r in config["F8"]["rules"]],
    }  # fmt: skip
    errors = []
    for fig, runs in uses.items():
        if not enabled(fig):
            continue
        for rule, sections, key in runs:
            try:
                build_learning(_resolve_training(train_config(rule, **sections)))
            except ValueError as err:
                errors.append(f"  config key {key} ({fig}, {rule} runs): {err}")
    data = TRAINING_BASE["data"]
    if data.get("name", "fashion_mnist") != "teacher":
        try:
            mnist_format_files(data.get("path"))
        except FileNotFoundError as err:
            errors.append(f"  config key training.base data: {err}")
    if enabled("F1"):
        need = config["F1"]["batches"] * TRAINING_BASE["training"]["batch_size"]
        if need > TRAINING_BASE["data"]["n_train"]:
            errors.append(f"  config key F1.batches: batches x batch_size = {need} exceeds "
                          f"training.base data.n_train = {TRAINING_BASE['data']['n_train']}")  # fmt: skip
    if enabled("F5"):
        f5 = config["F5"]
        if f5["ablation"]["variants"] and f5["ablation"]["depth"] not in f5["depths"]:
            errors.append(f"  config key F5.ablation.depth: {f5['ablation']['depth']} is not one "
                          f"of F5.depths {f5['depths']} (ablations reuse LOCO's rate there)")  # fmt: skip
        if f5["ablation"]["variants"] and "loco" not in f5["rules"]:
            errors.append("  config key F5.rules: must include loco when F5.ablation.variants "
                          "is not empty")  # fmt: skip
    if enabled("F5") and config["paper"]["build"]:
        missing = sorted({3, 10} - set(config["F5"]["depths"]))
        if missing:
            errors.append(f"  config key F5.depths: must include 3 and 10 when the paper is "
                          f"built (it quotes them); missing {missing}")  # fmt: skip
        quoted = {"no_lowrank", "no_clusters", "k8", "k16", "k128"}
        missing = sorted(quoted - set(config["F5"]["ablation"]["variants"]))
        if missing:
            errors.append(f"  config key F5.ablation.variants: must include {sorted(quoted)} "
                          f"when the paper is built (it quotes them); missing {missing}")  # fmt: skip
        missing = sorted({2, 10} - set(config["F5"]["layers"]["depths"]))
        if missing:
            errors.append(f"  config key F5.layers.depths: must include 2 and 10 when the "
                          f"paper is built (it quotes them); missing {missing}")  # fmt: skip
    return errors


# F5: the first training seed sweeps the rates, the others reuse its choice.
SWEEP_SEED = TRAINING["seeds"][0]  # its runs choose each rule's rate for the other seeds


def f5_rate_source(rule, depth, seed):
    """The run whose validation-chosen rate ``seed`` reuses ({} for the sweeping seed)."""
    if int(seed) == SWEEP_SEED or len(config["F5"]["lr_factors"]) == 1:
        return {}
    return {"lr_from": f"results/F5/runs/{rule}_L{depth}_s{SWEEP_SEED}.json"}


def f5_rates(rule):
    return [f * TRAINING["lr"][rule] for f in config["F5"]["lr_factors"]]


TRAINING_RESOLVED = None  # TRAINING_BASE with sim.config defaults, once it is checked
STATS = "workflow/scripts/train_stats.py"  # helpers the summaries import (an input of theirs)
if TRAINING_FIGURES := sorted({"F1", "F5", "F6", "F7", "F8"} & set(config["figures"])):
    try:
        # defaults filled in; `rule` keeps the options of every family (each run picks its
        # own, and _training_errors checks them per run)
        TRAINING_RESOLVED = {
            **_resolve_training({**TRAINING_BASE, "rule": {"name": "bp"}}),
            "rule": TRAINING_BASE["rule"],
        }
        _errors = _training_errors()
    except ValueError as err:
        _errors = [f"  config key training.base: {err}"]
    if _errors:
        raise WorkflowError(
            "Invalid training configuration (see workflow/schemas/config.schema.yaml and "
            "sim/config.py):\n" + "\n".join(_errors)
        )
