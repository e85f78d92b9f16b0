# F10 regime: LOCO, its authors' projector (loco_port) and NP in the authors' regime
# (examples/authors_regime.yaml): class-sorted and shuffled streams, the authors' gradient
# scaling (Adam's eps dominating) and the normalised one, each cell at its tuned rate.
from itertools import product

F10 = config["F10"]
F10_BASE = merged_with_default("F10", "base")  # a given F10.base changes only what it lists
F10_SCALINGS = {  # what each scaling sets on top of F10_BASE
    "authors": {"rule": {"scaling": "authors"}},
    "normalised": {"rule": {"scaling": "sigma2"}},
}
F10_LRS = {  # the authors' rate is always among the rates tried with their scaling
    "authors": sorted(set(F10["lrs"]["authors"]) | {F10["authors_lr"]}),
    "normalised": F10["lrs"]["normalised"],
}
F10_SEED = F10["seeds"][0]  # its sweep chooses each cell's rate
F10_RUNS = [  # (stream, scaling, rule, seed); cells in F10.first_seed_only train F10_SEED only
    (stream, scaling, rule, seed)
    for stream, scaling, rule, seed in product(
        F10["streams"], F10_SCALINGS, F10["rules"], F10["seeds"]
    )
    if seed == F10_SEED or f"{scaling}.{rule}" not in F10["first_seed_only"]
]
f10_run = lambda stream, scaling, rule, seed, options={}: deep_merge(
    run_config(deep_merge(F10_BASE, F10_SCALINGS[scaling]), rule, seed=run_seed(seed)),
    {"data": {"order": stream}, "rule": options},
)
trains(
    "F10",
    [(f"{rule}, {scaling} scaling", f10_run("sorted", scaling, rule, F10_SEED), "F10.base")
     for scaling in F10_SCALINGS for rule in F10["rules"]]
    + [("loco", f10_run("sorted", "authors", "loco", F10_SEED, opts), f"F10.ablation.{name}")
       for name, opts in F10["ablation"].items()],
)  # fmt: skip
settings_problem(
    enabled("F10") and F10["ablation"] and "loco" not in F10["rules"],
    "F10.rules: must include loco when F10.ablation is not empty (variants take its rate)",
)
F10_FIXED_FOR = lambda scaling: [F10["authors_lr"]] if scaling == "authors" else []


rule f10_train:
    """One cell (stream, scaling, rule) and seed. The first seed tries F10.lrs of the scaling
    and keeps the best final validation accuracy; the other seeds train at that rate. With
    the authors' scaling every seed also trains at their fixed rate (F10.authors_lr)."""
    conda:
        CONDA_ENV
    input:
        unpack(
            lambda wc: {}
            if int(wc.seed) == F10_SEED
            else {"lr_from": f"results/F10/runs/{wc.stream}_{wc.scaling}_{wc.rule}_s{F10_SEED}.json"}
        ),
        code=script_src("train_sweep.py"),
    output:
        "results/F10/runs/{stream}_{scaling}_{rule}_s{seed}.json",
    wildcard_constraints:
        stream="shuffled|sorted",
        scaling="authors|normalised",
        rule="np|loco|loco_port",
        seed=r"\d+",
    params:
        run=lambda wc: f10_run(wc.stream, wc.scaling, wc.rule, int(wc.seed)),
        lrs=lambda wc: sorted(
            F10_LRS[wc.scaling] + F10["extra_lrs"].get(f"{wc.scaling}.{wc.rule}", [])
        ),
        fixed=lambda wc: F10_FIXED_FOR(wc.scaling),
    log:
        "logs/F10/train_{stream}_{scaling}_{rule}_s{seed}.log",
    resources:
        runtime=240,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f10_ablation:
    """A LOCO variant (F10.ablation) at the authors' scaling and full LOCO's chosen rate."""
    conda:
        CONDA_ENV
    input:
        lr_from=lambda wc: f"results/F10/runs/{wc.stream}_authors_loco_s{F10_SEED}.json",
        code=script_src("train_sweep.py"),
    output:
        "results/F10/ablation/{stream}_{variant}_s{seed}.json",
    wildcard_constraints:
        stream="shuffled|sorted",
        variant="|".join(F10["ablation"]) or "^$",
        seed=r"\d+",
    params:
        run=lambda wc: f10_run(
            wc.stream, "authors", "loco", int(wc.seed), F10["ablation"][wc.variant]
        ),
        lrs=F10_LRS["authors"],
    log:
        "logs/F10/ablation_{stream}_{variant}_s{seed}.log",
    resources:
        runtime=240,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f10_layers:
    """Per-layer |P x|^2/|x|^2 of LOCO's and the port's projectors and the NP / projected-NP
    second moments against T4, at the regime's initial weights. The noise goes on the
    currents here (network.perturb: current), where T2/T4 are exact."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f5_layers.py"),
    output:
        "results/F10/layers.json",
    params:
        run=deep_merge(
            f10_run("shuffled", "normalised", "loco", F10_SEED), {"network": {"perturb": "current"}}
        ),
        draws=F10["layers"]["draws"],
        warmup=F10["layers"]["warmup"],
        projected=["loco", "loco_port"],
    log:
        "logs/F10/layers.log",
    resources:
        runtime=60,
        mem_mb=4000,
    script:
        "../scripts/f5_layers.py"


rule f10_summary:
    """Accuracy per cell at the tuned and the fixed rate (mean, 95 % CI over seeds), LOCO's gain
    over NP and its decomposition, the projectors per layer against T4 (analysis.regime)."""
    conda:
        CONDA_ENV
    input:
        runs=[f"results/F10/runs/{t}_{c}_{r}_s{s}.json" for t, c, r, s in F10_RUNS],
        ablation=expand(
            "results/F10/ablation/{stream}_{variant}_s{seed}.json",
            stream=F10["streams"],
            variant=list(F10["ablation"]),
            seed=F10["seeds"],
        ),
        layers="results/F10/layers.json",
        code=script_src("f10_summary.py"),
    output:
        summary="results/F10/summary.json",
        numbers="results/F10/numbers.json",
    params:  # the keys of runs and ablation, in the order expand() lists them
        runs=F10_RUNS,
        ablation=list(product(F10["streams"], F10["ablation"], F10["seeds"])),
        authors_lr=F10["authors_lr"],
    log:
        "logs/F10/summary.log",
    localrule: True
    script:
        "../scripts/f10_summary.py"


rule f10_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f10_regime.py",
        style=STYLE,
        summary="results/F10/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F10")["pdf"],
        png=report(
            figure_files("F10")["png"], caption="../report/F10.rst", category="F10 regime"
        ),
    log:
        "logs/F10/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
