"""External anchors (T6): closed-form predictions and simulations that check them.

One module per idea:

* :mod:`~analysis.anchors.linear_student`: conventions, the single-layer loss recursions
  (``E m' = a m + b`` per trial, table of ``K`` and floors for GD, parallel and sequential NP,
  WP) and the vectorised linear teacher-student simulator :func:`simulate_linear_student`
  that checks them.
* :mod:`~analysis.anchors.werfel`: *Werfel, Xie & Seung (2005)*, optimal learning rates and
  slow-down ratios for white inputs, measured against simulation.
* :mod:`~analysis.anchors.zuege`: *Zuege, Klos & Memmesheimer (2023)*, input-subspace
  dependence of WP, temporal extension, asymptotic loss with an unrealisable target.
* :mod:`~analysis.anchors.hiratani`: *Hiratani, Mehta, Lillicrap & Latham (2022)*, NP in a
  two-layer linear network: mean field, critical learning rate ``eta* ~ Lh^(-1/3)`` and the
  simulated stability edge.

Every public name is re-exported here, so ``from analysis.anchors import X`` works for all of
them.
"""

from __future__ import annotations

from analysis.anchors.hiratani import (
    EdgeScan,
    HirataniRun,
    hiratani_critical_c,
    hiratani_eta_star,
    hiratani_initial_order_parameters,
    hiratani_mean_field,
    hiratani_stability_edge,
    simulate_hiratani,
)
from analysis.anchors.linear_student import RULES as RULES  # importable as before; not in __all__
from analysis.anchors.linear_student import StudentRun, simulate_linear_student
from analysis.anchors.werfel import (
    WhiteRate,
    measure_optimal_rates,
    werfel_optimal,
    werfel_ratios,
    werfel_time_to_error,
)
from analysis.anchors.zuege import (
    zuege_asymptotic_loss,
    zuege_contraction,
    zuege_effective_dimension,
    zuege_null_diffusion,
)

__all__ = [
    "EdgeScan",
    "HirataniRun",
    "StudentRun",
    "WhiteRate",
    "hiratani_critical_c",
    "hiratani_eta_star",
    "hiratani_initial_order_parameters",
    "hiratani_mean_field",
    "hiratani_stability_edge",
    "measure_optimal_rates",
    "simulate_hiratani",
    "simulate_linear_student",
    "werfel_optimal",
    "werfel_ratios",
    "werfel_time_to_error",
    "zuege_asymptotic_loss",
    "zuege_contraction",
    "zuege_effective_dimension",
    "zuege_null_diffusion",
]
