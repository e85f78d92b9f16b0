"""The archived full-profile build (paper/full/) against the current schema and paper.

The archive is what readers see without rerunning: its files must match its manifest, its
config must still be valid under the current schema (a renamed or removed key fails here), and
its numbers must define every macro the paper quotes for the figures it provides.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from figures import archive, claims, tex

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE = ROOT / "paper/full"
VERDICTS = (
    "confirmed",
    "qualified",
    "theory only",
    "not reproduced",
    "not judged",
    "not tested at an adequate budget",
)


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = ARCHIVE / "manifest.json"
    assert path.exists(), "paper/full/manifest.json is missing: run the full profile's archive rule"
    return json.loads(path.read_text())


def test_archived_files_match_the_manifest(manifest):
    assert manifest["profile"] == "full"
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["commit"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((ARCHIVE / name).read_bytes()).hexdigest() == digest, name
    pdfs = {p.name for p in (ARCHIVE / "figures").glob("*.pdf")}
    assert {f"{fig}_" in " ".join(pdfs) for fig in manifest["figures"]} == {True}


def test_archived_config_is_valid_under_the_current_schema(manifest):
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    config = json.loads((ARCHIVE / "config.json").read_text())
    errors = [
        f"{'.'.join(map(str, e.path))}: {e.message}"
        for e in jsonschema.Draft202012Validator(schema).iter_errors(config)
    ]
    assert not errors, errors
    assert config["paper"]["profile"] == "full"
    assert set(config["figures"]) == set(manifest["figures"])


def test_archived_numbers_define_every_macro_the_paper_quotes(manifest):
    numbers = json.loads((ARCHIVE / "numbers.json").read_text())
    defined = {tex.macro_name(k) for k in numbers}
    words = "|".join(tex.figure_word(fig) for fig in manifest["figures"])
    used = set()
    for section in (ROOT / "paper/sections").glob("*.tex"):
        used |= set(re.findall(rf"\\((?:{words})[A-Z][A-Za-z]*)", section.read_text()))
    assert used, "the paper quotes no archived number?"
    assert not used - defined, sorted(used - defined)


def test_claims_table_from_the_archive_has_a_verdict_for_every_claim(manifest):
    """Every claim whose figures the archive holds gets a verdict; the others stay open."""
    numbers = json.loads((ARCHIVE / "numbers.json").read_text())
    table = claims.claims_table(numbers, manifest["figures"])
    rows = [r for r in table.splitlines() if r.endswith("\\\\") and not r.startswith("claim")]
    assert len(rows) == len(claims.CLAIMS)
    for row, (needs, *_) in zip(rows, claims.CLAIMS, strict=True):
        verdict = row.rsplit("&", 1)[1].strip()
        held = set(needs) <= set(manifest["figures"])
        assert verdict.startswith(VERDICTS) if held else verdict.startswith("open"), row


def test_paper_takes_archived_figures_and_numbers_and_says_so():
    merged = archive.quoted_numbers({"F1.a": 1, "F5.b": 2}, {"F5.c": 3, "F6.d": 4}, ["F5"])
    assert merged == {"F1.a": 1, "F5.c": 3}
    text = tex.figure_switches(
        ["F1", "F5"],
        {"F1": "lowrank", "F5": "depth"},
        "quick",
        {"F5": ["full", "paper/full/x.pdf"]},
    )
    assert "\\newcommand{\\ProfileFFive}{full}" in text
    assert "\\newcommand{\\FigFileFFive}{../paper/full/x.pdf}" in text
    assert "\\newcommand{\\ProfileFOne}{quick}" in text and "\\FOneQuicktrue" in text
    assert "\\FFiveQuicktrue" not in text


def test_claims_need_their_figures():
    table = claims.claims_table({}, [])
    assert table.count("open") == len(claims.CLAIMS)


def test_an_archive_update_replaces_its_figures_and_keeps_the_others():
    old = {
        "numbers": {"F1.a": 1, "F5.b": 2, "F5.c": 3},
        "config": {"figures": ["F1", "F5"], "F1": {"x": 1}, "F5": {"y": 1}, "seed": 0},
    }
    new = {
        "numbers": {"F5.b": 20, "F10.d": 4},
        "config": {"figures": ["F5", "F10"], "F1": {"x": 9}, "F5": {"y": 2}, "F10": {}, "seed": 0},
    }
    numbers, config = archive.merge(old, new, ["F5", "F10"])
    assert numbers == {"F1.a": 1, "F10.d": 4, "F5.b": 20}  # F5.c was not rebuilt: gone
    assert config["figures"] == ["F1", "F5", "F10"]
    assert config["F1"] == {"x": 1} and config["F5"] == {"y": 2}
    assert config["F10"] == {} and config["seed"] == 0
    assert archive.merge(None, new, ["F5", "F10"]) == (new["numbers"], new["config"])


def test_every_archived_figure_names_the_commit_that_built_it(manifest):
    commits = manifest.get("commits", dict.fromkeys(manifest["figures"], manifest["commit"]))
    assert sorted(commits) == sorted(manifest["figures"])
    assert all(re.fullmatch(r"[0-9a-f]{40}", c) for c in commits.values())


def test_learning_rate_verdict_comes_from_the_sgd_sweeps_when_present():
    """Row 3: the archive's Adam numbers plus SGD brackets; LOCO's edge above NP's at both
    depths is "confirmed", at one "qualified"; the predicted ratio's agreement is stated."""
    numbers = json.loads((ARCHIVE / "numbers.json").read_text())
    numbers = {k: v for k, v in numbers.items() if not k.startswith("F6.sgd.")}
    sgd = {}
    for depth, (lo, hi, agrees) in {3: (3.0, 30.0, True), 10: (1.0, 10.0, False)}.items():
        key = f"loco_np.L{depth}"
        sgd |= {
            f"F6.sgd.edge_ratio_measured_lo.{key}": lo,
            f"F6.sgd.edge_ratio_measured_hi.{key}": hi,
            f"F6.sgd.edge_ratio_predicted.{key}": 20.0,
            f"F6.sgd.edge_ratio_predicted_se.{key}": 1.0,
            f"F6.sgd.edge_ratio_agrees.{key}": agrees,
            f"F6.sgd.descent_ratio.{key}": 0.2,
            f"F6.sgd.curvature_ratio.{key}": 0.01,
        }
    row = claims._f3_f6
    evidence, verdict = row(numbers | sgd)
    assert verdict.startswith("confirmed: higher SGD learning rate, ratio not as predicted")
    sgd |= {f"F6.sgd.step_root_ratio.loco_np.L{d}": 5.0 for d in (3, 10)}
    verdict = row(numbers | sgd)[1]
    assert "as the step root predicts, not the quadratic edge at every depth" in verdict
    assert "10 layers: measured in [1, 10]" in evidence
    sgd["F6.sgd.edge_ratio_measured_lo.loco_np.L10"] = 0.5
    assert row(numbers | sgd)[1].startswith("qualified: higher SGD rate at some depths only")
    adam_only = {k: v for k, v in numbers.items() if not k.startswith("F6.sgd.")}
    assert not row(adam_only)[1].startswith("confirmed: higher SGD")  # Adam only: as before


