"""F3 simulation: online linear teacher-student learning, vectorised over replicates.

Only the error ``E = W - W*`` matters. Each step draws ``x ~ N(0, C)``; with the output error
``e = E x`` and the per-sample loss ``|e|^2 / 2``:

* gd: ``G = e x^T``;
* np: ``xi ~ N(0, sigma^2 I_N)``, ``dL = e.xi + |xi|^2/2``, ``G = dL / sigma^2 xi x^T``
  (``sigma = 0``: the linearised limit ``G = (e.z) z x^T``, ``z ~ N(0, I)``);
* wp: ``Psi ~ N(0, sigma^2)`` (N x d), ``dL = e.(Psi x) + |Psi x|^2/2``, ``G = dL / sigma^2 Psi``;

then ``E <- E - eta G Q`` (``Q = P`` for np_loco, identity otherwise). The recorded loss is the
expected loss given the weights, ``tr(E C E^T) / 2``. A replicate whose loss exceeds 1e8 times
its initial value is frozen and counted as diverged (inf afterwards).
"""

import json
import sys
from pathlib import Path

import numpy as np

RULE = {"gd": "gd", "np": "np", "wp": "wp", "np_loco": "np"}


def simulate(rule, C, Q, E0, eta, steps, sigma, replicates, rng):
    """Loss of every replicate at steps 0..steps, shape (replicates, steps + 1)."""
    n, d = E0.shape
    w, V = np.linalg.eigh(C)
    root = V * np.sqrt(np.clip(w, 0, None))  # x = root @ z has covariance C
    E = np.broadcast_to(E0, (replicates, n, d)).copy()
    loss = np.full((replicates, steps + 1), np.inf)
    alive = np.ones(replicates, dtype=bool)

    def expected_loss(E):  # tr(E C E^T) / 2 = |E root|^2 / 2
        return 0.5 * np.sum((E.reshape(-1, d) @ root) ** 2, axis=1).reshape(-1, n).sum(axis=1)

    with np.errstate(over="ignore", invalid="ignore"):
        loss0 = expected_loss(E)
        for t in range(steps + 1):
            cur = expected_loss(E)
            alive &= np.isfinite(cur) & (cur <= 1e8 * loss0)
            loss[alive, t] = cur[alive]
            if t == steps or not alive.any():
                break
            x = rng.standard_normal((replicates, d)) @ root.T
            e = np.einsum("rnd,rd->rn", E, x)
            xq = x if Q is None else x @ Q  # G Q = (...) (Q x)^T for gd and np
            if rule == "gd":
                G = e[:, :, None] * xq[:, None, :]
            elif rule == "np":
                z = rng.standard_normal((replicates, n))
                if sigma == 0:
                    coef = np.sum(e * z, axis=1)
                else:
                    coef = sigma * np.sum(e * z, axis=1) + 0.5 * sigma**2 * np.sum(z**2, axis=1)
                    coef /= sigma
                G = coef[:, None, None] * z[:, :, None] * xq[:, None, :]
            else:  # wp
                psi = rng.standard_normal((replicates, n, d))
                px = np.einsum("rnd,rd->rn", psi, x)
                if sigma == 0:
                    coef = np.sum(e * px, axis=1)
                else:
                    coef = sigma * np.sum(e * px, axis=1) + 0.5 * sigma**2 * np.sum(px**2, axis=1)
                    coef /= sigma
                G = coef[:, None, None] * psi
                if Q is not None:
                    G = (G.reshape(-1, d) @ Q).reshape(G.shape)
            E -= np.where(alive, eta, 0.0)[:, None, None] * G
    return loss


def main(sm) -> None:
    cfg, variant = sm.params.cfg, sm.wildcards.variant
    with open(sm.log[0], "w") as log:
        sys.stdout = sys.stderr = log
        theory = np.load(sm.input.theory)
        rates = json.loads(Path(sm.input.rates).read_text())[variant]
        ratio = float(sm.wildcards.ratio) if "ratio" in sm.wildcards.keys() else None
        eta = rates["eta_opt"] if ratio is None else ratio * rates["eta_max"]
        Q = theory["P"] if variant == "np_loco" else None
        rng = np.random.default_rng(sm.params.entropy)
        loss = simulate(
            RULE[variant], theory["C"], Q, theory["E0"], eta, cfg["steps"], cfg["sigma"],
            cfg["replicates"], rng,
        )  # fmt: skip
        diverged = ~np.isfinite(loss[:, -1])
        finite = loss[~diverged]
        print(f"{variant} eta={eta:.6g}: diverged {diverged.sum()}/{loss.shape[0]}")
        np.savez_compressed(
            sm.output[0], eta=eta, ratio=np.nan if ratio is None else ratio,
            mean=finite.mean(axis=0) if finite.size else np.full(loss.shape[1], np.inf),
            se=finite.std(axis=0, ddof=1) / np.sqrt(max(len(finite), 1)) if len(finite) > 1
            else np.full(loss.shape[1], np.nan),
            median=np.median(loss, axis=0), diverged=diverged.mean(), replicates=loss.shape[0],
        )  # fmt: skip


if __name__ == "__main__" and "snakemake" in globals():
    main(globals()["snakemake"])  # injected by Snakemake's `script:` directive
