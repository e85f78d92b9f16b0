"""The port of the authors' projector against the authors' own outputs, step by step.

Fixtures (tests/data/golden, README there): one layer's inputs X_t and raw gradients G_t over
T training steps, and the projected gradients the authors' code (zgmaguoqing/LOCO @ c2b2c56,
run unchanged in float64) returned. Every hyperparameter is read from the file. Tolerance: the
fixture README's, atol 1e-6 on |PG| <= 3.3 (a correct float64 port lands near 1e-8; each porting
mistake it lists moves PG by >= 0.7).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.rules.loco import with_bias
from sim.rules.reference_port import AuthorsProjector

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
FIXTURES = sorted(GOLDEN.glob("authors_loco_*.npz"))


def port_for(fixture) -> AuthorsProjector:
    n_pcas, n_kmeans = int(fixture["n_pcas"]), int(fixture["n_kmeans"])
    return AuthorsProjector(
        k=n_pcas + n_kmeans - 1,
        n_clusters=n_kmeans,
        buffer=int(fixture["n_data"]),
        threshold=float(fixture["threshold"]),
    )


def test_both_golden_fixtures_are_present():
    assert [p.name for p in FIXTURES] == ["authors_loco_iid.npz", "authors_loco_sorted.npz"]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_port_reproduces_the_authors_projected_gradients_at_every_step(path):
    fixture = np.load(path)
    port = port_for(fixture)
    worst = 0.0
    for t in range(int(fixture["T"])):
        P = port(with_bias(fixture["X"][t]))
        projected = P @ fixture["G"][t]  # the fixtures' (d+1) x n_out layout
        np.testing.assert_allclose(projected, fixture["PG"][t], rtol=0, atol=1e-6, err_msg=f"t={t}")
        worst = max(worst, float(np.abs(projected - fixture["PG"][t]).max()))
    assert worst < 1e-6


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_port_protects_nothing_before_n_kmeans_directions_and_nine_centres_after(path):
    fixture = np.load(path)
    port = port_for(fixture)
    for t in range(int(fixture["T"])):
        X = with_bias(fixture["X"][t])
        protected = port.protected(X.mean(axis=0))
        assert protected.shape[1] == int(fixture["n_protected"][t]), t
        port.projector(X, protected=protected)  # the rest of the step, state unchanged


def test_port_defaults_are_the_authors_values():
    port = AuthorsProjector()
    assert (port.k, port.n_clusters, port.buffer, port.threshold) == (109, 10, 1000, 0.1)
