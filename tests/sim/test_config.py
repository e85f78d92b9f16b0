"""sim.config: renamed keys are refused with their new name; the typed run config has one
field per documented key and round-trips the resolved dict exactly."""

import dataclasses
import json

import pytest

from sim.config import DEFAULTS, RunConfig, _checks, _leaves, resolve, settings


def test_the_renamed_momentum_key_names_its_new_name():
    with pytest.raises(ValueError, match=r"'optimizer.momentum' is now 'optimizer.beta1'"):
        resolve({"optimizer": {"name": "adam", "lr": 0.1, "momentum": 0.5}})
    assert resolve({"optimizer": {"name": "momentum", "beta1": 0.5}})["optimizer"]["beta1"] == 0.5


def test_every_checked_key_is_one_typed_field_and_every_field_is_checked():
    fields = {key for key, _ in _leaves({k: v for k, v in DEFAULTS.items() if k != "rule"})}
    assert fields == set(_checks()), fields ^ set(_checks())
    run = RunConfig()
    for key in fields:  # each dotted key is the attribute path of the typed config
        value = run
        for part in key.split("."):
            value = getattr(value, part)
        expected = DEFAULTS
        for part in key.split("."):
            expected = expected[part]
        assert value == (tuple(expected) if isinstance(expected, list) else expected), key


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"network": {"depth": 4, "neuron": {"model": "lif", "tau": 2.0}}, "seed": 7},
        {"rule": {"name": "np", "sigma": 0.05}, "training": {"eval_updates": [3, 30]}},
        {"data": {"tasks": [[0, 1], [2, 3]], "protocol": "class"}, "rule": {"name": "owm"}},
        {"data": {"tasks": 3, "protocol": "permuted"}, "optimizer": {"name": "adam"}},
    ],
)
def test_typed_config_round_trips_the_resolved_dict_to_the_byte(config):
    resolved = resolve(config)
    run = settings(config)
    assert json.dumps(run.to_dict()) == json.dumps(resolved)  # same keys, order and values
    assert RunConfig.from_dict(resolved) == run and settings(run) is run


def test_typed_config_is_frozen_and_its_rule_read_only():
    run = settings({"rule": {"name": "np", "sigma": 0.1}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.network.depth = 5
    with pytest.raises(TypeError):
        run.rule["sigma"] = 1.0
    changed = dataclasses.replace(run, network=dataclasses.replace(run.network, depth=5))
    assert changed.network.depth == 5 and run.network.depth == 3


def test_a_bad_dict_is_refused_by_settings_naming_the_key():
    with pytest.raises(ValueError, match=r"config key 'training.batch_size' must be"):
        settings({"training": {"batch_size": 0}})
