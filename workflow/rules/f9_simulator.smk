# F9 simulator validation: our LIF/IF against Brian2 on several parameter sets, and speed.
F9 = config["F9"]
F9_SETS = sorted(F9["validation"]["parameter_sets"])


settings_problem(
    enabled("F9") and F9["validation"]["example"] not in F9_SETS,
    f"F9.validation.example: {F9['validation']['example']!r} is not one of the parameter sets "
    f"{F9_SETS}",
)


wildcard_constraints:
    pset="|".join(F9_SETS),


rule f9_validate:
    """Simulate one parameter set with sim.neurons and with Brian2 (numpy target)."""
    conda:
        CONDA_ENV
    input:
        src("sim.neurons", "sim.brian2_reference"),
        code=script_src("f9_validate.py"),
    output:
        npz="results/F9/validation/{pset}.npz",
        json="results/F9/validation/{pset}.json",
    params:
        neuron=lambda wc: F9["validation"]["parameter_sets"][wc.pset],
        steps=F9["validation"]["steps"],
        neurons=F9["validation"]["neurons"],
        entropy=lambda wc: stream("F9", "validation", wc.pset),
    log:
        "logs/F9/validate_{pset}.log",
    resources:
        runtime=10,
        mem_mb=1000,
    script:
        "../scripts/f9_validate.py"


rule f9_benchmark:
    """Simulator speed vs Brian2 and the GEMM rate (benchmarks/bench_simulator.py).

    Uses every local core so that no other job runs beside it and distorts the timing.
    """
    conda:
        CONDA_ENV
    input:
        "benchmarks/bench_simulator.py",
        src("sim.neurons", "sim.network", "sim.encoders", "sim.transfer", "sim.timing"),
        code=script_src("f9_benchmark.py"),
    output:
        json="results/F9/benchmark.json",
    params:
        repeats=F9["benchmark"]["repeats"],
        cython=F9["benchmark"]["cython"],
    log:
        "logs/F9/benchmark.log",
    threads: all_local_cores()
    resources:
        runtime=30,
        mem_mb=4000,
    script:
        "../scripts/f9_benchmark.py"


rule f9_summary:
    """Agreement over all parameter sets and the quoted numbers of F9."""
    conda:
        CONDA_ENV
    input:
        SUMMARY_IO,
        validation=expand("results/F9/validation/{pset}.json", pset=F9_SETS),
        benchmark="results/F9/benchmark.json",
        code=script_src("f9_summary.py"),
    output:
        summary="results/F9/summary.json",
        numbers="results/F9/numbers.json",
    log:
        "logs/F9/summary.log",
    localrule: True
    script:
        "../scripts/f9_summary.py"


rule f9_figure:
    conda:
        CONDA_ENV
    input:
        FIGURE_IO,
        module="figures/f9_simulator.py",
        style=STYLE,
        example=f"results/F9/validation/{F9['validation']['example']}.npz",
        summary="results/F9/summary.json",
        benchmark="results/F9/benchmark.json",
        code=script_src("plot.py"),
    output:
        pdf=figure_files("F9")["pdf"],
        png=report(figure_files("F9")["png"], caption="../report/F9.rst", category="F9 simulator"),
    log:
        "logs/F9/figure.log",
    localrule: True
    script:
        "../scripts/plot.py"
