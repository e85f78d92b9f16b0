"""Low-rank structure of activity and of perturbation-learning updates (T3).

Spectra, effective dimension and subspace geometry for layer activity and weight updates:

* :func:`singular_values`, :func:`covariance_spectrum`: descending spectra of a matrix and of
  the sample covariance of activity (rows = samples).
* :func:`participation_ratio`: ``(tr C)^2 / tr(C^2) = (sum l)^2 / sum l^2`` of a covariance
  (or of its eigenvalues ``l``); ``k`` for ``k`` equal non-zero eigenvalues.
* :func:`effective_rank`: Roy & Vetterli (2007) entropy effective rank ``exp(H(p))`` with
  ``p_i = s_i / sum s`` over singular values ``s``.
* :func:`numerical_rank`: number of singular values above a tolerance.
* :func:`orthonormal_basis`, :func:`principal_angles`, :func:`row_space_fraction`: subspace
  geometry (angles ascending, in radians).
* :func:`check_batch_update_rank`: T3 check that a batch update ``sum_b c_b xi_b x_b^T`` has rank
  ``<= min(B, N, d)`` and its row space inside ``span{x_b}``; returns a :class:`RankCheck`.

A batch NP update is ``U = Xi^T diag(c) X`` with ``Xi`` (B x N) and ``X`` (B x d); both factors
have at most ``B`` rows, so ``rank U <= min(B, N, d)``, and every row of ``U`` is a combination of
the rows ``x_b`` of ``X``: ``U (I - P_X) = 0`` with ``P_X`` the projector onto ``span{x_b}``.
Accumulating such updates keeps every row inside the span of all inputs seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "RankCheck",
    "check_batch_update_rank",
    "covariance_spectrum",
    "effective_rank",
    "numerical_rank",
    "orthonormal_basis",
    "participation_ratio",
    "principal_angles",
    "rank_of_spectrum",
    "row_space_fraction",
    "singular_values",
]


def _as_matrix(a: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def _as_spectrum(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D spectrum, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    # Eigenvalues of a PSD matrix computed in floating point can be slightly negative.
    tol = 1e-12 * max(float(np.max(np.abs(arr))), 1e-300)
    if np.any(arr < -tol):
        raise ValueError(f"{name} must be non-negative (a PSD spectrum), min is {arr.min():.3g}")
    arr = np.clip(arr, 0.0, None)
    if not np.any(arr > 0):
        raise ValueError(f"{name} must have at least one positive value")
    return arr


def singular_values(matrix: ArrayLike) -> NDArray[np.float64]:
    """Singular values of a matrix, in descending order.

    Parameters
    ----------
    matrix : array_like, shape (m, n)
        Any real matrix, e.g. a weight update ``G`` (N x d) or a batch of activity.

    Returns
    -------
    ndarray, shape (min(m, n),)
        Descending singular values.

    Examples
    --------
    >>> singular_values(np.diag([1.0, 3.0, 2.0]))
    array([3., 2., 1.])
    """
    m = _as_matrix(matrix, "matrix")
    return scipy.linalg.svdvals(m)


def covariance_spectrum(samples: ArrayLike, *, center: bool = True) -> NDArray[np.float64]:
    """Eigenvalues of the sample covariance of activity, descending.

    Parameters
    ----------
    samples : array_like, shape (n_samples, n_features)
        One row per sample (e.g. presynaptic rates of a layer over a batch).
    center : bool, default True
        Subtract the sample mean and normalise by ``n - 1`` (the covariance). If False, return
        the eigenvalues of the second-moment matrix ``X^T X / n`` (keeps the mean direction,
        which LOCO's low-rank projector also keeps).

    Returns
    -------
    ndarray, shape (min(n_samples, n_features),)
        Non-negative eigenvalues, descending (computed from the SVD of the data, so they are
        accurate also for rank-deficient activity). Eigenvalues beyond ``min(n, p)`` are zero
        and not returned.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    >>> covariance_spectrum(x, center=False)
    array([2. , 0.5])
    """
    x = _as_matrix(samples, "samples")
    n = x.shape[0]
    if center:
        if n < 2:
            raise ValueError("samples must have at least 2 rows when center=True")
        x = x - x.mean(axis=0)
        denom = n - 1
    else:
        denom = n
    s = scipy.linalg.svdvals(x)
    return s**2 / denom


def participation_ratio(cov_or_spectrum: ArrayLike) -> float:
    """Participation ratio ``(tr C)^2 / tr(C^2)`` of a covariance.

    Parameters
    ----------
    cov_or_spectrum : array_like
        Either a symmetric PSD covariance matrix ``C`` (2-D) or its eigenvalues (1-D).

    Returns
    -------
    float
        Between 1 (one direction) and ``d`` (isotropic); exactly ``k`` for ``k`` equal non-zero
        eigenvalues. This is the effective input dimension of T3 and of Zuege et al.

    Examples
    --------
    >>> participation_ratio([1.0, 1.0, 1.0, 0.0])
    3.0
    >>> participation_ratio(np.eye(5))
    5.0
    """
    arr = np.asarray(cov_or_spectrum, dtype=np.float64)
    if arr.ndim == 2:
        c = _as_matrix(arr, "cov_or_spectrum")
        if c.shape[0] != c.shape[1]:
            raise ValueError(f"cov_or_spectrum must be square when 2-D, got shape {c.shape}")
        if not np.allclose(c, c.T, rtol=1e-10, atol=1e-12 * np.abs(c).max()):
            raise ValueError("cov_or_spectrum must be symmetric when 2-D")
        lam = _as_spectrum(np.linalg.eigvalsh(c), "cov_or_spectrum")
    else:
        lam = _as_spectrum(arr, "cov_or_spectrum")
    return float(lam.sum() ** 2 / np.sum(lam**2))


def effective_rank(matrix_or_singular_values: ArrayLike) -> float:
    """Entropy effective rank of Roy & Vetterli (2007).

    ``erank = exp(-sum_i p_i log p_i)`` with ``p_i = s_i / sum_j s_j`` over the singular values
    ``s`` (terms with ``p_i = 0`` contribute 0).

    Parameters
    ----------
    matrix_or_singular_values : array_like
        A matrix (2-D; its singular values are used) or non-negative singular values (1-D).
        For a covariance matrix the singular values are its eigenvalues.

    Returns
    -------
    float
        Between 1 and the number of non-zero singular values; exactly ``k`` when ``k``
        singular values are equal and the rest zero.

    Examples
    --------
    >>> effective_rank([2.0, 2.0, 0.0])
    2.0
    >>> round(effective_rank(np.diag([1.0, 1.0, 1.0, 1e-12])), 6)
    3.0
    """
    arr = np.asarray(matrix_or_singular_values, dtype=np.float64)
    if arr.ndim == 2:
        s = singular_values(arr)
        if not np.any(s > 0):
            raise ValueError("matrix_or_singular_values must not be the zero matrix")
    else:
        s = _as_spectrum(arr, "matrix_or_singular_values")
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def numerical_rank(
    matrix: ArrayLike, *, tol: float | None = None, rtol: float | None = None
) -> int:
    """Number of singular values above a tolerance.

    Parameters
    ----------
    matrix : array_like, shape (m, n)
    tol : float, optional
        Absolute threshold. Takes precedence over ``rtol``.
    rtol : float, optional
        Threshold relative to the largest singular value. If neither is given, the LAPACK /
        ``numpy.linalg.matrix_rank`` default ``max(m, n) * eps * s_max`` is used.

    Returns
    -------
    int

    Examples
    --------
    >>> a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    >>> numerical_rank(a)
    1
    >>> numerical_rank(np.diag([1.0, 1e-3]), rtol=1e-2)
    1
    """
    return rank_of_spectrum(singular_values(matrix), np.asarray(matrix).shape, tol=tol, rtol=rtol)


def rank_of_spectrum(
    s: ArrayLike, shape: tuple[int, ...], *, tol: float | None = None, rtol: float | None = None
) -> int:
    """`numerical_rank` of a matrix of ``shape`` from its descending singular values ``s``.

    >>> rank_of_spectrum(np.array([2.0, 1e-20]), (3, 2))
    1
    """
    s = np.asarray(s, dtype=np.float64)
    m = shape
    if tol is not None:
        if not np.isfinite(tol) or tol < 0:
            raise ValueError(f"tol must be a non-negative finite number, got {tol}")
        thresh = float(tol)
    elif rtol is not None:
        if not np.isfinite(rtol) or rtol < 0:
            raise ValueError(f"rtol must be a non-negative finite number, got {rtol}")
        thresh = float(rtol) * float(s[0])
    else:
        thresh = max(m) * np.finfo(np.float64).eps * float(s[0])
    return int(np.sum(s > thresh))


def orthonormal_basis(vectors: ArrayLike, *, rtol: float | None = None) -> NDArray[np.float64]:
    """Orthonormal basis (columns) of the column span of ``vectors``.

    Parameters
    ----------
    vectors : array_like, shape (d, k)
        Columns spanning the subspace of ``R^d``.
    rtol : float, optional
        Singular values below ``rtol * s_max`` are treated as zero (default as
        :func:`scipy.linalg.orth`).

    Returns
    -------
    ndarray, shape (d, r)
        ``r`` = numerical rank of ``vectors``.

    Examples
    --------
    >>> q = orthonormal_basis(np.array([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]]))
    >>> q.shape, bool(np.allclose(np.abs(q[:, 0]), [1, 0, 0]))
    ((3, 1), True)
    """
    v = _as_matrix(vectors, "vectors")
    if rtol is not None and (not np.isfinite(rtol) or rtol < 0):
        raise ValueError(f"rtol must be a non-negative finite number, got {rtol}")
    q = scipy.linalg.orth(v, rcond=rtol)
    if q.shape[1] == 0:
        raise ValueError("vectors span only the zero subspace")
    return q


def principal_angles(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Principal angles between the column spans of ``a`` and ``b``, ascending, in radians.

    With orthonormal bases ``Q_a`` (the larger) and ``Q_b``, the cosines are the singular
    values of ``Q_a^T Q_b`` and the sines those of ``Q_b - Q_a Q_a^T Q_b`` (Bjorck & Golub
    1973); each angle comes from the sine below pi/4 and from the cosine above, so every angle
    is accurate to a few machine epsilons in absolute terms, near 0 as near pi/2.
    (:func:`scipy.linalg.subspace_angles` 1.17 pairs its sine/cosine mask with the wrong
    ordering, so a zero angle can come out as sqrt(eps) = 1.5e-8 there.)

    Parameters
    ----------
    a : array_like, shape (d, k)
    b : array_like, shape (d, l)

    Returns
    -------
    ndarray, shape (min(rank a, rank b),)
        ``0`` for shared directions, ``pi/2`` for orthogonal ones.

    Examples
    --------
    >>> e = np.eye(3)
    >>> t = np.pi / 6
    >>> b = np.stack([e[0], np.cos(t) * e[1] + np.sin(t) * e[2]], axis=1)
    >>> np.round(principal_angles(e[:, :2], b), 6)
    array([0.      , 0.523599])
    """
    am = _as_matrix(a, "a")
    bm = _as_matrix(b, "b")
    if am.shape[0] != bm.shape[0]:
        raise ValueError(
            f"a and b must live in the same space (same number of rows), "
            f"got {am.shape[0]} and {bm.shape[0]}"
        )
    qa, qb = scipy.linalg.orth(am), scipy.linalg.orth(bm)
    if qa.shape[1] < qb.shape[1]:
        qa, qb = qb, qa
    cross = qa.T @ qb
    cosines = scipy.linalg.svdvals(cross)  # descending: smallest angle first
    sines = scipy.linalg.svdvals(qb - qa @ cross)[::-1][: cosines.size]  # ascending
    angles = np.where(
        cosines**2 >= 0.5,
        np.arcsin(np.clip(sines, 0.0, 1.0)),
        np.arccos(np.clip(cosines, 0.0, 1.0)),
    )
    return np.sort(angles)


