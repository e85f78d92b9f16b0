"""The numbers file and the archive of full-profile builds (``paper/full/``).

`merge_parts` joins the per-figure ``results/F<n>/numbers.json`` into ``results/numbers.json``;
`quoted_numbers` gives the numbers the paper quotes (archived figures' keys from the archive);
`write_archive` archives a full-profile build: ``results/numbers.json``, the figure PDFs and the
paper, the validated config (defaults filled in) as ``config.json`` and ``manifest.json``:
profile, figures, the code commit (``git rev-parse HEAD``), software versions, and the SHA-256
of every archived file. It refuses to archive from a tree with uncommitted changes to tracked
code (outside the archive directory), so the commit names the code that ran, and refuses to
keep archived figures whose runs saw another seed or training section than this build.
"""

import hashlib
import json
import platform
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

__all__ = ["merge", "merge_parts", "quoted_numbers", "same_training", "write_archive"]


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


def merge_parts(parts: list[str]) -> tuple[dict, list[str]]:
    """The flat ``{key: value}`` of the per-figure parts (files ``results/F<n>/numbers.json``)
    and the sorted keys measured by wall clock (excluded from the bit-identical check). A key
    defined twice, or not starting with its figure's name, is an error."""
    numbers: dict = {}
    timing: list[str] = []
    for path in parts:
        part = json.loads(Path(path).read_text())
        for key, value in part["numbers"].items():
            if key in numbers:
                raise ValueError(f"number {key!r} defined twice (again in {path})")
            if not key.startswith(Path(path).parent.name + "."):
                raise ValueError(f"number {key!r} in {path} must start with its figure name")
            numbers[key] = value
        timing += part.get("timing_keys", [])
    return numbers, sorted(timing)


def quoted_numbers(fresh: dict, archive: dict, archived: list[str]) -> dict:
    """``fresh`` without, and ``archive`` with, the prefixes ``F<n>.`` of ``archived``.

    Examples
    --------
    >>> quoted_numbers({"F1.a": 1, "F5.b": 2}, {"F5.c": 3, "F6.d": 4}, ["F5"])
    {'F1.a': 1, 'F5.c': 3}
    """
    prefixes = tuple(f"{fig}." for fig in archived)
    out = {k: v for k, v in fresh.items() if not k.startswith(prefixes)}
    out |= {k: v for k, v in archive.items() if k.startswith(prefixes)} if prefixes else {}
    return dict(sorted(out.items()))


def write_archive(
    built: dict,
    outputs: dict,
    figures: list[str],
    config: dict,
    training_figures: list[str],
    profile: str,
) -> dict:
    """Archive the build of ``figures`` (module docstring); return the manifest written.

    ``built``: paths ``numbers`` (``results/numbers.json``), ``paper`` and ``figures`` (PDFs, in
    the order of ``figures``); ``outputs``: the archive's ``manifest``, ``numbers``, ``config``,
    ``paper`` and ``figures``. ``training_figures``: the chains whose runs come from the shared
    ``training`` section (kept figures need the same one, `same_training`). A build of some
    figures updates the committed archive (`merge`); the paper is copied only when the build
    covers every archived figure, otherwise the committed one stays.
    """
    out = Path(outputs["manifest"]).parent
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
    commit = git("rev-parse", "HEAD").strip()
    old_manifest = committed(Path(outputs["manifest"]))
    old = None
    if old_manifest is not None:
        old_manifest = json.loads(old_manifest)
        old = {
            "numbers": json.loads(committed(Path(outputs["numbers"]))),
            "config": json.loads(committed(Path(outputs["config"]))),
        }
        kept = sorted(set(old_manifest["figures"]) - set(figures))
        refuse = [key for key in ("seed",) if kept and old["config"][key] != config[key]]
        retrained = set(figures) & set(training_figures)
        if kept and retrained and not same_training(old["config"]["training"], config["training"]):
            refuse.append("training")
        if refuse:
            raise SystemExit(
                f"archive: this build's {', '.join(refuse)} differ(s) from the archive's, which "
                f"the kept figures {kept} used; rebuild them too (all figures) or use the "
                "archived values"
            )
    new = {"numbers": json.loads(Path(built["numbers"]).read_text()), "config": config}
    numbers, config = merge(old, new, figures)
    whole = old_manifest is None or set(figures) >= set(old_manifest["figures"])
    copies = list(zip(built["figures"], outputs["figures"], strict=True))
    copies += [(built["paper"], outputs["paper"])] if whole else []
    for src, dst in copies:
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    if not whole:  # Snakemake removed the output before the job: restore the committed paper
        Path(outputs["paper"]).write_bytes(committed(Path(outputs["paper"])))
    Path(outputs["numbers"]).write_text(json.dumps(numbers, indent=1, sort_keys=True) + "\n")
    Path(outputs["config"]).write_text(json.dumps(config, indent=1) + "\n")
    files = [Path(outputs[k]) for k in ("numbers", "config", "paper")]
    files += sorted((out / "figures").glob("*.pdf"))
    commits = {fig: commit for fig in figures}
    if old_manifest is not None:
        before = old_manifest.get("commits", dict.fromkeys(old_manifest["figures"],
                                                           old_manifest["commit"]))  # fmt: skip
        commits = {**{f: before[f] for f in config["figures"] if f not in figures}, **commits}
    paper_commit = commit if whole else old_manifest.get("paper_commit", old_manifest["commit"])
    manifest = {
        "profile": profile,
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
    Path(outputs["manifest"]).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
