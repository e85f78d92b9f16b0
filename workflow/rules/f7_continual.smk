# F7 continual learning: per protocol (task-, class-incremental on class pairs; permuted pixels)
# and rule, the accuracy on every task after each task; rates tuned on the first task alone.
from itertools import product

F7 = config["F7"]
F7_TASKS = [[2 * t, 2 * t + 1] for t in range(F7["n_tasks"])]  # class pairs
F7_RULE = lambda name: "bp" if name == "joint" else name  # joint: BP on every task at once
F7_RUNS = [  # (protocol, rule, seed); cells in F7.first_seed_only train the first seed only
    (p, r, s)
    for p, r, s in product(F7["protocols"], F7["rules"], TRAINING["seeds"])
    if s == TRAINING["seeds"][0] or f"{p}.{r}" not in F7["first_seed_only"]
]


f7_tasks = lambda protocol, n: n if protocol == "permuted" else F7_TASKS[:n]
f7_lr = lambda name: F7["optimizer"].get(name, {}).get("lr", TRAINING["lr"][F7_RULE(name)])
f7_run = lambda protocol, name, seed, first_task_only=False: deep_merge(
    train_config(
        F7_RULE(name),
        depth=F7["depth"],
        lr=f7_lr(name),
        seed=seed,
        data={
            "tasks": f7_tasks(protocol, 1 if first_task_only else F7["n_tasks"]),
            "protocol": protocol,
            "joint": name == "joint" and not first_task_only,
        },
        training={"epochs": F7["epochs_per_task"]},
        optimizer={k: v for k, v in F7["optimizer"].get(name, {}).items() if k != "lr"},
    ),
    {"rule": F7["rule_options"].get(F7_RULE(name), {})},
)  # one F7 run: training.base for the rule, the protocol's tasks (only the first to tune)


trains("F7", [(f"{r}, {p}", f7_run(p, r, 0), "F7") for p in F7["protocols"] for r in F7["rules"]])
settings_problem(
    enabled("F7") and "joint" in F7["rules"] and "bp" not in F7["rules"],
    "F7.rules: joint takes BP's tuned rate, so bp must be among the rules",
)


rule f7_tune:
    """A rule's rate on one protocol: F7.lr_factors (or F7.rule_lr_factors) times its rate,
    trained on the first task only (first training seed); the best final validation accuracy
    on that task wins."""
    conda:
        CONDA_ENV
    input:
        code=script_src("train_sweep.py"),
    output:
        "results/F7/tune/{protocol}_{rule}.json",
    wildcard_constraints:
        protocol="task|class|permuted",
        rule="|".join(r for r in F7["rules"] if r != "joint") or "^$",
    params:
        run=lambda wc: f7_run(wc.protocol, wc.rule, TRAINING["seeds"][0], first_task_only=True),
        lrs=lambda wc: [
            f * f7_lr(wc.rule) for f in F7["rule_lr_factors"].get(wc.rule, F7["lr_factors"])
        ],
    log:
        "logs/F7/tune_{protocol}_{rule}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f7_train:
    """One rule on the protocol's task sequence at its tuned rate (joint: BP's, on every task at
    once); the rule's end_task sees each finished task (LOCO protects it, EWC anchors it)."""
    conda:
        CONDA_ENV
    input:
        lr_from=lambda wc: f"results/F7/tune/{wc.protocol}_{F7_RULE(wc.rule)}.json",
        code=script_src("train_sweep.py"),
    output:
        "results/F7/runs/{protocol}_{rule}_s{seed}.json",
    wildcard_constraints:
        protocol="task|class|permuted",
        rule="|".join(F7["rules"]),
        seed=r"\d+",
    params:
        run=lambda wc: f7_run(wc.protocol, wc.rule, int(wc.seed)),
        lrs=lambda wc: [f7_lr(wc.rule)],  # if the sweep diverged
    log:
        "logs/F7/train_{protocol}_{rule}_s{seed}.log",
    resources:
        runtime=240,
        mem_mb=4000,
    script:
        "../scripts/train_sweep.py"


rule f7_summary:
    """Accuracy matrices and mean final accuracy, forgetting, BWT, FWT and plasticity per
    protocol and rule (analysis.continual)."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=[f"results/F7/runs/{p}_{r}_s{s}.json" for p, r, s in F7_RUNS],
        code=script_src("f7_summary.py"),
    output:
        summary="results/F7/summary.json",
        numbers="results/F7/numbers.json",
    params:
        cfg=F7,
        tasks=F7_TASKS,
        runs=F7_RUNS,  # the keys of runs, in order
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