def test_depth_verdict_comes_from_the_budget_curves_beyond_ten_layers():
    """Row 4: with F11 at 16 layers LOCO above the threshold is "confirmed" (mode, budget and
    the comparison with NP stated) even where F5's cluster ablation says the protection never
    acted; a rising curve below it is "not tested at an adequate budget"; without F11 beyond
    10 layers the F5 verdict keeps the gate."""
    numbers = json.loads((ARCHIVE / "numbers.json").read_text())
    numbers = {k: v for k, v in numbers.items() if not k.startswith("F11.")}
    numbers |= {"F5.ablation.test_acc.full": 0.5, "F5.ablation.test_acc.no_clusters": 0.5}
    row = dict((c, f) for _, f, c in claims.CLAIMS)["$>10$-layer SNNs trained with local updates"]
    assert row(numbers)[1].startswith("not judged")
    f11 = {f"F11.{k}.{r}.L{d}": v for r in ("np", "loco") for d in (3, 16)
           for k, v in (("plateau", False), ("updates_max", 30960), ("slope", 0.05))}  # fmt: skip
    f11 |= {"F11.test_acc.loco.L3": 0.82, "F11.test_acc.np.L3": 0.80,
            "F11.test_acc.loco.L16": 0.745, "F11.test_acc.np.L16": 0.633}  # fmt: skip
    evidence, verdict = row(numbers | f11)
    assert verdict == "confirmed at 16 layers (rate mode) after 30{,}960 updates, ahead of NP"
    assert "16 layers: best local rule LOCO 0.745, best perturbation rule LOCO 0.745" in evidence
    assert "still rising: LOCO, NP" in evidence
    f11["F11.slope.np.L16"] = -0.05
    assert "still rising: LOCO, falling: NP" in row(numbers | f11)[0]
    f11["F11.lr_at_grid_edge.np.L16"] = True
    assert "chosen rate at the grid's edge: NP at 16 layers" in row(numbers | f11)[0]
    f11["F11.test_acc_ci95.loco.L16"] = f11["F11.test_acc_ci95.np.L16"] = 0.1
    assert row(numbers | f11)[1].endswith("not ahead of NP")
    f11["F11.test_acc.loco.L16"] = 0.15
    assert row(numbers | f11)[1].startswith("not tested at an adequate budget: LOCO still rising")


