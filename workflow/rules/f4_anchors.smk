# F4 external anchors: Werfel et al. 2005, Zuege et al. 2023, Hiratani et al. 2022.
F4 = config["F4"]
F4_TARGETS = (
    expand("results/F4/werfel/{rule}.json", rule=F4["werfel"]["rules"])
    + expand("results/F4/zuege/k{k}.json", k=F4["zuege"]["ranks"])
    + ["results/F4/zuege/floor.json"]
    + expand("results/F4/hiratani/Lh{h}.json", h=F4["hiratani"]["hidden"])
)
F4_CHECKS = (  # (anchor, arg) of each of F4_TARGETS
    [("werfel", r) for r in F4["werfel"]["rules"]]
    + [("zuege", str(k)) for k in F4["zuege"]["ranks"]]
    + [("zuege", "floor")]
    + [("hiratani", str(h)) for h in F4["hiratani"]["hidden"]]
)
F4_SOURCES = src("analysis.anchors", "analysis.rates", "analysis.lowrank")


rule f4_werfel:
    """Convergence rate of one rule at its optimal learning rate (white inputs)."""
    conda:
        CONDA_ENV
    input:
        F4_SOURCES,
        code=script_src("f4_anchors.py"),
    output:
        "results/F4/werfel/{rule}.json",
    wildcard_constraints:
        rule="gd|np|wp|np_sequential",
    params:
        cfg=F4["werfel"],
        anchor="werfel",
        arg=lambda wc: wc.rule,
        entropy=lambda wc: stream("F4", "werfel", wc.rule),
    log:
        "logs/F4/werfel_{rule}.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f4_anchors.py"


rule f4_zuege:
    """WP convergence with inputs on a k-dim subspace, or NP's asymptotic loss ('floor')."""
    conda:
        CONDA_ENV
    input:
        F4_SOURCES,
        code=script_src("f4_anchors.py"),
    output:
        "results/F4/zuege/{case}.json",
    wildcard_constraints:
        case=r"k\d+|floor",
    params:
        cfg=F4["zuege"],
        anchor="zuege",
        arg=lambda wc: wc.case.removeprefix("k"),
        entropy=lambda wc: stream("F4", "zuege", wc.case),
    log:
        "logs/F4/zuege_{case}.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f4_anchors.py"


rule f4_hiratani:
    """Diverged fraction of NP in the two-layer linear student vs learning rate / eta*."""
    conda:
        CONDA_ENV
    input:
        F4_SOURCES,
        code=script_src("f4_anchors.py"),
    output:
        "results/F4/hiratani/Lh{h}.json",
    wildcard_constraints:
        h=r"\d+",
    params:
        cfg=F4["hiratani"],
        anchor="hiratani",
        arg=lambda wc: wc.h,
        entropy=lambda wc: stream("F4", "hiratani", wc.h),
    log:
        "logs/F4/hiratani_Lh{h}.log",
    resources:
        runtime=20,
        mem_mb=1000,
    script:
        "../scripts/f4_anchors.py"


rule f4_summary:
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        runs=F4_TARGETS,
        code=script_src("f4_summary.py"),
    output:
        summary="results/F4/summary.json",
        numbers="results/F4/numbers.json",
    params:
        checks=F4_CHECKS,
    log:
        "logs/F4/summary.log",
    localrule: True
    script:
        "../scripts/f4_summary.py"


rule f4_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        F4_SOURCES,  # the figure draws the theory lines with analysis.anchors
        module="figures/f4_anchors.py",
        style=STYLE,
        summary="results/F4/summary.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F4")["pdf"],
        png=report(figure_files("F4")["png"], caption="../report/F4.rst", category="F4 anchors"),
    log:
        "logs/F4/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
