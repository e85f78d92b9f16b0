# F1 low rank: spectra of NP/LOCO batch updates and of layer activity in a trained SNN (T3).
F1 = config["F1"]
trains("F1", [(r, train_config(r), "training.base") for r in F1["rules"]])


settings_problem(
    enabled("F1") and F1["batches"] * TRAINING_BASE["training"]["batch_size"]
    > TRAINING_BASE["data"]["n_train"],
    f"F1.batches: batches x batch_size = {F1['batches'] * TRAINING_BASE['training']['batch_size']}"
    f" exceeds training.base data.n_train = {TRAINING_BASE['data']['n_train']}",
)


rule f1_spectra:
    """Train a network with NP or LOCO, then record update and activity spectra per layer at
    the initial and at the trained weights (F1.batches consecutive training batches)."""
    conda:
        CONDA_ENV
    input:
        code=script_src("f1_spectra.py"),
    output:
        "results/F1/runs/{rule}_s{seed}.npz",
    wildcard_constraints:
        rule="np|loco",
        seed=r"\d+",
    params:
        run=lambda wc: train_config(wc.rule, depth=F1["depth"], seed=int(wc.seed)),
        batches=F1["batches"],
    log:
        "logs/F1/spectra_{rule}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/f1_spectra.py"


rule f1_summary:
    """Effective ranks and participation ratios (analysis.lowrank) against the rank bounds."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=expand("results/F1/runs/{rule}_s{seed}.npz", rule=F1["rules"], seed=TRAINING["seeds"]),
        code=script_src("f1_summary.py"),
    output:
        summary="results/F1/summary.json",
        numbers="results/F1/numbers.json",
    params:
        cfg=F1,
        runs=[[r, s] for r in F1["rules"] for s in TRAINING["seeds"]],  # the keys of runs
    log:
        "logs/F1/summary.log",
    localrule: True
    script:
        "../scripts/f1_summary.py"


rule f1_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f1_lowrank.py",
        style=STYLE,
        summary="results/F1/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F1")["pdf"],
        png=report(figure_files("F1")["png"], caption="../report/F1.rst", category="F1 low rank"),
    log:
        "logs/F1/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
