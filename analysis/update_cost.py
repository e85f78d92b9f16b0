"""F8: critical-path stages (deterministic) and update times (wall clock) vs depth.

``F8.update_depth.<rule>.L<depth>`` counts the sequential stages of the update phase from the
dependency graph the rule declares. Timing keys (excluded from the bit-identical check):
``F8.update_time.<rule>.L<depth>`` (seconds, best of ``F8.repeats``), ``F8.ms_per_layer.<rule>``
(least-squares slope of the time against depth, milliseconds per layer),
``F8.update_ms_at_max.<rule>`` (milliseconds at the largest depth) and
``F8.loco_vs_np_time_at_max``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["update_cost_summary"]


def update_cost_summary(records: dict, cfg: dict, base: dict) -> tuple[dict, dict, list]:
    """F8's summary, numbers and timing keys (module docstring): ``records`` {(rule, depth):
    `sim.experiments.update_cost` row}, ``cfg`` the F8 settings, ``base`` the training base."""
    rows: dict = {}
    for (rule, depth), record in records.items():
        rows.setdefault(rule, {})[int(depth)] = record
    lo, hi = min(cfg["depths"]), max(cfg["depths"])
    net = base["network"]
    numbers = {
        "F8.min_depth": lo,
        "F8.max_depth": hi,
        "F8.repeats": cfg["repeats"],
        "F8.hidden": net["hidden"],
        "F8.steps": net["steps"],
        "F8.batch_size": base["training"]["batch_size"],
    }
    timing = []
    summary = {"config": dict(cfg), "network": net, "rules": {}}
    for rule in cfg["rules"]:
        by_depth = rows[rule]
        summary["rules"][rule] = {str(d): by_depth[d] for d in sorted(by_depth)}
        for d in sorted(by_depth):
            numbers[f"F8.update_depth.{rule}.L{d}"] = by_depth[d]["stages"]
            numbers[f"F8.update_time.{rule}.L{d}"] = by_depth[d]["seconds"]
            timing.append(f"F8.update_time.{rule}.L{d}")
        numbers[f"F8.update_depth_at_max.{rule}"] = by_depth[hi]["stages"]
        depths = sorted(by_depth)
        if len(depths) > 1:
            seconds = [by_depth[d]["seconds"] for d in depths]
            numbers[f"F8.ms_per_layer.{rule}"] = 1e3 * float(np.polyfit(depths, seconds, 1)[0])
            timing.append(f"F8.ms_per_layer.{rule}")
        numbers[f"F8.update_ms_at_max.{rule}"] = 1e3 * by_depth[hi]["seconds"]
        timing.append(f"F8.update_ms_at_max.{rule}")
    if {"np", "loco"} <= set(cfg["rules"]):
        numbers["F8.loco_vs_np_time_at_max"] = (
            rows["loco"][hi]["seconds"] / rows["np"][hi]["seconds"]
        )
        timing.append("F8.loco_vs_np_time_at_max")
    return summary, numbers, timing
