"""Learning rules: NP, LOCO, WP and the gradient baselines BP, FA, DFA, by name."""

from __future__ import annotations

from .base import Estimate, LearningRule, critical_path_depth

__all__ = ["RULES", "Estimate", "LearningRule", "critical_path_depth", "make_rule"]

RULES = ("np", "loco", "wp", "bp", "fa", "dfa")


def make_rule(name: str, **options) -> LearningRule:
    """Construct a rule by name; options are its constructor's keyword arguments.

    Examples
    --------
    >>> make_rule("np", sigma=0.01).name
    'np'
    >>> make_rule("sgd")
    Traceback (most recent call last):
    ...
    ValueError: rule must be one of ('np', 'loco', 'wp', 'bp', 'fa', 'dfa'), got 'sgd'
    """
    if name not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {name!r}")
    if name in ("np", "wp"):
        from .perturbation import NodePerturbation, WeightPerturbation

        cls = NodePerturbation if name == "np" else WeightPerturbation
    elif name == "loco":
        from .loco import LOCO as cls
    else:
        from . import gradient

        cls = {"bp": gradient.BP, "fa": gradient.FA, "dfa": gradient.DFA}[name]
    try:
        return cls(**options)
    except TypeError as err:
        raise ValueError(f"bad option for rule {name!r}: {err}") from None
