# Rule skeletons of the chains that need the learning rules and a training driver: F1, F5-F8.
# They are refused before any job while listed in PENDING (rules/common.smk). To wire a chain:
# write its scripts (workflow/scripts/f<n>_*.py: today they raise NotImplementedError naming
# what is missing), add the sim modules they import to `input:` via src(...), remove the figure
# from PENDING, add its paper section text. See workflow/README.md for each chain's contract.
TRAIN_SOURCES = src(
    "sim.experiments", "sim.train", "sim.config", "sim.data", "sim.idx", "sim.network",
    "sim.neurons", "sim.encoders", "sim.transfer", "sim.losses", "sim.optim", "sim.projectors",
    "sim.rules",
)
TRAINING_FIGURES = {"F1", "F5", "F6", "F7", "F8"}
if TRAINING_FIGURES & set(config["figures"]):  # reached once the lead empties PENDING
    from sim.config import resolve as _resolve_training

    try:
        _resolve_training(config["training"]["base"])
    except ValueError as err:
        raise WorkflowError(f"config key training.base: {err}") from None


rule f5_train:
    """Train one rule at one depth and seed on Fashion-MNIST; test accuracy (F5)."""
    input:
        TRAIN_SOURCES,
    output:
        "results/F5/runs/{rule}_L{depth}_s{seed}.json",
    wildcard_constraints:
        rule="bp|fa|dfa|np|loco",
        depth=r"\d+",
        seed=r"\d+",
    params:
        training=config["training"],
        entropy=lambda wc: stream("F5", wc.rule, wc.depth, wc.seed),
    log:
        "logs/F5/train_{rule}_L{depth}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/pending.py"


rule f6_train:
    """Train NP or LOCO at one learning rate; accuracy every eval_every updates (F6)."""
    input:
        TRAIN_SOURCES,
    output:
        "results/F6/runs/{rule}_lr{lr}_s{seed}.json",
    wildcard_constraints:
        rule="np|loco",
        lr=r"[0-9.e-]+",
        seed=r"\d+",
    params:
        training=config["training"],
        cfg=config["F6"],
        entropy=lambda wc: stream("F6", wc.rule, wc.lr, wc.seed),
    log:
        "logs/F6/train_{rule}_lr{lr}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/pending.py"


rule f7_train:
    """Train one rule on the task sequence; accuracy on every task after each task (F7)."""
    input:
        TRAIN_SOURCES,
    output:
        "results/F7/runs/{rule}_s{seed}.json",
    wildcard_constraints:
        rule="loco|np|bp",
        seed=r"\d+",
    params:
        training=config["training"],
        cfg=config["F7"],
        entropy=lambda wc: stream("F7", wc.rule, wc.seed),
    log:
        "logs/F7/train_{rule}_s{seed}.log",
    resources:
        runtime=240,
        mem_mb=4000,
    script:
        "../scripts/pending.py"


rule f8_update_cost:
    """Critical-path depth (dependency graph) and timed update phase of one rule and depth."""
    input:
        TRAIN_SOURCES,
    output:
        "results/F8/runs/{rule}_L{depth}.json",
    wildcard_constraints:
        rule="bp|fa|dfa|np|loco",
        depth=r"\d+",
    params:
        training=config["training"],
        cfg=config["F8"],
        entropy=lambda wc: stream("F8", wc.rule, wc.depth),
    log:
        "logs/F8/update_{rule}_L{depth}.log",
    resources:
        runtime=30,
        mem_mb=2000,
    script:
        "../scripts/pending.py"


rule f1_spectra:
    """Train with NP or LOCO while recording update and activity spectra per layer (F1)."""
    input:
        TRAIN_SOURCES,
    output:
        "results/F1/runs/{rule}_s{seed}.npz",
    wildcard_constraints:
        rule="np|loco",
        seed=r"\d+",
    params:
        training=config["training"],
        cfg=config["F1"],
        entropy=lambda wc: stream("F1", wc.rule, wc.seed),
    log:
        "logs/F1/spectra_{rule}_s{seed}.log",
    resources:
        runtime=120,
        mem_mb=4000,
    script:
        "../scripts/pending.py"
