# The paper: generated TeX (numbers, equations, which figures exist, claims) -> latexmk -> PDF.
# Figures of an archived full-profile build (config paper.archive; ARCHIVED, paper_figure in
# common.smk) replace this build's in the paper unless this build is the full profile itself.
PAPER_SOURCES = ["paper/main.tex", "paper/refs.bib"] + sorted(
    str(p) for p in Path("paper/sections").glob("*.tex")
)


rule paper_numbers:
    """results/numbers.json with the archived figures' numbers in place of this build's."""
    conda:
        CONDA_ENV
    input:
        numbers="results/numbers.json",
        archive=[f"{config['paper']['archive']}/numbers.json"] if ARCHIVED else [],
        code=script_src("paper_numbers.py"),
    output:
        "results/paper_numbers.json",
    params:
        archived=sorted(ARCHIVED),
    log:
        "logs/paper_numbers.log",
    localrule: True
    script:
        "../scripts/paper_numbers.py"


rule paper_claims:
    """The claims table: each LOCO claim, its evidence and a verdict by stated criteria."""
    conda:
        CONDA_ENV
    input:
        "results/paper_numbers.json",
        code=script_src("claims_tex.py"),
    output:
        "paper/generated/claims.tex",
    params:
        figures=sorted(config["figures"]),
    log:
        "logs/paper_claims.log",
    localrule: True
    script:
        "../scripts/claims_tex.py"


rule paper_figures_tex:
    """\\ifFn switches: a section shows its figure and numbers only when the chain ran;
    \\BuildProfile, \\ifQuickProfile and per figure \\ProfileFn, \\ifFnQuick: which size
    profile produced the numbers."""
    conda:
        CONDA_ENV
    input:
        code=script_src("paper_figures_tex.py"),
    output:
        "paper/generated/figures.tex",
    params:
        figures=sorted(config["figures"]),
        names=FIGURES,
        profile=config["paper"]["profile"],
        archived={fig: list(v) for fig, v in ARCHIVED.items()},
    log:
        "logs/paper_figures_tex.log",
    localrule: True
    script:
        "../scripts/paper_figures_tex.py"


rule paper_equations:
    """LaTeX of the sympy derivations (analysis.derivations.latex_equations())."""
    conda:
        CONDA_ENV
    input:
        code=script_src("paper_equations.py"),
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
    conda:
        CONDA_ENV
    input:
        PAPER_SOURCES,
        "paper/generated/numbers.tex",
        "paper/generated/equations.tex",
        "paper/generated/figures.tex",
        "paper/generated/claims.tex",
        [paper_figure(fig) for fig in sorted(config["figures"])],
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


ARCHIVE_DIR = config["paper"]["archive"]
if config["paper"]["profile"] == "full" and ARCHIVE_DIR:

    rule archive:
        """Archive this full-profile build for readers: numbers, figure PDFs, paper, config,
        code commit (paper/full/; see paper/full/README.md). A build of some figures updates
        the committed archive (figures.archive.write_archive)."""
        conda:
            CONDA_ENV
        input:
            numbers="results/numbers.json",
            paper="results/paper.pdf",
            figures=[figure_files(fig)["pdf"] for fig in sorted(config["figures"])],
            code=script_src("archive_full.py"),
        output:
            manifest=f"{ARCHIVE_DIR}/manifest.json",
            numbers=f"{ARCHIVE_DIR}/numbers.json",
            config=f"{ARCHIVE_DIR}/config.json",
            paper=f"{ARCHIVE_DIR}/paper.pdf",
            figures=[archive_pdf(fig) for fig in sorted(config["figures"])],
        params:
            config=config,
            figures=sorted(config["figures"]),
            profile=config["paper"]["profile"],
            # chains whose runs come from training.base (an archive update checks it)
            training_figures=sorted(
                fig
                for fig, runs in TRAINING_RUNS.items()
                if any(key.startswith("training") for *_, key in runs)
            ),
        log:
            "logs/archive.log",
        localrule: True
        script:
            "../scripts/archive_full.py"
