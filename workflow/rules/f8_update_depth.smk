# F8 update depth: critical path of the update phase (dependency graph) and its measured cost.
F8 = config["F8"]
trains("F8", [(r, train_config(r), "training.base") for r in F8["rules"]])


rule f8_update_cost:
    """Stage count and best-of-R wall time of one update of one rule at one depth.

    Uses every local core so that no other job runs beside it and distorts the timing; the
    script itself limits BLAS to one thread (a serial update, comparable across machines).
    """
    conda:
        CONDA_ENV
    input:
        code=script_src("f8_update_cost.py"),
    output:
        "results/F8/runs/{rule}_L{depth}.json",
    wildcard_constraints:
        rule="bp|fa|dfa|np|loco",
        depth=r"\d+",
    params:
        run=lambda wc: train_config(wc.rule),
        repeats=F8["repeats"],
    log:
        "logs/F8/update_{rule}_L{depth}.log",
    threads: all_local_cores()
    resources:
        runtime=30,
        mem_mb=2000,
    script:
        "../scripts/f8_update_cost.py"


rule f8_summary:
    """Stages (deterministic) and update times (timing keys) per rule and depth."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=expand("results/F8/runs/{rule}_L{depth}.json", rule=F8["rules"], depth=F8["depths"]),
        code=script_src("f8_summary.py"),
    output:
        summary="results/F8/summary.json",
        numbers="results/F8/numbers.json",
    params:
        cfg=F8,
        base=TRAINING_RESOLVED,
        runs=[[r, d] for r in F8["rules"] for d in F8["depths"]],  # the keys of runs
    log:
        "logs/F8/summary.log",
    localrule: True
    script:
        "../scripts/f8_summary.py"


rule f8_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f8_update_depth.py",
        style=STYLE,
        summary="results/F8/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F8")["pdf"],
        png=report(
            figure_files("F8")["png"], caption="../report/F8.rst", category="F8 update depth"
        ),
    log:
        "logs/F8/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
