"""Learning rules by name: NP, LOCO, the port of the authors' LOCO, WP, BP, FA, DFA, ANP, DNP,
and the continual-learning baselines OWM and EWC."""

from __future__ import annotations

import inspect
import numbers

from .base import Estimate, LearningRule, critical_path_depth

__all__ = ["RULES", "Estimate", "LearningRule", "critical_path_depth", "make_rule", "rule_options"]

RULES = ("np", "loco", "loco_port", "wp", "bp", "fa", "dfa", "anp", "dnp", "owm", "ewc")


def make_rule(name: str, **options) -> LearningRule:
    """Construct a rule by name; options are its constructor's keyword arguments.

    Examples
    --------
    >>> make_rule("np", sigma=0.01).name
    'np'
    >>> make_rule("sgd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: rule must be one of ('np', 'loco', ..., 'owm', 'ewc'), got 'sgd'
    """
    if not isinstance(name, str) or name not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {name!r}")
    cls = _rule_class(name)
    defaults = _option_defaults(cls)
    for key, value in options.items():
        if key not in defaults:
            raise ValueError(
                f"unknown option {key!r} of rule {name!r}; allowed: {sorted(defaults)}"
            )
        problem = _type_problem(defaults[key], value)
        if problem:
            raise ValueError(f"option {key!r} of rule {name!r} must be {problem}, got {value!r}")
    return cls(**options)


def rule_options(name: str) -> dict:
    """The options rule ``name`` accepts, with their defaults.

    Examples
    --------
    >>> sorted(rule_options("np"))
    ['loss', 'noise', 'scaling', 'sigma']
    """
    if name not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {name!r}")
    return _option_defaults(_rule_class(name))


def _rule_class(name: str) -> type[LearningRule]:
    if name in ("np", "wp"):
        from .perturbation import NodePerturbation, WeightPerturbation

        return NodePerturbation if name == "np" else WeightPerturbation
    if name == "loco":
        from .loco import LOCO

        return LOCO
    if name == "loco_port":
        from .reference_port import AuthorsLOCO

        return AuthorsLOCO
    if name in ("anp", "dnp"):
        from .decorrelation import ActivityNodePerturbation, DecorrelatedNodePerturbation

        return ActivityNodePerturbation if name == "anp" else DecorrelatedNodePerturbation
    if name in ("owm", "ewc"):
        from .continual import EWC, OWM

        return OWM if name == "owm" else EWC
    from . import gradient

    return {"bp": gradient.BP, "fa": gradient.FA, "dfa": gradient.DFA}[name]


def _option_defaults(cls: type) -> dict:
    """Keyword options of a rule's constructor and their defaults (LOCO: its projector's too).

    Examples
    --------
    >>> sorted(_option_defaults(_rule_class("np")))
    ['loss', 'noise', 'scaling', 'sigma']
    """
    out = {}
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            out.update(_option_defaults(getattr(cls, "option_class", object)))
        elif param.name != "self" and param.kind is not param.VAR_POSITIONAL:
            out[param.name] = param.default
    return out


def _type_problem(default, value) -> str | None:
    """What ``value`` must be, judged by the type of the option's default (None: anything)."""
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, numbers.Integral):
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        return None if ok else "an integer"
    if isinstance(default, numbers.Real):
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        return None if ok else "a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "a string"
    return None