def row_space_fraction(matrix: ArrayLike, basis: ArrayLike) -> float:
    """Fraction of ``|M|_F^2`` whose rows lie in the span of ``basis``.

    ``|M P|_F^2 / |M|_F^2`` with ``P`` the orthogonal projector onto the column span of
    ``basis`` (a subspace of the row space ``R^d``).

    Parameters
    ----------
    matrix : array_like, shape (n, d)
        E.g. a weight update (rows indexed by postsynaptic units).
    basis : array_like, shape (d, k)
        Columns spanning the subspace (need not be orthonormal).

    Returns
    -------
    float
        In ``[0, 1]``; 1 when every row lies in the subspace.

    Examples
    --------
    >>> m = np.array([[3.0, 4.0, 0.0]])
    >>> row_space_fraction(m, np.array([[1.0], [0.0], [0.0]]))
    0.36
    """
    m = _as_matrix(matrix, "matrix")
    q = orthonormal_basis(basis)
    if q.shape[0] != m.shape[1]:
        raise ValueError(
            f"basis must have {m.shape[1]} rows (the row length of matrix), got {q.shape[0]}"
        )
    total = float(np.sum(m**2))
    if total == 0.0:
        raise ValueError("matrix must not be the zero matrix")
    inside = float(np.sum((m @ q) ** 2))
    return min(max(inside / total, 0.0), 1.0)


