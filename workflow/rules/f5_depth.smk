# F5 depth: test accuracy vs depth of spiking networks trained by each rule on Fashion-MNIST.
F5 = config["F5"]


rule f5_train:
    """Train one rule at one depth and seed (lr from training.lr x F5.lr_factors, chosen on
    validation); history of train/val/test accuracy per epoch."""
    input:
        TRAIN_SOURCES,
    output:
        "results/F5/runs/{rule}_L{depth}_s{seed}.json",
    wildcard_constraints:
        rule="bp|fa|dfa|np|loco",
        depth=r"\d+",
        seed=r"\d+",
    params:
        run=lambda wc: train_config(wc.rule, depth=int(wc.depth), seed=int(wc.seed)),
        lrs=lambda wc: [f * TRAINING["lr"][wc.rule] for f in F5["lr_factors"]],
    log:
        "logs/F5/train_{rule}_L{depth}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f5_summary:
    """Mean (and SE over seeds) test accuracy per rule and depth; depth where learning stops."""
    input:
        STATS,
        SUMMARY_IO,
        runs=expand(
            "results/F5/runs/{rule}_L{depth}_s{seed}.json",
            rule=F5["rules"],
            depth=F5["depths"],
            seed=TRAINING["seeds"],
        ),
    output:
        summary="results/F5/summary.json",
        numbers="results/F5/numbers.json",
    params:
        cfg=F5,
        base=TRAINING_RESOLVED,
        margin=TRAINING["chance_margin"],
        lr=TRAINING["lr"],
        seeds=TRAINING["seeds"],
    log:
        "logs/F5/summary.log",
    localrule: True
    script:
        "../scripts/f5_summary.py"


rule f5_figure:
    input:
        FIGURE_IO,
        module="figures/f5_depth.py",
        style=STYLE,
        summary="results/F5/summary.json",
    output:
        pdf=figure_files("F5")["pdf"],
        png=report(figure_files("F5")["png"], caption="../report/F5.rst", category="F5 depth"),
    log:
        "logs/F5/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
