"""One registry of random streams: every purpose its own id, and all simulator draws use it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.streams import STREAMS, stream

ROOT = Path(__file__).resolve().parents[2]


def test_no_two_purposes_share_a_stream_id():
    assert len(set(STREAMS.values())) == len(STREAMS)


def test_unknown_purpose_is_refused_naming_the_registry():
    with pytest.raises(ValueError, match="unknown random stream 'bogus'"):
        stream(0, "bogus")


def test_streams_of_different_purposes_or_keys_differ():
    draws = {(p, k): stream(7, p, k).random() for p in STREAMS for k in (0, 1)}
    assert len(set(draws.values())) == len(draws)


def test_package_code_draws_only_from_the_registry():
    """Outside sim/streams.py no package code seeds a generator itself (doctests may)."""
    offenders = []
    for package in ("sim", "analysis"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "streams.py":
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("#")[0].strip()
                if code.startswith((">>>", "...")) or "``" in code:
                    continue
                if re.search(r"default_rng\(\s*\[", code):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, offenders


def test_training_uses_distinct_streams_for_weights_data_and_batch_order():
    from sim.config import resolve
    from sim.train import build_network

    cfg = resolve({"seed": 4, "network": {"depth": 1}})
    w = build_network(cfg, 3, 2).weights[0]
    expected = stream(4, "weight_init").uniform(-1.0, 1.0, (2, 4)) * (2.449 / 3**0.5)
    assert (w == expected).all()
