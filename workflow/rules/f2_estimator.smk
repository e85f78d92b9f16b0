# F2 estimator variance and alignment vs perturbation dimension, depth and projection rank.
F2_PANELS = ["dimension", "depth", "projection"]


rule f2_mc:
    """Monte Carlo moments of the NP estimator for one panel, with the exact theory."""
    conda:
        CONDA_ENV
    input:
        src("analysis.estimators", "analysis.theory", "analysis.derivations"),
        code=script_src("f2_mc.py"),
    output:
        "results/F2/{panel}.json",
    wildcard_constraints:
        panel="|".join(F2_PANELS),
    params:
        cfg=lambda wc: config["F2"][wc.panel],
        samples=config["F2"]["samples"],
        n_batches=config["F2"]["n_batches"],
        entropy=lambda wc: stream("F2", wc.panel),
    log:
        "logs/F2/mc_{panel}.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f2_mc.py"


rule f2_summary:
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        panels=expand("results/F2/{panel}.json", panel=F2_PANELS),
        code=script_src("f2_summary.py"),
    output:
        numbers="results/F2/numbers.json",
    log:
        "logs/F2/summary.log",
    localrule: True
    script:
        "../scripts/f2_summary.py"


rule f2_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f2_estimator.py",
        style=STYLE,
        dimension="results/F2/dimension.json",
        depth="results/F2/depth.json",
        projection="results/F2/projection.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F2")["pdf"],
        png=report(figure_files("F2")["png"], caption="../report/F2.rst", category="F2 estimator"),
    log:
        "logs/F2/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
