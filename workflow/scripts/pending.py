"""Body of the rule skeletons of F1 and F5-F8 (rules/pending.smk): not implemented yet.

These chains need the learning rules (NP, LOCO, BP, FA, DFA), a training driver and a
Fashion-MNIST loader in `sim`; the workflow refuses them before any job while they are in
PENDING. Reaching this script means the guard was bypassed: fail loudly, write nothing.
"""

sm = globals().get("snakemake")
rule = sm.rule if sm is not None else "?"
raise NotImplementedError(
    f"rule {rule}: not wired yet - it needs the training driver and learning rules in sim/ "
    "(see workflow/README.md, section 'Chains left for the lead')."
)
