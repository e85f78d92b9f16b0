"""sim.config: renamed keys are refused with their new name."""

import pytest

from sim.config import resolve


def test_the_renamed_momentum_key_names_its_new_name():
    with pytest.raises(ValueError, match=r"'optimizer.momentum' is now 'optimizer.beta1'"):
        resolve({"optimizer": {"name": "adam", "lr": 0.1, "momentum": 0.5}})
    assert resolve({"optimizer": {"name": "momentum", "beta1": 0.5}})["optimizer"]["beta1"] == 0.5
