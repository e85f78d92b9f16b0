# F11 budget: test accuracy against the number of updates per rule and depth (rate mode), each
# rule at the rate a short sweep chose; plateau test; T2's predicted budget from layer moments.
from itertools import product

F11 = config["F11"]
F11_BASE = merged_with_default("F11", "base")  # sections merged into training.base
F11_SEED = F11["seeds"][0]  # its short sweep chooses each rule's rate
F11_CAPPED = F11["capped"]  # costly rules: own depths and budgets, first seed only
F11_CELLS = [  # (rule, depth) swept and trained
    (r, d)
    for r, d in product(F11["rules"], F11["depths"])
    if r not in F11_CAPPED or d in F11_CAPPED[r]["depths"]
]
F11_RUNS = [  # (rule, depth, seed) of the long runs; single_seed_depths train F11_SEED only
    (r, d, s)
    for (r, d), s in product(F11_CELLS, F11["seeds"])
    if s == F11_SEED or (d not in F11["single_seed_depths"] and r not in F11_CAPPED)
]
f11_budget = lambda name, key: F11_CAPPED.get(name, F11)[key]  # updates or tune_updates
f11_run = lambda name, depth, seed, **sections: train_config(
    name, depth=depth, seed=seed, **deep_merge(F11_BASE, sections)
)
F11_PER_EPOCH = updates_per_epoch(deep_merge(TRAINING_BASE, F11_BASE))
trains("F11", [(r, f11_run(r, F11["depths"][0], F11_SEED), "F11.base") for r in F11["rules"]])
F11_SPIKING = F11["spiking"]
F11_SPIKING_CELLS = list(product(F11_SPIKING["rules"], F11_SPIKING["depths"]))
settings_problem(
    enabled("F11") and not {r for r, _ in F11_SPIKING_CELLS} <= set(F11["rules"]),
    "F11.spiking.rules: each must be among F11.rules (their rate comes from its sweep)",
)
settings_problem(
    enabled("F11") and not set(F11_SPIKING["depths"]) <= set(F11["depths"]),
    "F11.spiking.depths: each must be among F11.depths",
)
settings_problem(
    enabled("F11") and F11_SPIKING["updates"] > F11["updates"],
    "F11.spiking.updates: more than the rate-mode runs' budget (F11.updates)",
)
settings_problem(
    enabled("F11") and F11["tune_updates"] > F11["updates"],
    "F11.tune_updates: the sweep's budget exceeds the long runs' (F11.updates)",
)
for name, cap in F11_CAPPED.items():  # (a capped rule not among F11.rules is not trained)
    settings_problem(
        enabled("F11") and not set(cap["depths"]) <= set(F11["depths"]),
        f"F11.capped.{name}.depths: each must be among F11.depths",
    )
    settings_problem(
        enabled("F11") and not cap["tune_updates"] <= cap["updates"] <= F11["updates"],
        f"F11.capped.{name}: needs tune_updates <= updates <= F11.updates",
    )


rule f11_tune:
    """The rate sweep of one rule at one depth at the short budget (first seed)."""
    conda:
        CONDA_ENV
    input:
        code=script_src("train_sweep.py"),
    output:
        "results/F11/tune/{rule}_L{depth}.json",
    wildcard_constraints:
        rule="|".join(F11["rules"]),
        depth=r"\d+",
    params:
        run=lambda wc: f11_run(
            wc.rule, int(wc.depth), F11_SEED,
            training={"epochs": -(-f11_budget(wc.rule, "tune_updates") // F11_PER_EPOCH)},
        ),  # fmt: skip
        lrs=lambda wc: [
            f * TRAINING["lr"][wc.rule]
            for f in sorted(F11["lr_factors"] + F11["extra_lr_factors"].get(wc.rule, []))
        ],
    log:
        "logs/F11/tune_{rule}_L{depth}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f11_train:
    """One long run at the chosen rate, evaluated at log-spaced budgets."""
    conda:
        CONDA_ENV
    input:
        tune="results/F11/tune/{rule}_L{depth}.json",
        code=script_src("f11_train.py"),
    output:
        "results/F11/runs/{rule}_L{depth}_s{seed}.json",
    wildcard_constraints:
        rule="|".join(F11["rules"]),
        depth=r"\d+",
        seed=r"\d+",
    params:
        run=lambda wc: f11_run(wc.rule, int(wc.depth), int(wc.seed)),
        updates=lambda wc: f11_budget(wc.rule, "updates"),
        per_decade=F11["evals_per_decade"],
    log:
        "logs/F11/train_{rule}_L{depth}_s{seed}.log",
    resources:
        runtime=720,
        mem_mb=4000,
    script:
        "../scripts/f11_train.py"


rule f11_spiking:
    """One spiking-mode run at the rate the rate-mode sweep chose (first seed)."""
    conda:
        CONDA_ENV
    input:
        tune="results/F11/tune/{rule}_L{depth}.json",
        code=script_src("f11_train.py"),
    output:
        "results/F11/spiking/{rule}_L{depth}.json",
    wildcard_constraints:
        rule="|".join(F11["rules"]),
        depth=r"\d+",
    params:
        run=lambda wc: f11_run(wc.rule, int(wc.depth), F11_SEED, **F11_SPIKING["sections"]),
        updates=F11_SPIKING["updates"],
        per_decade=F11_SPIKING["evals_per_decade"],
    log:
        "logs/F11/spiking_{rule}_L{depth}.log",
    resources:
        runtime=720,
        mem_mb=4000,
    script:
        "../scripts/f11_train.py"


rule f11_layers:
    """NP's (and LOCO's) per-layer moments at initialisation: T2's predicted budget factors."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f5_layers.py"),
    output:
        "results/F11/layers/L{depth}.json",
    wildcard_constraints:
        depth=r"\d+",
    params:
        run=lambda wc: f11_run("loco", int(wc.depth), F11_SEED),
        draws=F11["layers"]["draws"],
        warmup=F11["layers"]["warmup"],
    log:
        "logs/F11/layers_L{depth}.log",
    resources:
        runtime=60,
        mem_mb=4000,
    script:
        "../scripts/f5_layers.py"


rule f11_summary:
    """Plateau test, final accuracy and budgets to the target per rule and depth; T2's
    predicted budgets (analysis.budget)."""
    conda:
        CONDA_ENV
    input:
        tune=[f"results/F11/tune/{r}_L{d}.json" for r, d in F11_CELLS],
        runs=[f"results/F11/runs/{r}_L{d}_s{s}.json" for r, d, s in F11_RUNS],
        layers=expand("results/F11/layers/L{depth}.json", depth=F11["depths"]),
        spiking=[f"results/F11/spiking/{r}_L{d}.json" for r, d in F11_SPIKING_CELLS],
        code=script_src("f11_summary.py"),
    output:
        summary="results/F11/summary.json",
        numbers="results/F11/numbers.json",
    params:  # the keys of tune, runs and layers, in the order the inputs list them
        tune=F11_CELLS,
        runs=F11_RUNS,
        depths=F11["depths"],
        spiking=F11_SPIKING_CELLS,
        cfg=F11,
    log:
        "logs/F11/summary.log",
    localrule: True
    script:
        "../scripts/f11_summary.py"


rule f11_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f11_budget.py",
        style=STYLE,
        summary="results/F11/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F11")["pdf"],
        png=report(
            figure_files("F11")["png"], caption="../report/F11.rst", category="F11 budget"
        ),
    log:
        "logs/F11/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
