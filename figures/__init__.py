"""The paper's figures: one module ``f<n>_<name>.py`` per figure, each with
``make(**inputs) -> Figure`` (saved by :mod:`figures.io`).

``FIGURES`` is the one registry of figures. Each entry ``"F<n>": "<name>"`` stands for
``figures/f<n>_<name>.py`` (the drawing), ``workflow/rules/f<n>_<name>.smk`` (its chain:
simulation -> summary -> figure), ``workflow/report/F<n>.rst`` (its report caption) and its
section ``F<n>`` of ``workflow/schemas/config.schema.yaml``. The workflow includes, enables and
names figures from it (recipe: workflow/README.md, "Adding a figure").
"""

FIGURES = {
    "F1": "lowrank",
    "F2": "estimator",
    "F3": "curves",
    "F4": "anchors",
    "F5": "depth",
    "F6": "convergence",
    "F7": "continual",
    "F8": "update_depth",
    "F9": "simulator",
    "F10": "regime",
    "F11": "budget",
    "F12": "resolution",
}


def figure_stem(fig: str) -> str:
    """``f<n>_<name>``: the stem of figure ``fig``'s module, rule file and outputs.

    >>> figure_stem("F5")
    'f5_depth'
    """
    return f"{fig.lower()}_{FIGURES[fig]}"
