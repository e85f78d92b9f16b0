# F5 depth: test accuracy vs depth of spiking networks trained by each rule on Fashion-MNIST,
# LOCO ablations at one depth, and per-layer estimator moments against T2/T4.
from itertools import product

F5 = config["F5"]
ABLATION = F5["ablation"]
trains(
    "F5",
    [(r, train_config(r), "training.base") for r in F5["rules"]]
    + [("loco", train_config("loco", rule=opts), f"F5.ablation.variants.{name}")
       for name, opts in ABLATION["variants"].items()],
)  # fmt: skip


settings_problem(
    enabled("F5") and ABLATION["variants"] and ABLATION["depth"] not in F5["depths"],
    f"F5.ablation.depth: {ABLATION['depth']} is not one of F5.depths {F5['depths']} "
    "(ablations reuse LOCO's rate there)",
)
settings_problem(
    enabled("F5") and ABLATION["variants"] and "loco" not in F5["rules"],
    "F5.rules: must include loco when F5.ablation.variants is not empty",
)
for key, quoted, given in [  # what the paper quotes
    ("F5.depths", {3, 10}, F5["depths"]),
    ("F5.ablation.variants", {"no_lowrank", "no_clusters", "k8", "k16", "k128"}, ABLATION["variants"]),
    ("F5.layers.depths", {2, 10}, F5["layers"]["depths"]),
]:  # fmt: skip
    settings_problem(
        enabled("F5") and config["paper"]["build"] and quoted - set(given),
        f"{key}: must include {' and '.join(map(str, sorted(quoted)))} when the paper is built "
        "(it quotes them); "
        f"missing {sorted(quoted - set(given))}",
    )
# The first training seed sweeps the rates (F5_RATES), the other seeds reuse its choice.
SWEEP_SEED = TRAINING["seeds"][0]
F5_RATES = {rule: [f * lr for f in F5["lr_factors"]] for rule, lr in TRAINING["lr"].items()}


rule f5_train:
    """Train one rule at one depth and seed; history of train/val/test accuracy per epoch.

    The first training seed tries every rate training.lr x F5.lr_factors and keeps the best
    final validation accuracy; the other seeds train at that rate (a sweep per seed would
    multiply the cost by the number of factors)."""
    conda:
        CONDA_ENV
    input:
        # the sweeping seed's run, whose validation-chosen rate the other seeds reuse
        unpack(
            lambda wc: {}
            if int(wc.seed) == SWEEP_SEED or len(F5["lr_factors"]) == 1
            else {"lr_from": f"results/F5/runs/{wc.rule}_L{wc.depth}_s{SWEEP_SEED}.json"}
        ),
        code=script_src("train_sweep.py"),
    output:
        "results/F5/runs/{rule}_L{depth}_s{seed}.json",
    wildcard_constraints:
        rule="bp|fa|dfa|np|loco",
        depth=r"\d+",
        seed=r"\d+",
    params:
        run=lambda wc: train_config(wc.rule, depth=int(wc.depth), seed=int(wc.seed)),
        lrs=lambda wc: F5_RATES[wc.rule],
    log:
        "logs/F5/train_{rule}_L{depth}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"




rule f5_ablation:
    """LOCO with one ablation (F5.ablation.variants) at F5.ablation.depth, at the rate chosen
    for full LOCO at that depth."""
    conda:
        CONDA_ENV
    input:
        lr_from=f"results/F5/runs/loco_L{ABLATION['depth']}_s{SWEEP_SEED}.json",
        code=script_src("train_sweep.py"),
    output:
        "results/F5/ablation/{variant}_s{seed}.json",
    wildcard_constraints:
        variant="|".join(ABLATION["variants"]) or "^$",
        seed=r"\d+",
    params:
        run=lambda wc: train_config(
            "loco", depth=ABLATION["depth"], seed=int(wc.seed), rule=ABLATION["variants"][wc.variant]
        ),
        lrs=F5_RATES["loco"],
    log:
        "logs/F5/ablation_{variant}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f5_layers:
    """Per-layer NP and LOCO estimator moments at initialisation in rate mode (exact gradient):
    measured against T2/T4 (analysis.layer_estimates)."""
    conda:
        CONDA_ENV
    input:
        src("analysis.layer_estimates", "analysis.theory", "analysis.derivations"),
        code=script_src("f5_layers.py"),
    output:
        "results/F5/layers/L{depth}.json",
    wildcard_constraints:
        depth=r"\d+",
    params:
        run=lambda wc: train_config(
            "loco",
            depth=int(wc.depth),
            network={"mode": "rate"},
            rule={"sigma": F5["layers"]["sigma"]},
        ),
        draws=F5["layers"]["draws"],
        warmup=F5["layers"]["warmup"],
    log:
        "logs/F5/layers_L{depth}.log",
    resources:
        runtime=30,
        mem_mb=4000,
    script:
        "../scripts/f5_layers.py"


rule f5_summary:
    """Mean, SE and 95% CI over seeds of test accuracy per rule and depth; depth where learning
    stops; ablations; per-layer estimator moments."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=expand(
            "results/F5/runs/{rule}_L{depth}_s{seed}.json",
            rule=F5["rules"],
            depth=F5["depths"],
            seed=TRAINING["seeds"],
        ),
        ablation=expand(
            "results/F5/ablation/{variant}_s{seed}.json",
            variant=ABLATION["variants"],
            seed=TRAINING["seeds"],
        ),
        layers=expand("results/F5/layers/L{depth}.json", depth=F5["layers"]["depths"]),
        code=script_src("f5_summary.py"),
    output:
        summary="results/F5/summary.json",
        numbers="results/F5/numbers.json",
    params:
        cfg=F5,
        base=TRAINING_RESOLVED,
        margin=TRAINING["chance_margin"],
        lr=TRAINING["lr"],
        seeds=TRAINING["seeds"],
        # the keys of runs and ablation, in the order expand() lists them
        runs=list(product(F5["rules"], F5["depths"], TRAINING["seeds"])),
        ablation=list(product(ABLATION["variants"], TRAINING["seeds"])),
        layer_depths=F5["layers"]["depths"],
    log:
        "logs/F5/summary.log",
    localrule: True
    script:
        "../scripts/f5_summary.py"


rule f5_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f5_depth.py",
        style=STYLE,
        summary="results/F5/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F5")["pdf"],
        png=report(figure_files("F5")["png"], caption="../report/F5.rst", category="F5 depth"),
    log:
        "logs/F5/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
