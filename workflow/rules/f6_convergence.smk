# F6 convergence: NP and LOCO at every rate of F6.lr_grid; curves at each rule's best rate.
from itertools import product

from analysis.stability import prediction_problems

# The SGD panel: per rule and depth a rate sweep in rate mode against analysis.stability's
# predicted maximal stable and best rates.
F6 = config["F6"]
F6_SGD = F6["sgd"]
F6_SGD_BASE = merged_with_default("F6", "sgd", "base")  # sections merged into training.base
F6_SGD_SEED = TRAINING["seeds"][0]  # the seed of the prediction (and of first_seed_only cells)
F6_SGD_RUNS = [  # (rule, depth, rate as named, seed) of the SGD sweep
    (r, d, f"{lr:g}", s)
    for r, d, lr, s in product(F6_SGD["rules"], F6_SGD["depths"], F6_SGD["lr_grid"], TRAINING["seeds"])
    if (s == F6_SGD_SEED or f"{r}.L{d}" not in F6_SGD["first_seed_only"])
    and f"{r}.L{d}" not in F6_SGD["skip"]
]  # fmt: skip
f6_sgd_run = lambda name, depth, seed: train_config(
    name, depth=depth, seed=seed, **deep_merge(F6_SGD_BASE, {"training": {"epochs": F6_SGD["epochs"]}})
)  # fmt: skip
trains(
    "F6",
    [(r, train_config(r), "training.base") for r in F6["rules"]]
    + [(f"sgd {r}", f6_sgd_run(r, F6_SGD["depths"][0], F6_SGD_SEED), "F6.sgd.base") for r in F6_SGD["rules"]],
)  # fmt: skip

F6_SGD_PREDICTED = {  # where -> the run config each prediction measures (deferred)
    **{f"L{d}": lambda d=d: f6_sgd_run("np", d, F6_SGD_SEED) for d in F6_SGD["depths"]},
    **{r: lambda: f10_run("shuffled", "normalised", "np", F10_SEED) for r in F6_SGD["regimes"]},
}
SETTINGS_CHECKS.append(
    lambda: keyed_problems(
        "F6.sgd.prediction",
        F6_SGD_PREDICTED,
        lambda run: prediction_problems(run, rules=F6_SGD["rules"], **F6_SGD["prediction"]),
    )
    if enabled("F6")
    else []
)
settings_problem(
    enabled("F6") and sorted(F6_SGD["lr_grid"]) != F6_SGD["lr_grid"],
    "F6.sgd.lr_grid: the rates must be ascending",
)
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


rule f6_sgd_train:
    """One rule at one SGD rate, depth and seed in rate mode; the divergence is recorded."""
    conda:
        CONDA_ENV
    input:
        code=script_src("train_sweep.py"),
    output:
        "results/F6/sgd/runs/{rule}_L{depth}_lr{lr}_s{seed}.json",
    wildcard_constraints:
        rule="np|loco|loco_port",
        depth=r"\d+",
        lr=r"[0-9.e-]+",
        seed=r"\d+",
    params:
        run=lambda wc: f6_sgd_run(wc.rule, int(wc.depth), int(wc.seed)),
        lrs=lambda wc: [float(wc.lr)],
    log:
        "logs/F6/sgd_train_{rule}_L{depth}_lr{lr}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f6_sgd_predict:
    """Predicted maximal stable and best SGD rates at one depth (analysis.stability)."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f6_sgd_predict.py"),
    output:
        "results/F6/sgd/predicted_L{depth}.json",
    wildcard_constraints:
        depth=r"\d+",
    params:
        run=lambda wc: F6_SGD_PREDICTED[f"L{wc.depth}"](),
        rules=F6_SGD["rules"],
        prediction=F6_SGD["prediction"],
    log:
        "logs/F6/sgd_predict_L{depth}.log",
    resources:
        runtime=60,
        mem_mb=4000,
    script:
        "../scripts/f6_sgd_predict.py"


rule f6_sgd_predict_regime:
    """The prediction in another regime of the claims (no sweep): ``authors`` is F10's."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f6_sgd_predict.py"),
    output:
        "results/F6/sgd/predicted_{regime}.json",
    wildcard_constraints:
        regime="authors",
    params:
        run=lambda wc: F6_SGD_PREDICTED[wc.regime](),
        rules=F6_SGD["rules"],
        prediction=F6_SGD["prediction"],
    log:
        "logs/F6/sgd_predict_{regime}.log",
    resources:
        runtime=60,
        mem_mb=4000,
    script:
        "../scripts/f6_sgd_predict.py"


rule f6_summary:
    """Best rate (final validation accuracy), largest stable rate, curves at the best rate;
    the SGD sweeps' measured edges and best rates against the predicted ones."""
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
        sgd_runs=[f"results/F6/sgd/runs/{r}_L{d}_lr{lr}_s{s}.json" for r, d, lr, s in F6_SGD_RUNS],
        sgd_predictions=expand("results/F6/sgd/predicted_L{depth}.json", depth=F6_SGD["depths"]),
        sgd_regimes=expand("results/F6/sgd/predicted_{regime}.json", regime=F6_SGD["regimes"]),
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
        sgd_runs=F6_SGD_RUNS,  # the keys of sgd_runs, then of sgd_predictions
        sgd_depths=F6_SGD["depths"],
        sgd_regimes=F6_SGD["regimes"],
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
