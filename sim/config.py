"""Training configuration: defaults, documentation and validation in one place.

A config is a nested dict; `resolve` fills defaults and rejects unknown keys and bad values
with a ValueError naming the key, before any work starts.

=================  ==========================================================================
key                meaning
=================  ==========================================================================
seed               root seed; every random stream is ``default_rng([seed, stream, ...])``
data.name          ``fashion_mnist`` (Debian package), ``mnist_dir`` (any MNIST-format
                   directory at ``data.path``) or ``teacher`` (synthetic: 20 inputs, 4 classes)
data.n_train/...   deterministic stratified subset sizes (``n_val`` carved from train)
data.tasks         continual learning: list of class lists, trained in sequence
network.depth      number of weight layers (>= 1), ``hidden`` units in each hidden layer
network.mode       ``spiking`` or ``rate``; ``steps`` per presentation; encoder, readout
network.neuron     `sim.neurons.NeuronParams` fields plus ``model`` (``if`` or ``lif``)
rule.name          ``np``, ``loco``, ``wp``, ``bp``, ``fa``, ``dfa``; other keys go to the rule
optimizer          ``name`` (sgd, momentum, adam), ``lr`` and its options
training           ``epochs`` (per task), ``batch_size``, ``max_loss_factor`` (divergence:
                   loss above this multiple of the first batch's loss, or non-finite)
=================  ==========================================================================
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["DEFAULTS", "resolve"]

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "data": {
        "name": "fashion_mnist",
        "path": None,
        "n_train": 2000,
        "n_val": 500,
        "n_test": 1000,
        "tasks": None,
    },
    "network": {
        "depth": 3,
        "hidden": 256,
        "mode": "spiking",
        "steps": 10,
        "encoder": "current",
        "readout": "rate",
        "gain": 2.449,  # sqrt(6): He-uniform, keeps clipped-ReLU rates stable with depth
        "neuron": {
            "model": "if",
            "tau": 1.0,
            "dt": 1.0,
            "v_th": 1.0,
            "v_reset": 0.0,
            "refractory": 0.0,
            "method": "exact",
            "reset": "subtract",
        },
    },
    "rule": {"name": "loco"},
    "optimizer": {"name": "sgd", "lr": 0.01},
    "training": {"epochs": 3, "batch_size": 64, "max_loss_factor": 50.0},
}

DATA_NAMES = ("fashion_mnist", "mnist_dir", "teacher")
OPEN_SECTIONS = ("rule", "optimizer")  # free-form options checked by their constructors


def _merge(defaults: dict, given: dict, path: str) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in given.items():
        where = f"{path}{key}"
        if key not in defaults and path.rstrip(".") not in OPEN_SECTIONS:
            raise ValueError(f"unknown config key {where!r}; allowed: {sorted(defaults)}")
        if isinstance(defaults.get(key), dict):
            if not isinstance(value, dict):
                raise ValueError(f"config key {where!r} must be a mapping, got {value!r}")
            out[key] = _merge(defaults[key], value, where + ".")
        else:
            out[key] = value
    return out


def _positive_int(value: Any, where: str, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"config key {where!r} must be an integer >= {minimum}, got {value!r}")


def resolve(config: dict) -> dict:
    """Defaults filled in, every key and value checked.

    Examples
    --------
    >>> resolve({"network": {"depth": 5}})["network"]["hidden"]
    256
    >>> resolve({"network": {"width": 5}})
    Traceback (most recent call last):
    ...
    ValueError: unknown config key 'network.width'; allowed: ['depth', 'encoder', 'gain', \
'hidden', 'mode', 'neuron', 'readout', 'steps']
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a mapping, got {type(config).__name__}")
    cfg = _merge(DEFAULTS, config, "")
    _positive_int(cfg["seed"], "seed", 0)
    if cfg["data"]["name"] not in DATA_NAMES:
        raise ValueError(
            f"config key 'data.name' must be one of {DATA_NAMES}, got {cfg['data']['name']!r}"
        )
    if cfg["data"]["name"] == "mnist_dir" and not cfg["data"]["path"]:
        raise ValueError("config key 'data.path' is required when data.name is 'mnist_dir'")
    for key in ("n_train", "n_test"):
        _positive_int(cfg["data"][key], f"data.{key}")
    _positive_int(cfg["data"]["n_val"], "data.n_val", 0)
    net = cfg["network"]
    _positive_int(net["depth"], "network.depth")
    _positive_int(net["hidden"], "network.hidden")
    _positive_int(net["steps"], "network.steps")
    if net["neuron"]["model"] not in ("if", "lif"):
        raise ValueError(
            "config key 'network.neuron.model' must be 'if' or 'lif', "
            f"got {net['neuron']['model']!r}"
        )
    if "name" not in cfg["rule"]:
        raise ValueError("config key 'rule.name' is required")
    train = cfg["training"]
    _positive_int(train["epochs"], "training.epochs")
    _positive_int(train["batch_size"], "training.batch_size")
    if not (isinstance(train["max_loss_factor"], int | float) and train["max_loss_factor"] > 1):
        raise ValueError(
            f"config key 'training.max_loss_factor' must be > 1, got {train['max_loss_factor']!r}"
        )
    return cfg
