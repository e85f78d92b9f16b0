# F6 convergence: NP and LOCO at every rate of F6.lr_grid; curves at each rule's best rate.
from itertools import product

F6 = config["F6"]
trains("F6", [(r, train_config(r), "training.base") for r in F6["rules"]])
F6_LRS = [f"{lr:g}" for lr in F6["lr_grid"]]


rule f6_train:
    """Train NP or LOCO at one learning rate and seed; accuracy after every epoch (F6)."""
    conda:
        CONDA_ENV
    input:
        code=script_src("train_sweep.py"),
    output:
        "results/F6/runs/{rule}_lr{lr}_s{seed}.json",
    wildcard_constraints:
        rule="np|loco",
        lr=r"[0-9.e-]+",
        seed=r"\d+",
    params:
        run=lambda wc: train_config(
            wc.rule, depth=F6["depth"], seed=int(wc.seed), training={"epochs": F6["epochs"]}
        ),
        lrs=lambda wc: [float(wc.lr)],
    log:
        "logs/F6/train_{rule}_lr{lr}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f6_summary:
    """Best rate (final validation accuracy), largest stable rate, curves at the best rate."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=expand(
            "results/F6/runs/{rule}_lr{lr}_s{seed}.json",
            rule=F6["rules"],
            lr=F6_LRS,
            seed=TRAINING["seeds"],
        ),
        code=script_src("f6_summary.py"),
    output:
        summary="results/F6/summary.json",
        numbers="results/F6/numbers.json",
    params:
        cfg=F6,
        base=TRAINING_RESOLVED,
        margin=TRAINING["chance_margin"],
        seeds=TRAINING["seeds"],
        runs=list(product(F6["rules"], F6_LRS, TRAINING["seeds"])),  # the keys of runs
    log:
        "logs/F6/summary.log",
    localrule: True
    script:
        "../scripts/f6_summary.py"


rule f6_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f6_convergence.py",
        style=STYLE,
        summary="results/F6/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F6")["pdf"],
        png=report(
            figure_files("F6")["png"], caption="../report/F6.rst", category="F6 convergence"
        ),
    log:
        "logs/F6/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
