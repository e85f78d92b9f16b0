# Every number the paper quotes: per-figure parts -> results/numbers.json -> TeX macros.


rule numbers:
    """Merge results/F<n>/numbers.json of the enabled figures into one flat JSON."""
    conda:
        CONDA_ENV
    input:
        parts=[f"results/{fig}/numbers.json" for fig in sorted(config["figures"])],
        code=script_src("merge_numbers.py"),
    output:
        numbers="results/numbers.json",
        timing="results/numbers_timing_keys.json",
    log:
        "logs/numbers.log",
    localrule: True
    script:
        "../scripts/merge_numbers.py"


rule numbers_tex:
    """One \\newcommand per number for the paper (archived figures' numbers included)."""
    conda:
        CONDA_ENV
    input:
        "results/paper_numbers.json",
        code=script_src("numbers_tex.py"),
    output:
        "paper/generated/numbers.tex",
    log:
        "logs/numbers_tex.log",
    localrule: True
    script:
        "../scripts/numbers_tex.py"
