# Config validation (schema fills defaults, rejects unknown keys/values before any job) and
# small helpers shared by all rule files.
import ast
import copy
import functools
import json
import zlib
from pathlib import Path

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = Path(str(workflow.current_basedir)).parent / "schemas" / "config.schema.yaml"
SCHEMA_DOC = yaml.safe_load(SCHEMA.read_text())  # read once


def _config_errors(cfg):
    """Every schema violation of ``cfg`` as 'config key a.b.c: message' lines."""
    validator = jsonschema.Draft202012Validator(SCHEMA_DOC)
    lines = []
    for err in sorted(validator.iter_errors(cfg), key=lambda e: list(map(str, e.path))):
        where = ".".join(str(p) for p in err.path) or "(top level)"
        lines.append(f"  config key {where}: {err.message}")
    return lines


from figures import FIGURES, figure_stem  # the registry of figures (figures/__init__.py)

config.setdefault("figures", list(FIGURES))
_errors = _config_errors(config) + [
    f"  config key figures: {fig!r} is not a registered figure ({', '.join(FIGURES)}; "
    "figures/__init__.py)"
    for fig in config.get("figures") or []
    if isinstance(fig, str) and fig not in FIGURES
]
if _errors:
    raise WorkflowError(
        "Invalid configuration (see workflow/schemas/config.schema.yaml for every key, its "
        "default and allowed values):\n" + "\n".join(_errors)
    )
validate(config, "../schemas/config.schema.yaml")  # fills the defaults into config

# Every rule's software (snakemake --software-deployment-method conda); path relative to rules/
CONDA_ENV = "../envs/loco.yaml"
STYLE = "figures/style.mplstyle"
FIGURE_IO = "figures/io.py"
SUMMARY_IO = "workflow/scripts/summary_io.py"  # what the summaries write with (an input of theirs)


def all_local_cores():
    """Cores of this run, for a job that must run alone (timing); 1 when none are set."""
    try:
        return max(1, int(workflow.cores))
    except Exception:  # --report / --lint / dry runs without --cores: value is irrelevant
        return 1


PACKAGES = ("sim", "analysis", "figures")  # the project's importable packages
SCRIPTS = Path("workflow/scripts")


def _module_file(dotted):
    """``a/b.py`` or ``a/b/__init__.py`` of a dotted project module (None if neither)."""
    path = Path(*dotted.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


@functools.cache
def _imports(path):
    """Project files that ``path`` imports directly (module level or inside functions),
    with the ``__init__.py`` of every package on the way; workflow scripts' helpers too."""
    tree = ast.parse(Path(path).read_text())
    package = list(Path(path).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            names |= {source} | {f"{source}.{a.name}" for a in node.names}
    files = set()
    for name in names:
        parts = name.split(".")
        if parts[0] in PACKAGES:
            found = (_module_file(".".join(parts[:i])) for i in range(1, len(parts) + 1))
            files |= {str(f) for f in found if f is not None}
        elif Path(path).parent == SCRIPTS and (SCRIPTS / f"{name}.py").exists():
            files.add(str(SCRIPTS / f"{name}.py"))
    return frozenset(files)


def _closure(paths):
    seen, todo = set(), list(paths)
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(_imports(path) - seen)
    return sorted(seen)


def src(*modules):
    """Source files of the dotted ``modules`` and of every project module they import,
    transitively (inputs, so editing any of them reruns the rule).

    A module is ``a/b.py`` or a package ``a/b/`` (then every ``.py`` file in it).
    """
    files = []
    for m in modules:
        path = Path(m.replace(".", "/"))
        files += sorted(str(p) for p in path.rglob("*.py")) if path.is_dir() else [f"{path}.py"]
    return _closure(files)


def script_src(script):
    """A workflow script and the project code it imports, transitively: a rule's code inputs."""
    return _closure([str(SCRIPTS / script)])


def stream(figure, *keys):
    """Entropy for np.random.default_rng: [root seed, figure number, stable hashes of keys]."""
    words = [int(config["seed"]), int(figure.lstrip("F"))]
    return words + [zlib.crc32(str(k).encode()) for k in keys]


def figure_files(fig):
    """The PDF and PNG of figure ``fig`` (e.g. 'F9')."""
    stem = f"results/figures/{fig}_{FIGURES[fig]}"
    return {"pdf": f"{stem}.pdf", "png": f"{stem}.png"}


SETTINGS_PROBLEMS = []  # '  config key ...: problem' lines of the cross-field checks
SETTINGS_CHECKS = []  # functions -> such lines, run after every rule file is read


def settings_problem(found, message):
    """Record the cross-field problem ``message`` ('<config key>: <problem>') if ``found``;
    ``check_settings`` reports every recorded one at once, before any job."""
    if found:
        SETTINGS_PROBLEMS.append(f"  config key {message}")


def check_settings():
    """Raise one WorkflowError listing every recorded problem and every registered check's
    (none: return)."""
    errors = SETTINGS_PROBLEMS + [line for check in SETTINGS_CHECKS for line in check()]
    if errors:
        raise WorkflowError(
            "Invalid configuration (see workflow/schemas/config.schema.yaml and "
            "sim/config.py):\n" + "\n".join(errors)
        )


def keyed_problems(key, runs, check):
    """'config key KEY (where): problem' lines for what ``check(run)`` objects to, per
    ``{where: run config thunk}``; a run that does not build is left to the training check."""
    lines = []
    for where, run in runs.items():
        try:
            found = check(run())
        except ValueError:
            found = []
        lines += [f"  config key {key} ({where}): {problem}" for problem in found]
    return lines


def deep_merge(default, given):
    """``default`` with ``given`` merged in, section by section; a null in ``given`` removes
    the key (the value falls back to sim.config's default)."""
    out = copy.deepcopy(default)
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merged_with_default(section, *keys):
    """``config[section][key]...`` merged into its schema default: JSON-schema defaults apply
    only to absent keys, and a profile should list only what it changes."""
    schema, given = SCHEMA_DOC["properties"][section], config[section]
    for key in keys:
        schema, given = schema["properties"][key], given[key]
    return deep_merge(schema["default"], given)


def enabled(fig):
    return fig in config["figures"]


def final_targets():
    targets = []
    for fig in sorted(config["figures"]):
        targets += list(figure_files(fig).values())
    targets.append("results/numbers.json")
    if config["paper"]["build"]:
        targets.append("results/paper.pdf")
    return targets


# The paper takes figures of an archived full-profile build (config paper.archive) in place of
# this build's unless this build is the full profile itself.
def _archived():
    """{figure: (profile, pdf)} the paper takes from the archive (empty: none)."""
    where = config["paper"]["archive"]
    if not where or config["paper"]["profile"] == "full":
        return {}
    manifest = Path(where) / "manifest.json"
    if not manifest.exists():
        return {}
    info = json.loads(manifest.read_text())
    return {
        fig: (info["profile"], archive_pdf(fig))
        for fig in info["figures"]
        if fig in config["figures"]
    }


def archive_pdf(fig):
    """Where the archive (config paper.archive) keeps figure ``fig``'s PDF."""
    return f"{config['paper']['archive']}/figures/{Path(figure_files(fig)['pdf']).name}"


ARCHIVED = _archived()


def paper_figure(fig):
    """The PDF of figure ``fig`` the paper includes (archived or built now)."""
    return ARCHIVED[fig][1] if fig in ARCHIVED else figure_files(fig)["pdf"]
