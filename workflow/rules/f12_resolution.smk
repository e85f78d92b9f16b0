# F12 resolution: what the spiking network's time resolution does to node perturbation and to
# the regime's verdict: each unit's loss derivative by central differences against the rate
# limit's, per steps and perturbation size, and the regime's network (F10.base) trained by NP
# and LOCO in rate mode and in spiking mode.
from itertools import product

F12 = config["F12"]
F12_CELLS = ["rate"] + [f"T{steps}" for steps in F12["train_steps"]]  # rate first: it tunes
F12_RUNS = list(product(F12["streams"], F12["rules"], F12_CELLS))  # (stream, rule, cell)
f12_run = lambda stream, name, cell: deep_merge(
    run_config(
        deep_merge(merged_with_default("F10", "base"), {"rule": {"scaling": "sigma2"}}),
        name,
        seed=run_seed(F12["seed"]),
    ),
    {
        "data": {"order": stream},
        "network": {"perturb": "current"}
        | ({"mode": "rate", "steps": 1} if cell == "rate" else {"mode": "spiking", "steps": int(cell[1:])}),
        "rule": {"sigma": F12["sigma"]},
    },
)  # fmt: skip
F12_LR_FROM = {  # the cell whose chosen rate a cell starts from (the rate cell sweeps F12.lrs)
    cell: ("rate" if i == 1 else F12_CELLS[1]) for i, cell in enumerate(F12_CELLS) if i
}
trains("F12", [(f"{name}, {cell}", f12_run("sorted", name, cell), "F12 (on F10.base)")
               for name in F12["rules"] for cell in F12_CELLS])  # fmt: skip


rule f12_resolution:
    """Each layer's loss derivative by central differences of size sigma in spiking mode at each
    of F12.steps and F12.sigmas against the rate limit's exact one (analysis.resolution), at the
    regime's initial weights."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f12_resolution.py"),
    output:
        "results/F12/resolution.json",
    params:
        run=f12_run("shuffled", "np", "rate"),
        steps=F12["steps"],
        sigmas=F12["sigmas"],
        draws=F12["draws"],
        batch=F12["batch"],
        units=F12["units"],
    log:
        "logs/F12/resolution.log",
    resources:
        runtime=60,
        mem_mb=4000,
    script:
        "../scripts/f12_resolution.py"


rule f12_train:
    """One cell (stream, rule, rate or T<steps>). The rate cell tries F12.lrs and keeps the best
    final validation accuracy; the first spiking cell tries the rate cell's choice times
    F12.lr_factors, the other spiking cells train at the first one's choice."""
    conda:
        CONDA_ENV
    input:
        unpack(
            lambda wc: {}
            if wc.cell == "rate"
            else {"lr_from": f"results/F12/runs/{wc.stream}_{wc.rule}_{F12_LR_FROM[wc.cell]}.json"}
        ),
        code=script_src("train_sweep.py"),
    output:
        "results/F12/runs/{stream}_{rule}_{cell}.json",
    wildcard_constraints:
        stream="shuffled|sorted",
        rule="np|loco|loco_port",
        cell=r"rate|T\d+",
    params:
        run=lambda wc: f12_run(wc.stream, wc.rule, wc.cell),
        lrs=F12["lrs"],  # the rate cell's sweep (and any cell whose lr_from diverged everywhere)
        lr_factors=lambda wc: F12["lr_factors"] if F12_LR_FROM.get(wc.cell) == "rate" else [1],
    log:
        "logs/F12/train_{stream}_{rule}_{cell}.log",
    resources:
        runtime=240,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f12_summary:
    """Signal and changed rates per steps and noise size; accuracy and LOCO's gain per cell
    (analysis.resolution.resolution_summary)."""
    conda:
        CONDA_ENV
    input:
        resolution="results/F12/resolution.json",
        runs=[f"results/F12/runs/{s}_{r}_{c}.json" for s, r, c in F12_RUNS],
        code=script_src("f12_summary.py"),
    output:
        summary="results/F12/summary.json",
        numbers="results/F12/numbers.json",
    params:
        runs=F12_RUNS,  # the keys of runs, in order
    log:
        "logs/F12/summary.log",
    localrule: True
    script:
        "../scripts/f12_summary.py"


rule f12_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f12_resolution.py",
        style=STYLE,
        summary="results/F12/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F12")["pdf"],
        png=report(
            figure_files("F12")["png"], caption="../report/F12.rst", category="F12 resolution"
        ),
    log:
        "logs/F12/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
