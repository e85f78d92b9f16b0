"""Training configuration: defaults, documentation and validation in one place.

A config travels as a nested dict (JSON, YAML, Snakemake params); `resolve` fills defaults and
rejects unknown keys and bad values with a ValueError naming the key, before any work starts.
`settings` gives its typed form, a frozen `RunConfig` of one dataclass per section whose fields
are the keys below (their defaults are the dataclasses' own, and `DEFAULTS` is derived from
them): code reads ``run.network.depth``, never a string key path. `load_yaml` reads a config
file the way a user writes it: YAML 1.2 numbers (``3e-4`` is a float, not PyYAML's string).

=================  ==========================================================================
key                meaning
=================  ==========================================================================
seed               root seed; every random stream is named in `sim.streams`
data.name          ``fashion_mnist`` (Debian package), ``mnist_dir`` (any MNIST-format
                   directory at ``data.path``) or ``teacher`` (synthetic: 20 inputs, 4 classes)
data.n_train/...   deterministic stratified subset sizes (``n_val`` carved from train)
data.tasks         continual learning, trained in sequence: class lists (protocols ``task``,
                   ``class``) or the number of permuted copies (``permuted``)
data.protocol      ``task`` (argmax over each task's classes), ``class`` (over all classes,
                   one head) or ``permuted`` (each task the data under its own pixel
                   permutation); ``joint: true`` trains every task at once (multitask bound)
data.order         ``shuffled`` (a fresh shuffle each epoch) or ``sorted`` (the authors' stream:
                   sorted by class, the same order every epoch; tested on all classes)
network.depth      number of weight layers (>= 1), ``hidden`` units in each hidden layer
network.mode       ``spiking`` or ``rate``; ``steps`` per presentation; encoder, readout
network.dtype      ``float64`` (default, exact) or ``float32`` (faster passes; losses,
                   loss differences, estimates and weights stay float64)
network.gain       initial weights ``U(-gain, gain) / sqrt(n_in)``; ``output_scale`` multiplies
                   the output layer's (the authors' code: 0.1)
network.perturb    where NP-type rules add their noise: ``current`` (input current) or
                   ``activity`` (output activity, rate mode, as the authors' code does)
network.neuron     `sim.neurons.NeuronParams` fields plus ``model`` (``if`` or ``lif``)
rule.name          ``np``, ``loco``, ``loco_port``, ``wp``, ``bp``, ``fa``, ``dfa``, ``anp``,
                   ``dnp``; other keys go to the rule (`sim.rules.rule_options` lists them)
optimizer          ``name`` (sgd, momentum, adam), ``lr``, ``beta1`` (heavy-ball and Adam),
                   ``beta2`` and ``eps`` (Adam), ``project_step`` (project a momentum/Adam step
                   again, default true; the authors' code does not)
training           ``epochs`` (per task), ``batch_size``, ``max_loss_factor`` (divergence:
                   loss above this multiple of the first batch's loss, or non-finite),
                   ``eval_updates`` (increasing update counts at which validation and test
                   accuracy are also measured, mid-epoch: budget curves; default none)
=================  ==========================================================================
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from types import MappingProxyType
from typing import Any

import yaml

__all__ = [
    "DEFAULTS",
    "DataSettings",
    "NetworkSettings",
    "NeuronSettings",
    "OptimizerSettings",
    "RunConfig",
    "TrainingSettings",
    "load_yaml",
    "resolve",
    "settings",
]


@dataclass(frozen=True)
class DataSettings:
    """``data``: which dataset, its subset sizes, the continual tasks and the stream order."""

    name: str = "fashion_mnist"
    path: str | None = None
    n_train: int = 2000
    n_val: int = 500
    n_test: int = 1000
    tasks: Any = None  # None, class lists, or a number of permuted tasks
    protocol: str = "task"
    joint: bool = False
    order: str = "shuffled"


@dataclass(frozen=True)
class NeuronSettings:
    """``network.neuron``: `sim.neurons.NeuronParams` fields plus ``model`` (``if`` or ``lif``)."""

    model: str = "if"
    tau: float = 1.0
    dt: float = 1.0
    v_th: float = 1.0
    v_reset: float = 0.0
    refractory: float = 0.0
    method: str = "exact"
    reset: str = "subtract"


@dataclass(frozen=True)
class NetworkSettings:
    """``network``: architecture, simulation mode and where NP-type rules add their noise."""

    depth: int = 3
    hidden: int = 256
    mode: str = "spiking"
    steps: int = 10
    encoder: str = "current"
    readout: str = "rate"
    gain: float = 2.449  # sqrt(6): He-uniform, keeps clipped-ReLU rates stable with depth
    dtype: str = "float64"
    perturb: str = "current"
    output_scale: float = 1.0
    neuron: NeuronSettings = field(default_factory=NeuronSettings)

    def sizes(self, n_in: int, n_out: int) -> list[int]:
        """Layer sizes: ``n_in``, ``depth - 1`` hidden layers of ``hidden``, ``n_out``."""
        return [n_in] + [self.hidden] * (self.depth - 1) + [n_out]


@dataclass(frozen=True)
class OptimizerSettings:
    """``optimizer``: `sim.optim.Optimizer`'s name and options."""

    name: str = "sgd"
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    project_step: bool = True


