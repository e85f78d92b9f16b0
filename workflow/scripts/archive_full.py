"""Archive a full-profile build under ``paper/full/`` (config ``paper.archive``).

Copies ``results/numbers.json``, the figure PDFs and the paper, writes the validated config
(defaults filled in) as ``config.json`` and ``manifest.json``: profile, figures, the code
commit (``git rev-parse HEAD``) and whether tracked files differed from it, software versions,
and the SHA-256 of every archived file. Refuses to archive from a tree with uncommitted changes
to tracked code (outside the archive directory), so the commit names the code that ran.
"""

import hashlib
import json
import platform
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def committed(path: Path) -> bytes | None:
    """``path`` as committed at HEAD (None when it is not)."""
    res = subprocess.run(["git", "show", f"HEAD:{path}"], capture_output=True, check=False)
    return res.stdout if res.returncode == 0 else None


def merge(old: dict | None, new: dict, figures: list[str]) -> tuple[dict, dict]:
    """The archive's (numbers, config) after archiving ``figures`` of the build (``new``:
    numbers and config) over the committed archive (``old``, or None).

    Examples
    --------
    >>> old = {"numbers": {"F1.a": 1, "F2.b": 2}, "config": {"figures": ["F1", "F2"], "F1": 1,
    ...        "F2": 2, "seed": 0}}
    >>> new = {"numbers": {"F2.b": 3}, "config": {"figures": ["F2"], "F1": 9, "F2": 5, "seed": 0}}
    >>> numbers, config = merge(old, new, ["F2"])
    >>> numbers, config["figures"], config["F1"], config["F2"]
    ({'F1.a': 1, 'F2.b': 3}, ['F1', 'F2'], 1, 5)
    >>> merge(old, {**new, "config": {**new["config"], "seed": 7}}, ["F2"])[1]["seed"]  # kept
    0
    """
    if old is None:
        return new["numbers"], new["config"]
    kept = sorted(set(old["config"]["figures"]) - set(figures))
    numbers = {k: v for k, v in old["numbers"].items() if k.split(".")[0] in kept}
    numbers |= new["numbers"]
    # the kept figures' numbers come from the archived shared sections (seed, training, ...):
    # keep those, and take only the rebuilt figures' own sections from the build
    config = (
        {**old["config"], **{fig: new["config"][fig] for fig in figures}} if kept else new["config"]
    )
    config["figures"] = sorted(set(kept) | set(figures), key=lambda f: int(f[1:]))
    return dict(sorted(numbers.items())), config


def same_training(archived: dict, built: dict) -> bool:
    """Did the kept figures' runs see this build's training section? Equal, except that the
    build may give rates to rules the archive had none for (``training.lr`` grows with the
    rules; a rule's rate reaches only its own runs).

    >>> old = {"lr": {"np": 1e-3}, "seeds": [0]}
    >>> same_training(old, {"lr": {"np": 1e-3, "dnp": 1e-4}, "seeds": [0]})
    True
    >>> same_training(old, {"lr": {"np": 3e-3}, "seeds": [0]})
    False
    """
    rest = lambda t: {k: v for k, v in t.items() if k != "lr"}  # noqa: E731
    lr_old, lr_new = archived.get("lr", {}), built.get("lr", {})
    return rest(archived) == rest(built) and all(lr_new.get(r) == v for r, v in lr_old.items())


def main(sm) -> None:
    out = Path(sm.output.manifest).parent
    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith(f"{out}/")
    ]
    if changed:
        raise SystemExit(
            f"archive: tracked files differ from the commit ({', '.join(changed)}); commit "
            "them first so that the archive names the code that produced it"
        )
    figures, config = list(sm.params.figures), dict(sm.params.config)
    commit = git("rev-parse", "HEAD").strip()
    old_manifest = committed(Path(sm.output.manifest))
    old = None
    if old_manifest is not None:
        old_manifest = json.loads(old_manifest)
        old = {
            "numbers": json.loads(committed(Path(sm.output.numbers))),
            "config": json.loads(committed(Path(sm.output.config))),
        }
        kept = sorted(set(old_manifest["figures"]) - set(figures))
        refuse = [key for key in ("seed",) if kept and old["config"][key] != config[key]]
        retrained = set(figures) & set(sm.params.training_figures)
        if kept and retrained and not same_training(old["config"]["training"], config["training"]):
            refuse.append("training")
        if refuse:
            raise SystemExit(
                f"archive: this build's {', '.join(refuse)} differ(s) from the archive's, which "
                f"the kept figures {kept} used; rebuild them too (all figures) or use the "
                "archived values"
            )
    new = {"numbers": json.loads(Path(sm.input.numbers).read_text()), "config": config}
    numbers, config = merge(old, new, figures)
    whole = old_manifest is None or set(figures) >= set(old_manifest["figures"])
    copies = list(zip(sm.input.figures, sm.output.figures, strict=True))
    copies += [(sm.input.paper, sm.output.paper)] if whole else []
    for src, dst in copies:
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    if not whole:  # Snakemake removed the output before the job: restore the committed paper
        Path(sm.output.paper).write_bytes(committed(Path(sm.output.paper)))
    Path(sm.output.numbers).write_text(json.dumps(numbers, indent=1, sort_keys=True) + "\n")
    Path(sm.output.config).write_text(json.dumps(config, indent=1) + "\n")
    files = [Path(p) for p in (sm.output.numbers, sm.output.config, sm.output.paper)]
    files += sorted((out / "figures").glob("*.pdf"))
    commits = {fig: commit for fig in figures}
    if old_manifest is not None:
        before = old_manifest.get("commits", dict.fromkeys(old_manifest["figures"],
                                                           old_manifest["commit"]))  # fmt: skip
        commits = {**{f: before[f] for f in config["figures"] if f not in figures}, **commits}
    paper_commit = commit if whole else old_manifest.get("paper_commit", old_manifest["commit"])
    manifest = {
        "profile": sm.params.profile,
        "figures": config["figures"],
        "commits": commits,
        "paper_commit": paper_commit,
        "commit": commit,
        "software": {
            "python": platform.python_version(),
            **{pkg: version(pkg) for pkg in ("numpy", "scipy", "sympy", "matplotlib", "snakemake")},
        },
        "files": {str(p.relative_to(out)): sha256(p) for p in files},
    }
    Path(sm.output.manifest).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    Path(sm.log[0]).write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
