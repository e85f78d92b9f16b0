"""Monte-Carlo moments of gradient estimators, with standard errors (T1, T4).

:func:`mc_moments` estimates, from samples ``G_i`` of any estimator (arrays of any shape,
flattened), the mean ``E[G]``, the second moment ``E|G|^2``, the variance ``E|G - EG|^2``, and,
given a reference ``r`` (e.g. the true gradient), the expected per-sample cosine
``E[cos(G, r)]`` and the cosine of the mean ``cos(E[G], r)``, each with a standard error.

Standard errors: the samples are cut into ``K`` consecutive batches (``n_batches``); every
quantity is a smooth function of sample means, and its SE is the standard deviation of its
per-batch *influence values* divided by ``sqrt(K)`` (batch means + delta method):

* mean, second moment, per-sample cosine: the batch means themselves;
* variance ``v = s - |mu|^2``: influence ``s_b - 2 mu . mu_b`` (``s_b``, ``mu_b`` batch means);
* cosine of the mean ``f(mu) = mu.r / (|mu||r|)``: influence ``grad f . mu_b``.

With ``n_batches=None`` each sample is its own batch (classical iid SE); a finite ``K`` also
covers correlated samples (e.g. successive steps of one run), provided batches are longer than
the correlation time. Use float64 samples: NP estimators are differences of losses.

:func:`z_score` turns a measurement, its SE and a prediction into ``(measured - predicted) / se``;
tests accept ``|z| <= 4..5``. :func:`ratio_with_se` gives the delta-method SE of a ratio of two
independent estimates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MonteCarloMoments", "mc_moments", "np_sampler", "ratio_with_se", "z_score"]

Sampler = Callable[[np.random.Generator, int], ArrayLike]


@dataclass(frozen=True)
class MonteCarloMoments:
    """Moments of an estimator with standard errors (see :func:`mc_moments`).

    Attributes
    ----------
    n : int
        Number of samples.
    n_batches : int
        Number of batches used for the standard errors.
    mean, mean_se : ndarray
        ``E[G]`` per component (original sample shape) and its SE.
    second_moment, second_moment_se : float
        ``E|G|^2`` (squared Frobenius / Euclidean norm).
    variance, variance_se : float
        ``E|G - E G|^2`` (unbiased: scaled by ``n / (n - 1)``).
    cosine, cosine_se : float or None
        ``E[cos(G, r)]`` per sample (0 for samples with ``G = 0``); None without reference.
    mean_cosine, mean_cosine_se : float or None
        ``cos(E[G], r)``; None without reference.
    """

    n: int
    n_batches: int
    mean: NDArray[np.float64]
    mean_se: NDArray[np.float64]
    second_moment: float
    second_moment_se: float
    variance: float
    variance_se: float
    cosine: float | None = None
    cosine_se: float | None = None
    mean_cosine: float | None = None
    mean_cosine_se: float | None = None


def _batch_sizes(n: int, k: int) -> list[int]:
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


def _se_from_batches(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """SE of a weighted mean of batch values (weights = batch sizes / n)."""
    k = values.shape[0]
    centre = np.sum(weights * values)
    # Equal-size batches: std(values, ddof=1) / sqrt(k); unequal sizes differ by <= 1 sample,
    # so the weighted version is the same to O(1/batch size).
    var = np.sum(weights * (values - centre) ** 2) * k / (k - 1)
    return float(np.sqrt(var / k))


def mc_moments(
    source: Sampler | ArrayLike,
    n: int | None = None,
    *,
    rng: np.random.Generator | None = None,
    reference: ArrayLike | None = None,
    n_batches: int | None = 32,
) -> MonteCarloMoments:
    """Monte-Carlo moments of an estimator with standard errors.

    Parameters
    ----------
    source : callable or array_like
        Either samples, shape ``(n, ...)`` (axis 0 indexes samples), or a callable
        ``source(rng, m) -> array (m, ...)`` drawing ``m`` fresh samples. The callable is called
        once per batch, so memory stays at one batch.
    n : int, optional
        Number of samples to draw; required with a callable, must be omitted with an array.
    rng : numpy.random.Generator, optional
        Required with a callable.
    reference : array_like, optional
        Reference vector/matrix ``r`` of the sample shape (e.g. the true gradient); enables
        the cosine outputs.
    n_batches : int or None, default 32
        Number of consecutive batches for the standard errors (``>= 2``; at most ``n`` are
        used); None = one sample per batch (iid samples only).

    Returns
    -------
    MonteCarloMoments

    Examples
    --------
    Node-perturbation estimator ``G = (g.xi) xi`` (``x = 1``) with ``xi ~ N(0, I_N)``:
    ``E[G] = g``, ``E|G|^2 = (N+2)|g|^2``, ``E|G-g|^2 = (N+1)|g|^2`` (T1).

    >>> g = np.array([1.0, 0.0, 0.0, 0.0])
    >>> def np_samples(rng, m):
    ...     xi = rng.standard_normal((m, g.size))
    ...     return (xi @ g)[:, None] * xi
    >>> res = mc_moments(np_samples, 200_000, rng=np.random.default_rng([1, 2]), reference=g)
    >>> abs(z_score(res.second_moment, res.second_moment_se, 6.0)) < 5
    True
    >>> abs(z_score(res.variance, res.variance_se, 5.0)) < 5
    True
    """
    ref = None
    if reference is not None:
        ref = np.asarray(reference, dtype=np.float64).ravel()
        if not np.all(np.isfinite(ref)) or not np.any(ref != 0):
            raise ValueError("reference must be finite and not all zero")

    if callable(source):
        if n is None or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2 with a callable source, got {n!r}")
        if rng is None:
            raise ValueError("rng must be given with a callable source")
        n_total = int(n)
        data = None
    else:
        if n is not None:
            raise ValueError("n must be omitted when source is an array of samples")
        data = np.asarray(source, dtype=np.float64)
        if data.ndim < 1 or data.shape[0] < 2:
            raise ValueError(f"source must hold at least 2 samples along axis 0, got {data.shape}")
        if not np.all(np.isfinite(data)):
            raise ValueError("source samples must be finite")
        n_total = data.shape[0]

    if n_batches is None:
        k = n_total
    elif isinstance(n_batches, (int, np.integer)) and n_batches >= 2:
        k = min(int(n_batches), n_total)
    else:
        raise ValueError(f"n_batches must be an integer >= 2 or None, got {n_batches!r}")
    sizes = _batch_sizes(n_total, int(k))

    sample_shape: tuple[int, ...] | None = None
    mu_b: list[NDArray[np.float64]] = []
    s_b: list[float] = []
    c_b: list[float] = []
    start = 0
    for m in sizes:
        if data is None:
            batch = np.asarray(source(rng, m), dtype=np.float64)  # type: ignore[operator]
            if batch.ndim < 1 or batch.shape[0] != m:
                raise ValueError(
                    f"source(rng, {m}) must return an array with {m} rows, got {batch.shape}"
                )
            if not np.all(np.isfinite(batch)):
                raise ValueError("source returned non-finite samples")
        else:
            batch = data[start : start + m]
        start += m
        if sample_shape is None:
            sample_shape = batch.shape[1:]
        elif batch.shape[1:] != sample_shape:
            raise ValueError(
                f"source sample shape changed from {sample_shape} to {batch.shape[1:]}"
            )
        flat = batch.reshape(m, -1)
        if ref is not None and flat.shape[1] != ref.size:
            raise ValueError(f"reference must have {flat.shape[1]} elements, got {ref.size}")
        sq = np.sum(flat**2, axis=1)
        mu_b.append(flat.mean(axis=0))
        s_b.append(float(sq.mean()))
        if ref is not None:
            norms = np.sqrt(sq)
            dots = flat @ ref
            cos = np.divide(dots, norms * np.linalg.norm(ref), out=np.zeros(m), where=norms > 0)
            c_b.append(float(cos.mean()))

    assert sample_shape is not None
    w = np.asarray(sizes, dtype=np.float64) / n_total
    mus = np.stack(mu_b)
    ss = np.asarray(s_b)
    mu = w @ mus
    s = float(w @ ss)
    mean_se = np.sqrt(np.sum(w[:, None] * (mus - mu) ** 2, axis=0) * k / (k - 1) / k)

    var = (s - float(mu @ mu)) * n_total / (n_total - 1)
    infl_var = ss - 2.0 * (mus @ mu)

    out = {
        "n": n_total,
        "n_batches": int(k),
        "mean": mu.reshape(sample_shape),
        "mean_se": mean_se.reshape(sample_shape),
        "second_moment": s,
        "second_moment_se": _se_from_batches(ss, w),
        "variance": var,
        "variance_se": _se_from_batches(infl_var, w),
    }
    if ref is not None:
        cb = np.asarray(c_b)
        out["cosine"] = float(w @ cb)
        out["cosine_se"] = _se_from_batches(cb, w)
        r_hat = ref / np.linalg.norm(ref)
        norm_mu = float(np.linalg.norm(mu))
        if norm_mu > 0:
            proj = float(mu @ r_hat)
            out["mean_cosine"] = proj / norm_mu
            grad = r_hat / norm_mu - proj * mu / norm_mu**3
            out["mean_cosine_se"] = _se_from_batches(mus @ grad, w)
        else:
            out["mean_cosine"] = float("nan")
            out["mean_cosine_se"] = float("nan")
    return MonteCarloMoments(**out)


def np_sampler(
    g: NDArray[np.float64],
    x: NDArray[np.float64],
    sigma: float,
    *,
    quadratic: bool = False,
    units: int | None = None,
) -> Sampler:
    """Sampler of the node-perturbation estimate for `mc_moments`.

    With per-unit gradient ``g`` (all perturbed units) and layer input ``x``, each sample draws
    ``xi ~ N(0, sigma^2 I)`` over all units and returns ``(g.xi + q) / sigma^2 xi_1 x^T``, where
    ``xi_1`` are the first ``units`` entries (default all: one layer; fewer: the first layer of
    a network whose units share one loss difference, T2) and ``q = |xi|^2 / 2`` for the exact
    quadratic loss (``quadratic``), 0 for the linearised estimator. An input-side projector
    ``P`` is applied by passing ``P x`` (T4).

    Examples
    --------
    >>> s = np_sampler(np.array([1.0, 0.0]), np.array([2.0]), 0.1)
    >>> s(np.random.default_rng(0), 3).shape
    (3, 2, 1)
    """
    n = g.size if units is None else units

    def sampler(rng: np.random.Generator, m: int) -> NDArray[np.float64]:
        xi = sigma * rng.standard_normal((m, g.size))
        coef = xi @ g + (0.5 * np.sum(xi**2, axis=1) if quadratic else 0.0)
        return (coef / sigma**2)[:, None, None] * xi[:, :n, None] * x[None, None, :]

    return sampler


def z_score(
    measured: ArrayLike, se: ArrayLike, predicted: ArrayLike
) -> float | NDArray[np.float64]:
    """Standardised deviation ``(measured - predicted) / se``.

    Parameters
    ----------
    measured, se, predicted : array_like
        Broadcastable; ``se`` must be positive and finite.

    Returns
    -------
    float or ndarray
        A float for scalar inputs.

    Examples
    --------
    >>> round(z_score(10.3, 0.1, 10.0), 9)
    3.0
    >>> z_score([1.0, 2.0], [0.5, 0.5], 1.5)
    array([-1.,  1.])
    """
    m = np.asarray(measured, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"se must be positive and finite, got {se!r}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"measured must be finite, got {measured!r}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"predicted must be finite, got {predicted!r}")
    z = (m - p) / s
    return float(z) if z.ndim == 0 else z


def ratio_with_se(
    numerator: float, numerator_se: float, denominator: float, denominator_se: float
) -> tuple[float, float]:
    """Ratio of two independent estimates and its delta-method standard error.

    ``q = a / b``, ``se_q = |q| sqrt((se_a / a)^2 + (se_b / b)^2)``.

    Parameters
    ----------
    numerator, numerator_se, denominator, denominator_se : float
        Estimates and their SEs (independent); ``numerator`` must be non-zero for the relative
        form, ``denominator`` non-zero.

    Returns
    -------
    (float, float)
        Ratio and its SE.

    Examples
    --------
    >>> q, se = ratio_with_se(6.0, 0.3, 2.0, 0.1)
    >>> q, round(se, 6)
    (3.0, 0.212132)
    """
    vals = np.array([numerator, numerator_se, denominator, denominator_se], dtype=np.float64)
    if not np.all(np.isfinite(vals)):
        raise ValueError("numerator, denominator and their SEs must be finite")
    if denominator == 0:
        raise ValueError("denominator must be non-zero")
    if numerator_se < 0 or denominator_se < 0:
        raise ValueError("numerator_se and denominator_se must be non-negative")
    q = numerator / denominator
    se = float(np.sqrt((numerator_se / denominator) ** 2 + (q * denominator_se / denominator) ** 2))
    return float(q), se