@dataclass(frozen=True)
class RankCheck:
    """Result of :func:`check_batch_update_rank`.

    Attributes
    ----------
    rank : int
        Numerical rank of the update.
    bound : int
        ``min(B, N, d)`` (T3).
    input_rank : int
        Numerical rank of the batch inputs (a tighter bound: ``rank <= min(input_rank, N)``).
    residual : float
        ``|U (I - P_X)|_F``, the part of the update's rows outside ``span{x_b}``.
    relative_residual : float
        ``residual / |U|_F`` (0 for the zero update).
    """

    rank: int
    bound: int
    input_rank: int
    residual: float
    relative_residual: float

    def satisfied(self, rtol: float = 1e-10) -> bool:
        """Whether the rank bound holds and the relative residual is below ``rtol``.

        Parameters
        ----------
        rtol : float, default 1e-10
            Largest acceptable ``relative_residual`` (round-off of a float64 update).

        Returns
        -------
        bool
        """
        return self.rank <= self.bound and self.relative_residual <= rtol


def check_batch_update_rank(
    update: ArrayLike, inputs: ArrayLike, *, rtol: float | None = None
) -> RankCheck:
    """Check T3 for a (batch or accumulated) update against the inputs that produced it.

    Parameters
    ----------
    update : array_like, shape (N, d)
        Weight update, e.g. ``sum_b c_b xi_b x_b^T`` (rows: N perturbed units).
    inputs : array_like, shape (B, d)
        The batch inputs ``x_b`` (one per row), or all inputs seen for accumulated updates.
    rtol : float, optional
        Relative singular-value threshold used for both numerical ranks (default: the
        ``numpy.linalg.matrix_rank`` rule).

    Returns
    -------
    RankCheck

    Examples
    --------
    >>> rng = np.random.default_rng([0, 1])
    >>> x = rng.standard_normal((3, 8))      # B = 3 inputs in d = 8
    >>> xi = rng.standard_normal((3, 5))     # N = 5 perturbed units
    >>> c = rng.standard_normal(3)
    >>> r = check_batch_update_rank(xi.T @ (c[:, None] * x), x)
    >>> r.rank, r.bound, r.satisfied()
    (3, 3, True)
    """
    u = _as_matrix(update, "update")
    x = _as_matrix(inputs, "inputs")
    if x.shape[1] != u.shape[1]:
        raise ValueError(
            f"inputs must have {u.shape[1]} columns (the input dimension of update), "
            f"got {x.shape[1]}"
        )
    n, d = u.shape
    b = x.shape[0]
    norm_u = float(np.linalg.norm(u))
    rank = 0 if norm_u == 0.0 else numerical_rank(u, rtol=rtol)
    if np.any(x != 0):
        input_rank = numerical_rank(x, rtol=rtol)
        q = orthonormal_basis(x.T, rtol=rtol)
        resid_mat = u - (u @ q) @ q.T
    else:
        input_rank = 0
        resid_mat = u
    residual = float(np.linalg.norm(resid_mat))
    rel = residual / norm_u if norm_u > 0 else 0.0
    return RankCheck(
        rank=rank,
        bound=min(b, n, d),
        input_rank=input_rank,
        residual=residual,
        relative_residual=rel,
    )