@dataclass(frozen=True)
class TrainingSettings:
    """``training``: budget, batch size, divergence limit and mid-epoch evaluations."""

    epochs: int = 3
    batch_size: int = 64
    max_loss_factor: float = 50.0
    eval_updates: tuple[int, ...] = ()


@dataclass(frozen=True)
class RunConfig:
    """A validated run config with typed sections (build one with `settings`).

    ``rule`` stays a mapping (``name`` plus the rule's own options, checked by the rule).
    `to_dict` gives back the resolved dict, the form configs travel in as JSON.

    Examples
    --------
    >>> run = settings({"network": {"depth": 5}, "rule": {"name": "np", "sigma": 0.05}})
    >>> run.network.depth, run.network.neuron.model, run.rule["sigma"], run.optimizer.lr
    (5, 'if', 0.05, 0.01)
    >>> settings(run) is run and RunConfig.from_dict(run.to_dict()) == run
    True
    """

    seed: int = 0
    data: DataSettings = field(default_factory=DataSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    rule: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({"name": "loco"}))
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)

    @classmethod
    def from_dict(cls, cfg: dict) -> RunConfig:
        """The typed form of a resolved config dict (`resolve`)."""
        net = dict(cfg["network"])
        neuron = NeuronSettings(**net.pop("neuron"))
        training = dict(cfg["training"])
        training["eval_updates"] = tuple(training["eval_updates"])
        return cls(
            seed=cfg["seed"],
            data=DataSettings(**cfg["data"]),
            network=NetworkSettings(**net, neuron=neuron),
            rule=MappingProxyType(copy.deepcopy(dict(cfg["rule"]))),
            optimizer=OptimizerSettings(**cfg["optimizer"]),
            training=TrainingSettings(**training),
        )

    def to_dict(self) -> dict:
        """The resolved config dict (JSON-ready: lists, not tuples)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out = {k: asdict(v) if is_dataclass(v) else v for k, v in out.items()}
        out["rule"] = copy.deepcopy(dict(self.rule))
        out["training"]["eval_updates"] = list(self.training.eval_updates)
        return out


DEFAULTS: dict[str, Any] = RunConfig().to_dict()


DATA_NAMES = ("fashion_mnist", "mnist_dir", "teacher")
OPEN_SECTIONS = ("rule",)  # free-form options, checked by the rule's constructor


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 floats: ``3e-4`` and ``1E5`` are numbers."""


