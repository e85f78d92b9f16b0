# F3 learning curves and learning-rate sweeps: theory (T5) against simulation.
F3 = config["F3"]
F3_RATIOS = [f"{r:g}" for r in F3["sweep_ratios"]]


rule f3_theory:
    """Covariance, projector, initial error, predicted rates, curves and theory sweeps."""
    conda:
        CONDA_ENV
    input:
        src("analysis.theory", "analysis.derivations"),
        code=script_src("f3_theory.py"),
    output:
        npz="results/F3/theory.npz",
        json="results/F3/rates.json",
    params:
        cfg=F3,
        entropy=stream("F3", "theory"),
    log:
        "logs/F3/theory.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f3_theory.py"


rule f3_curve:
    """Simulated learning curve of one variant at its predicted optimal learning rate."""
    conda:
        CONDA_ENV
    input:
        theory="results/F3/theory.npz",
        rates="results/F3/rates.json",
        code=script_src("f3_simulate.py"),
    output:
        "results/F3/curve/{variant}.npz",
    wildcard_constraints:
        variant="gd|np|wp|np_loco",
    params:
        cfg=F3,
        entropy=lambda wc: stream("F3", "curve", wc.variant),
    log:
        "logs/F3/curve_{variant}.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f3_simulate.py"


rule f3_sweep:
    """Simulated final loss of one variant at ratio x its predicted stability edge."""
    conda:
        CONDA_ENV
    input:
        theory="results/F3/theory.npz",
        rates="results/F3/rates.json",
        code=script_src("f3_simulate.py"),
    output:
        "results/F3/sweep/{variant}_r{ratio}.npz",
    wildcard_constraints:
        variant="gd|np|wp|np_loco",
        ratio=r"[0-9.]+",
    params:
        cfg=F3,
        entropy=lambda wc: stream("F3", "sweep", wc.variant, wc.ratio),
    log:
        "logs/F3/sweep_{variant}_r{ratio}.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f3_simulate.py"


rule f3_summary:
    """Theory-vs-simulation z-scores and the numbers of F3."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        theory="results/F3/theory.npz",
        rates="results/F3/rates.json",
        curves=expand("results/F3/curve/{variant}.npz", variant=F3["variants"]),
        sweeps=expand(
            "results/F3/sweep/{variant}_r{ratio}.npz",
            variant=F3["sweep_variants"],
            ratio=F3_RATIOS,
        ),
        code=script_src("f3_summary.py"),
    output:
        summary="results/F3/summary.json",
        numbers="results/F3/numbers.json",
    params:
        cfg=F3,
        curves=F3["variants"],  # the variant of each curve and sweep point, in input order
        sweeps=[v for v in F3["sweep_variants"] for _ in F3_RATIOS],
    log:
        "logs/F3/summary.log",
    localrule: True
    script:
        "../scripts/f3_summary.py"


rule f3_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f3_curves.py",
        style=STYLE,
        theory="results/F3/theory.npz",
        summary="results/F3/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F3")["pdf"],
        png=report(figure_files("F3")["png"], caption="../report/F3.rst", category="F3 curves"),
    log:
        "logs/F3/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