def test_speed_evidence_comes_from_the_budget_curves_when_present():
    numbers = json.loads((ARCHIVE / "numbers.json").read_text())
    numbers = {k: v for k, v in numbers.items() if not k.startswith("F11.")}
    assert "budget curves" not in claims._f3_f6(numbers)[0]
    f11 = {"F11.target.L10": 0.8, "F11.updates_to_target.loco.L10": 3000,
           "F11.updates_to_target.np.L10": None}  # fmt: skip
    evidence = claims._f3_f6(numbers | f11)[0]
    assert (
        "budget curves (Adam, Sec.~\\ref{sec:f11}): 10 layers LOCO 3{,}000, NP not reached"
        in evidence
    )


def test_variance_verdict_says_when_the_projected_estimate_aligns_less_with_the_gradient():
    """Row 2: the second-moment ratio sets the verdict; a lower mean cosine of LOCO's estimate
    with the true gradient than NP's (at the deepest measured depth) is added to it."""
    numbers = {"F2.max_abs_z": 2.0, "F5.layers.max_abs_z": 1.5,
               "F2.proj_variance_ratio_rank_k": 0.45, "F5.layers.variance_ratio.L2": 0.9,
               "F5.layers.variance_ratio.L16": 0.1}  # fmt: skip
    assert claims._f2_f5(numbers)[1] == "confirmed"
    aligned = {"F5.layers.mean_cos.loco.L16": 0.004, "F5.layers.mean_cos.np.L16": 0.06}
    evidence, verdict = claims._f2_f5(numbers | aligned)
    assert "16-layer network's layers $\\times$0.1" in evidence
    assert "LOCO 0.004, NP 0.06" in evidence
    assert verdict == (
        "confirmed; the projected estimate is further from the true gradient than NP's"
    )
    aligned["F5.layers.mean_cos.loco.L16"] = 0.07
    assert claims._f2_f5(numbers | aligned)[1] == "confirmed"
    numbers["F5.layers.max_abs_z"] = 6.0
    assert claims._f2_f5(numbers | aligned)[1] == "not reproduced: theory fails"
