# The paper: generated TeX (numbers, equations, which figures exist) -> latexmk -> PDF.
PAPER_SOURCES = ["paper/main.tex", "paper/refs.bib"] + sorted(
    str(p) for p in Path("paper/sections").glob("*.tex")
)


rule paper_figures_tex:
    """\\ifFn switches: a section shows its figure and numbers only when the chain ran;
    \\BuildProfile and \\ifQuickProfile: which size profile produced the numbers."""
    output:
        "paper/generated/figures.tex",
    params:
        figures=sorted(config["figures"]),
        names=FIGURE_NAMES,
        profile=config["paper"]["profile"],
    log:
        "logs/paper_figures_tex.log",
    localrule: True
    script:
        "../scripts/paper_figures_tex.py"


rule paper_equations:
    """LaTeX of the sympy derivations (analysis.derivations.latex_equations())."""
    input:
        # Until analysis/derivations.py exists the file says so; its appearance reruns this.
        [f for f in src("analysis.derivations") if Path(f).exists()],
    output:
        "paper/generated/equations.tex",
    log:
        "logs/paper_equations.log",
    localrule: True
    script:
        "../scripts/paper_equations.py"


rule paper:
    """latexmk (pdflatex + bibtex) in results/paper_build/, then copied to results/paper.pdf.

    SOURCE_DATE_EPOCH/FORCE_SOURCE_DATE fix the dates pdfTeX writes, so the PDF depends only
    on its inputs.
    """
    input:
        PAPER_SOURCES,
        "paper/generated/numbers.tex",
        "paper/generated/equations.tex",
        "paper/generated/figures.tex",
        [figure_files(fig)["pdf"] for fig in sorted(config["figures"])],
    output:
        "results/paper.pdf",
    log:
        "logs/paper.log",
    localrule: True
    shell:
        "export SOURCE_DATE_EPOCH=0 FORCE_SOURCE_DATE=1; "
        "latexmk -pdf -cd -interaction=nonstopmode -halt-on-error "
        "-outdir=../results/paper_build paper/main.tex > {log} 2>&1 "
        "&& cp results/paper_build/main.pdf {output}"