_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def load_yaml(text: str) -> Any:
    """Parse YAML with YAML 1.2 numbers; a syntax error becomes a ValueError.

    Examples
    --------
    >>> load_yaml("{lr: 3e-4, steps: 10}")
    {'lr': 0.0003, 'steps': 10}
    """
    try:
        return yaml.load(text, Loader=_Yaml12Loader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as err:
        raise ValueError(f"malformed YAML: {err}") from None


RENAMED = {"optimizer.momentum": "optimizer.beta1"}  # old key -> new key


def _merge(defaults: dict, given: dict, path: str) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in given.items():
        where = f"{path}{key}"
        if where in RENAMED:
            raise ValueError(f"config key {where!r} is now {RENAMED[where]!r}")
        if key not in defaults and path.rstrip(".") not in OPEN_SECTIONS:
            raise ValueError(f"unknown config key {where!r}; allowed: {sorted(defaults)}")
        if isinstance(defaults.get(key), dict):
            if not isinstance(value, dict):
                raise ValueError(f"config key {where!r} must be a mapping, got {value!r}")
            out[key] = _merge(defaults[key], value, where + ".")
        else:
            out[key] = value
    return out


def _integer(minimum: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"an integer >= {minimum}"
        return None

    return check


def _number(*, above: float | None = None, at_least: float | None = None, below=None):
    """Checker of a finite real number (not a bool) in the given open/closed bounds."""
    bounds = [("> ", above), (">= ", at_least), ("< ", below)]
    wanted = "a finite number" + "".join(f" {op}{v}" for op, v in bounds if v is not None)

    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return wanted
        if not math.isfinite(value):
            return wanted
        if (above is not None and value <= above) or (at_least is not None and value < at_least):
            return wanted
        if below is not None and value >= below:
            return wanted
        return None

    return check


def _choice(*allowed: str) -> Callable[[Any], str | None]:
    return lambda value: None if value in allowed else f"one of {allowed}"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _path_or_none(value: Any) -> str | None:
    return None if value is None or (isinstance(value, str) and value) else "a path (string)"


def _tasks(value: Any) -> str | None:
    wanted = "null, a list of class lists, e.g. [[0, 1], [2, 3]], or a number of tasks >= 1"
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    if not isinstance(value, list) or not value:
        return wanted
    for group in value:
        if not isinstance(group, list) or not group:
            return wanted
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in group):
            return wanted
    return None


def _increasing_counts(value: Any) -> str | None:
    """A list of strictly increasing integers >= 1."""
    wanted = "a list of strictly increasing integers >= 1"
    if not isinstance(value, list | tuple):
        return wanted
    if any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in value):
        return wanted
    return None if all(a < b for a, b in itertools.pairwise(value)) else wanted


def _checks() -> dict[str, Callable[[Any], str | None]]:
    from .data import PROTOCOLS
    from .encoders import ENCODERS
    from .network import DTYPES, MODES, PERTURB, READOUTS
    from .neurons import METHODS, RESETS
    from .optim import OPTIMIZERS

    return {
        "seed": _integer(0),
        "data.name": _choice(*DATA_NAMES),
        "data.path": _path_or_none,
        "data.n_train": _integer(1),
        "data.n_val": _integer(0),
        "data.n_test": _integer(1),
        "data.tasks": _tasks,
        "data.protocol": _choice(*PROTOCOLS),
        "data.joint": _boolean,
        "network.depth": _integer(1),
        "network.hidden": _integer(1),
        "network.mode": _choice(*MODES),
        "network.steps": _integer(1),
        "network.encoder": _choice(*ENCODERS),
        "network.readout": _choice(*READOUTS),
        "network.gain": _number(above=0),
        "network.output_scale": _number(above=0),
        "network.dtype": _choice(*DTYPES),
        "network.neuron.model": _choice("if", "lif"),
        "network.neuron.tau": _number(above=0),
        "network.neuron.dt": _number(above=0),
        "network.neuron.v_th": _number(),
        "network.neuron.v_reset": _number(),
        "network.neuron.refractory": _number(at_least=0),
        "network.neuron.method": _choice(*METHODS),
        "network.neuron.reset": _choice(*RESETS),
        "optimizer.name": _choice(*OPTIMIZERS),
        "optimizer.lr": _number(above=0),
        "optimizer.beta1": _number(at_least=0, below=1),
        "optimizer.beta2": _number(at_least=0, below=1),
        "optimizer.eps": _number(above=0),
        "optimizer.project_step": _boolean,
        "data.order": _choice("shuffled", "sorted"),
        "network.perturb": _choice(*PERTURB),
        "training.epochs": _integer(1),
        "training.eval_updates": _increasing_counts,
        "training.batch_size": _integer(1),
        "training.max_loss_factor": _number(above=1),
    }


