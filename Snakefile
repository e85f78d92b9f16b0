# Everything lives in workflow/. Snakemake ignores `default_target` of included files
# (snakemake issues #2056, #2773), so the default target is restated here.
include: "workflow/Snakefile"


rule default:
    default_target: True
    input:
        rules.all.input,
