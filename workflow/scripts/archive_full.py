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
    copies = [(sm.input.numbers, sm.output.numbers), (sm.input.paper, sm.output.paper)]
    copies += list(zip(sm.input.figures, sm.output.figures, strict=True))
    for src, dst in copies:
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    Path(sm.output.config).write_text(json.dumps(dict(sm.params.config), indent=1) + "\n")
    files = [Path(p) for p in (sm.output.numbers, sm.output.config, sm.output.paper)]
    files += [Path(p) for p in sm.output.figures]
    manifest = {
        "profile": sm.params.profile,
        "figures": list(sm.params.figures),
        "commit": git("rev-parse", "HEAD").strip(),
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