def _check_continual(data: dict) -> None:
    """Cross-field checks of data.tasks, data.protocol and data.joint."""
    tasks, protocol = data["tasks"], data["protocol"]
    if protocol == "permuted" and tasks is not None and not isinstance(tasks, int):
        raise ValueError(
            f"config key 'data.tasks' must be a number of tasks for data.protocol 'permuted', "
            f"got {tasks!r}"
        )
    if protocol != "permuted" and isinstance(tasks, int):
        raise ValueError(
            f"config key 'data.tasks' must be class lists for data.protocol {protocol!r} (a "
            f"number of tasks needs 'permuted'), got {tasks!r}"
        )
    if data["joint"] and tasks is None:
        raise ValueError("config key 'data.joint' needs data.tasks (the tasks to train at once)")


def _leaves(cfg: dict, path: str = ""):
    for key, value in cfg.items():
        if isinstance(value, dict) and path.rstrip(".") not in OPEN_SECTIONS:
            yield from _leaves(value, f"{path}{key}.")
        else:
            yield f"{path}{key}", value


def resolve(config: dict) -> dict:
    """Defaults filled in, every key and value checked (the rule's options by the rule).

    Examples
    --------
    >>> resolve({"network": {"depth": 5}})["network"]["hidden"]
    256
    >>> resolve({"network": {"width": 5}})
    Traceback (most recent call last):
    ...
    ValueError: unknown config key 'network.width'; allowed: ['depth', 'dtype', 'encoder', \
'gain', 'hidden', 'mode', 'neuron', 'output_scale', 'perturb', 'readout', 'steps']
    >>> resolve({"optimizer": {"lr": "fast"}})
    Traceback (most recent call last):
    ...
    ValueError: config key 'optimizer.lr' must be a finite number > 0, got 'fast'
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a mapping, got {type(config).__name__}")
    cfg = _merge(DEFAULTS, config, "")
    checks = _checks()
    for key, value in _leaves({k: v for k, v in cfg.items() if k != "rule"}):
        problem = checks[key](value) if key in checks else None
        if problem:
            raise ValueError(f"config key {key!r} must be {problem}, got {value!r}")
    if cfg["data"]["name"] == "mnist_dir" and not cfg["data"]["path"]:
        raise ValueError("config key 'data.path' is required when data.name is 'mnist_dir'")
    _check_continual(cfg["data"])
    neuron = cfg["network"]["neuron"]
    if neuron["v_th"] <= neuron["v_reset"]:
        raise ValueError(
            f"config key 'network.neuron.v_th' must exceed network.neuron.v_reset, "
            f"got {neuron['v_th']!r} <= {neuron['v_reset']!r}"
        )
    if "name" not in cfg["rule"]:
        raise ValueError("config key 'rule.name' is required")
    from .rules import make_rule

    try:
        make_rule(**cfg["rule"])
    except ValueError as err:
        raise ValueError(f"config key 'rule': {err}") from None
    return cfg


def settings(config: dict | RunConfig) -> RunConfig:
    """The typed run config: a `RunConfig` as it is, a dict resolved (`resolve`) first.

    Examples
    --------
    >>> settings({"training": {"eval_updates": [10, 100]}}).training.eval_updates
    (10, 100)
    """
    return config if isinstance(config, RunConfig) else RunConfig.from_dict(resolve(config))
