"""Moments of the NP estimator measured against the exact theory (T1, T2, T4): F2's panels.

Each panel takes its settings, a generator, the number of samples and of SE batches:

* ``dimension``: ``G = (g.xi + q) xi x^T / sigma^2`` for N perturbed units; linearised (q = 0)
  and exact-MSE (q = |xi|^2/2) estimators; second moment, variance and cosine with ``g x^T``.
* ``depth``: L layers of N units perturbed with one shared dL; ``E|G_1|^2`` against T2.
* ``projection``: input-side projector onto the top-r principal directions of a low-rank-plus-
  noise input covariance; variance of ``G P`` against T4 and the cosine of ``E[G P]`` with the
  unprojected gradient ``g x^T``.

Theory values come from `analysis.theory`; Monte-Carlo moments and SEs from
`analysis.estimators.mc_moments` over samples of `analysis.estimators.np_sampler`. ``g`` and
``x`` have unit norm, so normalised moments are the raw ones.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .estimators import mc_moments, np_sampler, z_score
from .theory import depth_second_moments, lowrank_plus_noise_cov, np_moments

__all__ = ["PANELS", "depth_panel", "dimension_panel", "expected_abs_cosine", "projection_panel"]


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def expected_abs_cosine(n: int) -> float:
    """E|cos(xi, g)| for isotropic xi in R^n: Gamma(n/2) / (sqrt(pi) Gamma((n+1)/2))."""
    return float(np.exp(gammaln(n / 2) - gammaln((n + 1) / 2)) / np.sqrt(np.pi))


def safe_z(measured: float, se: float, predicted: float) -> float:
    """z-score; a zero SE (a deterministic quantity, e.g. |cos| for N = 1) needs equality."""
    if se == 0:
        return 0.0 if abs(measured - predicted) <= 1e-12 * max(1.0, abs(predicted)) else np.inf
    return z_score(measured, se, predicted)


def record(mc, theory: dict, keys=("second_moment", "variance")) -> dict:
    out = {}
    for key in keys:
        se = getattr(mc, f"{key}_se")
        out[key] = {
            "mc": getattr(mc, key),
            "se": se,
            "theory": float(theory[key]),
            "z": safe_z(getattr(mc, key), se, float(theory[key])),
        }
    return out


def dimension_panel(cfg: dict, rng: np.random.Generator, samples: int, batches: int) -> dict:
    d, sigma = cfg["d"], cfg["sigma"]
    x = unit(rng.standard_normal(d))
    rows = []
    for n in cfg["N"]:
        g = unit(rng.standard_normal(n))
        ref = np.outer(g, x)
        for quadratic in (False, True):
            sampler = np_sampler(g, x, sigma, quadratic=quadratic)
            mc = mc_moments(sampler, samples, rng=rng, reference=ref, n_batches=batches)
            th = np_moments(g, x, sigma, quadratic=quadratic)
            row = {"N": n, "quadratic": quadratic, **record(mc, th)}
            row["cosine"] = {"mc": mc.cosine, "se": mc.cosine_se}
            if not quadratic:
                row["cosine"]["theory"] = expected_abs_cosine(n)
                row["cosine"]["z"] = safe_z(mc.cosine, mc.cosine_se, expected_abs_cosine(n))
            rows.append(row)
    return {"d": d, "sigma": sigma, "rows": rows}


def depth_panel(cfg: dict, rng: np.random.Generator, samples: int, batches: int) -> dict:
    n, d, sigma = cfg["units"], cfg["d"], 1.0
    rows = []
    for layers in cfg["layers"]:
        gs = [unit(rng.standard_normal(n)) for _ in range(layers)]
        xs = [unit(rng.standard_normal(d)) for _ in range(layers)]
        g_all = np.concatenate(gs)
        # one shared dL for all layers (linearised): layer 1's estimate
        sampler = np_sampler(g_all, xs[0], sigma, units=n)
        mc = mc_moments(
            sampler, samples, rng=rng, reference=np.outer(gs[0], xs[0]), n_batches=batches
        )
        theory = {"second_moment": depth_second_moments(gs, xs)[0]}
        row = {"layers": layers, **record(mc, theory, keys=("second_moment",))}
        row["cosine"] = {"mc": mc.cosine, "se": mc.cosine_se}
        rows.append(row)
    return {"units": n, "d": d, "rows": rows}


def projection_panel(cfg: dict, rng: np.random.Generator, samples: int, batches: int) -> dict:
    n, d, k, eps, sigma = cfg["N"], cfg["d"], cfg["k"], cfg["eps"], 1.0
    C, _ = lowrank_plus_noise_cov(d, k, eps, rng)
    evals, evecs = np.linalg.eigh(C)
    order = np.argsort(evals)[::-1]
    evecs = evecs[:, order]
    x = unit(np.linalg.cholesky(C) @ rng.standard_normal(d))
    g = unit(rng.standard_normal(n))
    ref = np.outer(g, x)
    rows = []
    for r_ in cfg["ranks"]:
        P = evecs[:, :r_] @ evecs[:, :r_].T
        mc = mc_moments(
            np_sampler(g, P @ x, sigma), samples, rng=rng, reference=ref, n_batches=batches
        )
        th = np_moments(g, x, sigma, proj=P)
        row = {"rank": r_, **record(mc, th, keys=("variance",)), "px2": float(x @ P @ x)}
        mean_cos = float(np.sum(th["mean"] * ref) / np.linalg.norm(th["mean"]))
        row["mean_cosine"] = {
            "mc": mc.mean_cosine,
            "se": mc.mean_cosine_se,
            "theory": mean_cos,
            "z": safe_z(mc.mean_cosine, mc.mean_cosine_se, mean_cos),
        }
        rows.append(row)
    return {"N": n, "d": d, "k": k, "eps": eps, "rows": rows}


PANELS = {"dimension": dimension_panel, "depth": depth_panel, "projection": projection_panel}
