# F7 continual learning: class-pair tasks in sequence; accuracy on every task after each task.
F7 = config["F7"]
trains(
    "F7",
    [(r, train_config(r, optimizer=F7["optimizer"].get(r, {})),
      "F7.optimizer" if F7["optimizer"].get(r) else "training.base")
     for r in F7["rules"]],
)  # fmt: skip
F7_TASKS = [[2 * t, 2 * t + 1] for t in range(F7["n_tasks"])]  # split_pairs


rule f7_train:
    """Train one rule on the task sequence (LOCO protects each finished task's inputs)."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f7_train.py"),
    output:
        "results/F7/runs/{rule}_s{seed}.json",
    wildcard_constraints:
        rule="loco|np|bp",
        seed=r"\d+",
    params:
        run=lambda wc: train_config(
            wc.rule,
            depth=F7["depth"],
            seed=int(wc.seed),
            data={"tasks": F7_TASKS},
            training={"epochs": F7["epochs_per_task"]},
            optimizer=F7["optimizer"].get(wc.rule, {}),
        ),
    log:
        "logs/F7/train_{rule}_s{seed}.log",
    resources:
        runtime=240,
        mem_mb=4000,
    script:
        "../scripts/f7_train.py"


rule f7_summary:
    """Accuracy matrices, final accuracy, accuracy right after learning, forgetting."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=expand("results/F7/runs/{rule}_s{seed}.json", rule=F7["rules"], seed=TRAINING["seeds"]),
        code=script_src("f7_summary.py"),
    output:
        summary="results/F7/summary.json",
        numbers="results/F7/numbers.json",
    params:
        cfg=F7,
        tasks=F7_TASKS,
        runs=[[r, s] for r in F7["rules"] for s in TRAINING["seeds"]],  # the keys of runs
    log:
        "logs/F7/summary.log",
    localrule: True
    script:
        "../scripts/f7_summary.py"


rule f7_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f7_continual.py",
        style=STYLE,
        summary="results/F7/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F7")["pdf"],
        png=report(
            figure_files("F7")["png"], caption="../report/F7.rst", category="F7 continual"
        ),
    log:
        "logs/F7/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
