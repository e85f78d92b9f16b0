"""Fast numerical theory of NP / WP / GD learning and of the LOCO projection (T1, T2, T4, T5).

Every formula is taken from :mod:`analysis.derivations` (sympy, derived from Gaussian moment
identities): the canonical monomials of a derived result are evaluated with numpy and their sympy
coefficients are lambdified.  Nothing numerical here is typed in by hand.

Conventions: student ``y = W x`` (``W``: ``n_out x d``), teacher ``y* = W* x``, fresh inputs
``x ~ N(0, C)`` every step, per-sample loss ``|W x - y*|^2 / 2``, expected loss
``tr(E C E^T) / 2`` with ``E = W - W*``.  Update ``W <- W - eta * Ghat @ Q`` (``Q`` the symmetric
input-side projector, identity when None) with

* ``gd``: ``Ghat = (W x - y*) x^T``;
* ``np``: ``xi ~ N(0, sigma^2 I)``, ``Ghat = dL / sigma^2 * xi x^T``;
* ``wp``: ``Psi ~ N(0, sigma^2 I)`` (``n_out x d``), ``Ghat = dL / sigma^2 * Psi``;

``dL`` the loss difference with and without the perturbation; ``sigma = 0`` is the limit.

The second moment ``M_t = E[E_t^T E_t]`` obeys an exact linear recursion (T5).  When ``Q`` commutes
with ``C`` both are diagonal in one eigenbasis; there the diagonal of ``M`` evolves by a ``d x d``
map (diagonal plus rank <= 2) and the off-diagonal entries evolve independently, each by a scalar
factor, and never enter the loss.  :func:`learning_curve` then costs O(d) per step; for a
non-commuting ``Q`` it iterates the full ``d x d`` recursion with a few matrix products per step.

Learning rates (:func:`optimal_lr`, :func:`max_stable_lr`) use the spectral radius of the
``sigma -> 0`` map restricted to the *active* second moments: ``M_ij`` (eigenbasis) with both
directions active, ``c_i q_i != 0``, i.e. the diagonal map on active modes plus the scalar factors
of active pairs (the latter never exceed the former: tested).  Excluded, because they never enter
the loss: the frozen block (null space of ``Q``: eigenvalue 1, it sets a floor), directions in the
null space of ``C``, and the cross moments of an active with an inactive direction (linear in the
changing error, they decay like the mean error, ``1 - eta c_i q_i``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import sympy as sp
from scipy.optimize import brentq, minimize_scalar

from analysis import derivations as der
from analysis._checks import nonneg, positive
from sim.synthetic import orthonormal_basis

__all__ = [
    "RULES",
    "LocoPrediction",
    "depth_second_moments",
    "learning_curve",
    "loco_speedup",
    "lowrank_plus_noise_cov",
    "max_stable_lr",
    "np_alignment",
    "np_moments",
    "optimal_lr",
]

RULES = der.RULES
_ARGS = (der.N, der.d, der.sigma)
_EST_ARGS = (der.N, der.d, der.sigma, der.L0)  # estimator moments: also the clean loss value

# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _matrix(a: object, name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array, got shape {arr.shape}")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    scale = max(1.0, float(np.max(np.abs(arr))))
    if np.max(np.abs(arr - arr.T)) > 1e-10 * scale:
        raise ValueError(f"{name} must be symmetric")
    return (arr + arr.T) / 2


def _cov(a: object, name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    return _cov_eig(a, name, shape)[0]


def _cov_eig(a: object, name: str, shape: tuple[int, int] | None = None):
    """Validated covariance with its eigendecomposition ``(C, eigenvalues, eigenvectors)``."""
    arr = _matrix(a, name, shape)
    ev, U = np.linalg.eigh(arr)
    if ev[0] < -1e-10 * max(1.0, float(ev[-1])):
        raise ValueError(f"{name} must be positive semidefinite (smallest eigenvalue {ev[0]:.3g})")
    return arr, ev, U


def _vector(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a non-empty finite 1-D array, got shape {arr.shape}")
    return arr


def _count(v: int, name: str, minimum: int) -> int:
    if isinstance(v, bool) or int(v) != v or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return int(v)


def _rule(rule: str) -> str:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    return rule


# --------------------------------------------------------------------------------------------
# Numeric evaluation of derived monomials
# --------------------------------------------------------------------------------------------


@functools.cache
def _lambdify(expr: sp.Expr, args: tuple[sp.Symbol, ...] = _ARGS) -> Callable[..., float]:
    return sp.lambdify(args, expr, "numpy")


def _chain(elems: Sequence[der.Elem], arrays: dict[str, np.ndarray], diag: bool):
    """Product of the chain's matrices (None = identity); ``diag``: arrays are eigenvalues."""
    out = None
    for name, t in elems:
        if name == "I":
            continue
        a = arrays[name] if diag or not t else arrays[name].T
        out = a if out is None else (out * a if diag else out @ a)
    return out


def _item(item: tuple, arrays: dict[str, np.ndarray], diag: bool = False) -> float:
    """A closed invariant: ``tr(A B ...)`` or ``u^T A B ... v``."""
    if item[0] == "tr":
        m = _chain(item[2], arrays, diag)
        return float(np.sum(m) if diag else np.trace(m))
    _, (_, u), elems, (_, v) = item
    m = _chain(elems, arrays, diag)
    return float(arrays[u] @ (arrays[v] if m is None else m @ arrays[v]))


def _evaluate(
    derived: der.Derived, arrays: dict[str, np.ndarray], scalars: tuple, args: tuple = _ARGS
) -> object:
    """Numeric value of a derived expression (scalar, or matrix for two free indices).

    ``scalars`` are the values of the coefficient symbols ``args``."""
    total: object = 0.0
    for (closed, opened), coef in derived.terms:
        c = float(_lambdify(coef, args)(*scalars)) * np.prod([_item(i, arrays) for i in closed])
        if not opened:
            total = total + c
            continue
        cols = []
        for _, _, elems, (_, v) in opened:
            m = _chain(elems, arrays, False)
            cols.append(arrays[v] if m is None else m @ arrays[v])
        total = total + c * np.outer(cols[0], cols[1])
    return total


# --------------------------------------------------------------------------------------------
# T1, T2, T4: estimator moments
# --------------------------------------------------------------------------------------------


def np_moments(
    g: np.ndarray,
    x: np.ndarray,
    sigma: float,
    cov: np.ndarray | None = None,
    *,
    proj: np.ndarray | None = None,
    quadratic: bool = False,
    baseline: bool = True,
    loss_value: float | None = None,
) -> dict[str, np.ndarray | float]:
    """Exact moments of the single-sample node-perturbation estimator (T1, T4).

    ``G = (g.xi + q) xi (P x)^T / sigma^2`` with ``xi ~ N(0, sigma^2 cov)``: the linearised
    estimator (``q = 0``, the default) or, with ``quadratic=True``, the exact estimator for the
    squared loss (``q = |xi|^2 / 2``).  The linearised moments do not depend on ``sigma``.

    With ``baseline=False`` the clean loss is not subtracted (``dL = L(perturbed)``): ``dL``
    gains the clean per-sample loss ``loss_value = L_0``, the mean is unchanged and the second
    moment and variance gain ``L_0^2 tr(cov) |P x|^2 / sigma^2`` (plus
    ``L_0 N (N + 2) |P x|^2`` for the isotropic MSE estimator): noise that grows like
    ``L_0^2 / sigma^2``.

    Parameters
    ----------
    g : ndarray, shape (N,)
        Gradient of the loss with respect to the perturbed currents.
    x : ndarray, shape (d,)
        Layer input.
    sigma : float
        Perturbation standard deviation (>= 0; only used when ``quadratic``).
    cov : ndarray, shape (N, N), optional
        Perturbation covariance (identity if None); symmetric positive semidefinite.
    proj : ndarray, shape (d, d), optional
        Symmetric input-side projector ``P`` (identity if None).
    quadratic : bool
        Include the MSE term ``q``.
    baseline : bool
        Subtract the clean loss (default).  False requires ``sigma > 0`` and ``loss_value``.
    loss_value : float, optional
        Clean per-sample loss ``L_0`` (only with ``baseline=False``).

    Returns
    -------
    dict
        ``mean`` (N x d), ``second_moment`` ``E|G|_F^2`` and ``variance`` ``E|G - EG|_F^2``.

    Examples
    --------
    >>> m = np_moments(np.array([1.0, 2.0]), np.array([3.0, 0.0, 4.0]), sigma=0.1)
    >>> m["mean"][1]
    array([6., 0., 8.])
    >>> float(m["second_moment"]), float(m["variance"])  # (N+2)|g|^2|x|^2, (N+1)|g|^2|x|^2
    (500.0, 375.0)

    Without the baseline the variance gains ``L_0^2 N |x|^2 / sigma^2`` (here ``2 * 25 / 0.01``):

    >>> mb = np_moments([1.0, 2.0], [3.0, 0.0, 4.0], sigma=0.1, baseline=False, loss_value=1.0)
    >>> round(float(mb["variance"]), 9)
    5375.0
    """
    g, x = _vector(g, "g"), _vector(x, "x")
    sigma = nonneg(sigma, "sigma")
    if baseline:
        if loss_value is not None:
            raise ValueError("loss_value only applies without the baseline (baseline=False)")
        l0 = 0.0
    else:
        if loss_value is None:
            raise ValueError("baseline=False needs the clean loss value (loss_value)")
        l0 = float(loss_value)
        if not np.isfinite(l0):
            raise ValueError(f"loss_value must be finite, got {loss_value}")
        sigma = positive(sigma, "sigma")  # the L_0 xi term is divided by sigma^2
    n, dim = g.size, x.size
    arrays = {"g": g, "x": x}
    arrays["Sigma"] = np.eye(n) if cov is None else _cov(cov, "cov", (n, n))
    arrays["P"] = np.eye(dim) if proj is None else _matrix(proj, "proj", (dim, dim))
    derived = der._estimator(False, bool(quadratic), "symmetric", bool(baseline))
    scalars = (n, dim, sigma, l0)
    return {k: _evaluate(v, arrays, scalars, _EST_ARGS) for k, v in derived.items()}


@functools.cache
def _alignment_fns() -> tuple[Callable, Callable]:
    """Exact ``E cos`` (Pochhammer form, ``scipy.special.poch``: no Gamma overflow and full
    precision at large ``N``, unlike a difference of log-Gammas) and the leading asymptote."""
    a = der.alignment()
    return (
        sp.lambdify(der.N, a["expected_rf"], "scipy"),
        sp.lambdify(der.N, a["asymptotic"], "numpy"),
    )


def np_alignment(N: int | Sequence[int] | np.ndarray, asymptotic: bool = False):
    """Expected cosine between the linearised single-sample NP estimate and the true gradient (T1).

    ``G = (g.xi) xi x^T / sigma^2`` with ``xi ~ N(0, sigma^2 I_N)``; ``cos(G, g x^T) =
    |cos(xi, g)|`` whatever ``g``, ``x`` and ``sigma``, and (derived in
    :func:`analysis.derivations.alignment`)
    ``E cos = Gamma(N/2) / (sqrt(pi) Gamma((N+1)/2)) ~ sqrt(2 / (pi N)) (1 + 1/(4N) + ...)``.

    Parameters
    ----------
    N : int or array_like of int
        Number of perturbed units (>= 1).
    asymptotic : bool
        Return the leading large-``N`` term ``sqrt(2 / (pi N))`` instead of the exact value.

    Returns
    -------
    float or ndarray
        Same shape as ``N``.

    Examples
    --------
    >>> np_alignment([1, 2, 3])  # 1, 2/pi, 1/2
    array([1.        , 0.63661977, 0.5       ])
    >>> round(float(np_alignment(10**6) / np_alignment(10**6, asymptotic=True)) - 1, 9)
    2.5e-07
    """
    arr = np.asarray(N)
    flat = arr.reshape(-1)
    if arr.size == 0 or not all(
        not isinstance(v, (bool, np.bool_)) and np.isfinite(v) and int(v) == v and v >= 1
        for v in flat.tolist()
    ):
        raise ValueError(f"N must be an integer >= 1 (or an array of them), got {N!r}")
    n = arr.astype(np.float64)
    exact, asym = _alignment_fns()
    out = np.asarray(asym(n) if asymptotic else exact(n), dtype=np.float64)
    return float(out) if out.ndim == 0 else out


def depth_second_moments(g_layers: Sequence[np.ndarray], x_layers: Sequence[np.ndarray]):
    """``E|G_l|_F^2`` of every layer when all layers are perturbed with one shared dL (T2).

    Parameters
    ----------
    g_layers : sequence of ndarray
        Gradient with respect to each layer's perturbed currents (lengths ``N_l``).
    x_layers : sequence of ndarray
        Each layer's input.

    Returns
    -------
    ndarray
        ``|x_l|^2 (N_l |g|^2 + 2 |g_l|^2)`` with ``|g|^2`` summed over all layers.

    Examples
    --------
    >>> depth_second_moments([np.ones(2), np.ones(3)], [np.ones(4), np.ones(1)])
    array([56., 21.])
    """
    if len(g_layers) != len(x_layers) or not g_layers:
        raise ValueError("g_layers and x_layers must be non-empty and of equal length")
    gs = [_vector(g, f"g_layers[{i}]") for i, g in enumerate(g_layers)]
    xs = [_vector(x, f"x_layers[{i}]") for i, x in enumerate(x_layers)]
    expr = der.depth_moments()["second_moment"]
    syms = (der.N_l, sp.Symbol("|g|^2"), sp.Symbol("|g_l|^2"), sp.Symbol("|x|^2"))
    f = _lambdify(expr, syms)
    total = sum(float(g @ g) for g in gs)
    return np.array([f(g.size, total, g @ g, x @ x) for g, x in zip(gs, xs, strict=True)])


# --------------------------------------------------------------------------------------------
# T5: compiled second-moment recursion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One monomial of ``M'``: ``coef * [L M R | tr(M X) K | K]`` times constant invariants."""

    kind: str  # "sandwich", "trace" or "source"
    left: tuple = ()
    right: tuple = ()
    trace_rest: tuple = ()
    others: tuple = ()
    coefs: tuple = ()  # ((eta power, lambdified coefficient of (N, d, sigma)), ...)


@functools.cache
def _program(rule: str) -> tuple[_Term, ...]:
    prog = []
    for (closed, opened), coef in der.recursion_terms(rule):
        poly = sp.Poly(coef, der.eta)
        coefs = tuple(
            (p, _lambdify(c)) for (p,), c in zip(poly.monoms(), poly.coeffs(), strict=True)
        )
        ((_, _, elems, end),) = opened
        if end[0] != "f":
            raise RuntimeError("the T5 recursion must be a d x d matrix expression")
        m_pos = [k for k, e in enumerate(elems) if e[0] == "M"]
        m_tr = [k for k, it in enumerate(closed) if it[0] == "tr" and ("M", False) in it[2]]
        if m_pos:
            (k,) = m_pos
            prog.append(_Term("sandwich", elems[:k], elems[k + 1 :], (), closed, coefs))
            continue
        if m_tr:
            (k,) = m_tr
            tr = closed[k][2]
            j = tr.index(("M", False))
            rest = tr[j + 1 :] + tr[:j]
            others = closed[:k] + closed[k + 1 :]
            prog.append(_Term("trace", elems, (), rest, others, coefs))
            continue
        prog.append(_Term("source", elems, (), (), closed, coefs))
    return tuple(prog)


def _coef(term: _Term, n_out: int, dim: int, sigma: float, power: int | None, eta: float):
    """Numeric coefficient at ``eta`` (or only its ``eta**power`` part, at eta = 1)."""
    return sum(
        float(f(n_out, dim, sigma)) * (1.0 if power is not None else eta**p)
        for p, f in term.coefs
        if power is None or p == power
    )


@dataclass
class _Diag:
    """``m' = dvec * m + U (V m) + s`` on the diagonal; ``F`` the off-diagonal factors."""

    dvec: np.ndarray
    U: np.ndarray
    V: np.ndarray
    s: np.ndarray
    F: np.ndarray | None


def _diag_map(rule, c, q, n_out, sigma, eta=1.0, power=None, offdiag=False) -> _Diag:
    arrays = {"C": c, "Q": q}
    dim = c.size
    ones = np.ones(dim)
    dvec, cols, rows, s = np.zeros(dim), [], [], np.zeros(dim)
    F = np.zeros((dim, dim)) if offdiag else None
    for t in _program(rule):
        k = _coef(t, n_out, dim, sigma, power, eta)
        if k == 0.0:
            continue
        k *= np.prod([_item(i, arrays, diag=True) for i in t.others])
        if t.kind == "sandwich":
            lv = _chain(t.left, arrays, True)
            rv = _chain(t.right, arrays, True)
            lv = ones if lv is None else lv
            rv = ones if rv is None else rv
            dvec += k * lv * rv
            if F is not None:
                F += k * np.outer(lv, rv)
        else:
            kv = _chain(t.left, arrays, True)
            kv = ones if kv is None else kv
            if t.kind == "trace":
                xv = _chain(t.trace_rest, arrays, True)
                cols.append(k * kv)
                rows.append(ones if xv is None else xv)
            else:
                s += k * kv
    U = np.array(cols).T if cols else np.zeros((dim, 0))
    V = np.array(rows) if rows else np.zeros((0, dim))
    return _Diag(dvec, U, V, s, F)


def _dense_step(rule, C, Q, n_out, sigma, eta) -> Callable[[np.ndarray], np.ndarray]:
    """``M -> M'`` with precomputed constant factors (a few ``d x d`` products per step)."""
    arrays = {"C": C, "Q": Q}
    dim = C.shape[0]
    ident, right, left, both, traces = 0.0, np.zeros_like(C), np.zeros_like(C), [], []
    source = np.zeros_like(C)
    for t in _program(rule):
        k = _coef(t, n_out, dim, sigma, None, eta)
        if k == 0.0:
            continue
        k *= np.prod([_item(i, arrays) for i in t.others])
        if t.kind == "sandwich":
            lm, rm = _chain(t.left, arrays, False), _chain(t.right, arrays, False)
            if lm is None and rm is None:
                ident += k
            elif lm is None:
                right += k * rm
            elif rm is None:
                left += k * lm
            else:
                both.append((k * lm, rm))
        else:
            km = _chain(t.left, arrays, False)
            km = np.eye(dim) if km is None else km
            if t.kind == "trace":
                xm = _chain(t.trace_rest, arrays, False)
                traces.append((np.eye(dim) if xm is None else xm.T, k * km))
            else:
                source += k * km

    def step(M: np.ndarray) -> np.ndarray:
        out = ident * M + M @ right + left @ M + source
        for lm, rm in both:
            out += lm @ M @ rm
        for xt, km in traces:
            out += np.sum(M * xt) * km
        return out

    return step


def _joint_eigenbasis(C: np.ndarray, Q: np.ndarray | None, eig=None):
    """``(c, q, U)`` with ``C = U diag(c) U^T``, ``Q = U diag(q) U^T``; None if none exists."""
    dim = C.shape[0]
    c, U = np.linalg.eigh(C) if eig is None else eig
    if Q is None:
        return c, np.ones(dim), U
    nc, nq = max(np.abs(c).max(), 1e-300), max(np.abs(Q).max(), 1e-300)
    if np.abs(C @ Q - Q @ C).max() > 1e-9 * nc * nq * dim:
        return None
    # C's own eigenbasis, else (degenerate C) that of a generic combination of C and Q
    candidates = (U, lambda: np.linalg.eigh(C / nc + 0.6180339887498949 * Q / nq)[1])
    for B in candidates:
        B = B() if callable(B) else B
        Ct, Qt = B.T @ C @ B, B.T @ Q @ B
        off_c = np.abs(Ct - np.diag(np.diag(Ct))).max()
        off_q = np.abs(Qt - np.diag(np.diag(Qt))).max()
        if off_c <= 1e-9 * nc * dim and off_q <= 1e-9 * nq * dim:
            return np.diag(Ct).copy(), np.diag(Qt).copy(), B
    return None


def _default_E0(n_out: int, dim: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((n_out, dim)) / np.sqrt(dim)


def _setup(rule, C, n_out, proj):
    rule = _rule(rule)
    C, ev, U = _cov_eig(C, "C")
    n_out = _count(n_out, "n_out", 1)
    dim = C.shape[0]
    Q = None if proj is None else _matrix(proj, "proj", (dim, dim))
    return rule, C, n_out, dim, Q, (ev, U)


def learning_curve(
    rule: str,
    C: np.ndarray,
    n_out: int,
    eta: float,
    steps: int,
    sigma: float = 0.0,
    proj: np.ndarray | None = None,
    E0: np.ndarray | None = None,
) -> np.ndarray:
    """Exact expected loss ``tr(E_t C E_t^T) / 2`` for ``t = 0 .. steps`` (T5).

    Parameters
    ----------
    rule : {"gd", "np", "wp"}
        Learning rule (module docstring).
    C : ndarray, shape (d, d)
        Input covariance (symmetric positive semidefinite).
    n_out : int
        Output dimension ``N``.
    eta : float
        Learning rate (> 0).
    steps : int
        Number of online updates.
    sigma : float
        Perturbation size (``0``: the ``sigma -> 0`` limit; ignored by ``gd``).
    proj : ndarray, shape (d, d), optional
        Symmetric input-side projector ``Q`` (identity if None).
    E0 : ndarray, shape (n_out, d), optional
        Initial error ``W_0 - W*``; default ``np.random.default_rng(0).standard_normal((n_out,
        d)) / sqrt(d)``.

    Returns
    -------
    ndarray, shape (steps + 1,)
        Expected loss; ``inf`` once it overflows (above the stability edge).

    Examples
    --------
    White inputs, GD at its optimal rate ``1/(d+2)``: the loss contracts by ``1 - 1/(d+2)``.

    >>> curve = learning_curve("gd", np.eye(4), n_out=2, eta=1 / 6, steps=3)
    >>> np.round(curve[1:] / curve[:-1], 6)
    array([0.833333, 0.833333, 0.833333])
    """
    rule, C, n_out, dim, Q, eig = _setup(rule, C, n_out, proj)
    eta = positive(eta, "eta")
    steps = _count(steps, "steps", 0)
    sigma = nonneg(sigma, "sigma")
    if E0 is None:
        E0 = _default_E0(n_out, dim)
    E0 = np.asarray(E0, dtype=np.float64)
    if E0.shape != (n_out, dim):
        raise ValueError(f"E0 must have shape {(n_out, dim)}, got {E0.shape}")
    if not np.all(np.isfinite(E0)):
        raise ValueError("E0 must be finite")
    loss = np.full(steps + 1, np.inf)
    basis = _joint_eigenbasis(C, Q, eig)
    with np.errstate(over="ignore", invalid="ignore"):
        if basis is not None:
            c, q, U = basis
            m = np.sum((E0 @ U) ** 2, axis=0)  # diagonal of U^T M0 U
            mp = _diag_map(rule, c, q, n_out, sigma, eta)
            for t in range(steps + 1):
                loss[t] = 0.5 * float(c @ m)
                if not np.isfinite(loss[t]):
                    loss[t:] = np.inf
                    break
                m = mp.dvec * m + mp.U @ (mp.V @ m) + mp.s
        else:
            step = _dense_step(rule, C, Q, n_out, sigma, eta)
            M = E0.T @ E0
            for t in range(steps + 1):
                loss[t] = 0.5 * float(np.sum(M * C))
                if not np.isfinite(loss[t]):
                    loss[t:] = np.inf
                    break
                M = step(M)
    return loss


# --------------------------------------------------------------------------------------------
# Learning rates of the sigma -> 0 mean-square dynamics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RateProblem:
    """``A(eta) = I - eta D + eta^2 S`` on the active diagonal modes, and the off-diagonal
    factors ``f_ij(eta) = 1 - eta s_ij + eta^2 p_ij`` of the pairs of active modes (``*_off``) and
    of the pairs with exactly one active mode (``*_mix``: cross moments of a changing and a frozen
    or invisible component, linear in the changing one; they never enter the loss)."""

    D: np.ndarray  # diagonal entries of D (active modes)
    S: np.ndarray
    s_off: np.ndarray
    p_off: np.ndarray
    s_mix: np.ndarray
    p_mix: np.ndarray


@functools.cache
def _rate_problem_cached(rule: str, c: tuple, q: tuple, n_out: int) -> _RateProblem:
    c, q = np.array(c), np.array(q)
    scale = max(np.abs(c).max(), 1e-300) * max(np.abs(q).max(), 1e-300)
    active = np.abs(c * q) > 1e-12 * scale
    if not active.any():
        raise ValueError("C @ proj is zero: no error component can be learned")
    maps = {p: _diag_map(rule, c, q, n_out, 0.0, power=p, offdiag=True) for p in (0, 1, 2)}
    full = {p: np.diag(m.dvec) + m.U @ m.V for p, m in maps.items()}
    sub = np.ix_(active, active)
    A0, A1, A2 = (full[p][sub] for p in (0, 1, 2))
    if not np.allclose(A0, np.eye(active.sum()), atol=1e-12):  # derived structure check
        raise RuntimeError("unexpected eta^0 part of the recursion")
    if np.abs(A1 - np.diag(np.diag(A1))).max() > 1e-12 * np.abs(A1).max():
        raise RuntimeError("unexpected off-diagonal eta^1 part of the recursion")
    D = -np.diag(A1)
    if np.any(D <= 0):
        raise ValueError("proj must be positive semidefinite (a mode with c_i q_i < 0 diverges)")
    iu = np.triu_indices(c.size, 1)
    both = active[iu[0]] & active[iu[1]]
    one = active[iu[0]] ^ active[iu[1]]
    s_all, p_all = -maps[1].F[iu], maps[2].F[iu]
    if np.any(p_all < -1e-12 * max(1.0, np.abs(p_all).max(initial=0))):
        raise ValueError("proj must be positive semidefinite")
    p_all = np.maximum(p_all, 0.0)
    return _RateProblem(D, A2, s_all[both], p_all[both], s_all[one], p_all[one])


def _rate_problem(rule, C, n_out, proj) -> _RateProblem:
    rule, C, n_out, _, Q, eig = _setup(rule, C, n_out, proj)
    basis = _joint_eigenbasis(C, Q, eig)
    if basis is None:
        raise ValueError("proj must commute with C for optimal_lr / max_stable_lr")
    c, q, _ = basis
    return _rate_problem_cached(rule, tuple(c), tuple(q), n_out)


def _spectral_radius(prob: _RateProblem, eta: float) -> float:
    A = eta**2 * prob.S
    A[np.diag_indices_from(A)] += 1 - eta * prob.D
    rho = float(np.max(np.abs(np.linalg.eigvals(A))))
    if prob.s_off.size:
        rho = max(rho, float(np.max(np.abs(1 - eta * prob.s_off + eta**2 * prob.p_off))))
    return rho


def _eta_max(prob: _RateProblem) -> float:
    if np.all(prob.S >= 0):
        # A(eta) = I - eta D + eta^2 S >= 0 entrywise (its diagonal is a positive quadratic), so
        # rho(A) < 1 iff D - eta S is a nonsingular M-matrix iff eta rho(D^-1 S) < 1.
        eta_diag = 1.0 / float(np.max(np.abs(np.linalg.eigvals(prob.S / prob.D[:, None]))))
    else:  # not met by gd/np/wp with a PSD projector; kept as a safe fallback
        hi = 1.0 / float(np.max(prob.D))
        while _spectral_radius(prob, hi) <= 1:
            hi *= 2
        eta_diag = brentq(lambda e: _spectral_radius(prob, e) - 1, hi * 1e-9, hi)
    s, p = prob.s_off, prob.p_off
    edges = [eta_diag]
    if s.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(p > 0, s / p, np.inf)  # f_ij = +1
            disc = s**2 - 8 * p
            # smaller root of p eta^2 - s eta + 2 = 0, in the cancellation-free form 4/(s + sqrt)
            down = np.where(disc >= 0, 4 / (s + np.sqrt(np.maximum(disc, 0))), np.inf)  # f = -1
        edges += [float(np.min(up)), float(np.min(down))]
    return min(edges)


def max_stable_lr(rule: str, C: np.ndarray, n_out: int, proj: np.ndarray | None = None) -> float:
    """Largest ``eta`` with mean-square spectral radius ``<= 1`` (``sigma -> 0``).

    The spectral radius is that of the linear map ``M_t -> M_{t+1}`` restricted to the active
    second moments (module docstring); ``proj`` must commute with ``C``.  Exact: for the diagonal
    map ``A = I - eta D + eta^2 S`` (``A >= 0``) the edge is ``1 / rho(D^-1 S)``, for the
    off-diagonal factors the first root of ``|f_ij(eta)| = 1``.

    Parameters
    ----------
    rule : {"gd", "np", "wp"}
    C : ndarray, shape (d, d)
        Input covariance.
    n_out : int
        Output dimension.
    proj : ndarray, shape (d, d), optional
        Symmetric positive semidefinite projector commuting with ``C``.

    Returns
    -------
    float

    Examples
    --------
    White inputs: ``2 / ((N + 2)(d + 2))`` for node perturbation.

    >>> round(max_stable_lr("np", np.eye(8), n_out=3) * 5 * 10, 12)
    2.0
    """
    return _eta_max(_rate_problem(rule, C, n_out, proj))


def _perron_slope(prob: _RateProblem, eta: float) -> float:
    """``d rho / d eta`` of the diagonal block, ``u^T A'(eta) v / u^T v`` (Perron vectors)."""
    A = eta**2 * prob.S
    A[np.diag_indices_from(A)] += 1 - eta * prob.D
    w, vl, vr = scipy.linalg.eig(A, left=True, right=True)
    k = int(np.argmax(np.abs(w)))
    dA = 2 * eta * prob.S
    dA[np.diag_indices_from(dA)] -= prob.D
    u, v = vl[:, k].conj(), vr[:, k]
    return float(np.real(u @ dA @ v / (u @ v)))


def optimal_lr(rule: str, C: np.ndarray, n_out: int, proj: np.ndarray | None = None) -> float:
    """``eta`` minimising the asymptotic contraction factor (spectral radius), ``sigma -> 0``.

    Same map and arguments as :func:`max_stable_lr`.  A grid over ``(0, eta_max]`` brackets the
    minimum; the stationary point of the (simple, analytic) Perron root is then found to machine
    precision from its derivative.

    Returns
    -------
    float

    Examples
    --------
    >>> round(optimal_lr("gd", np.eye(8), n_out=3) * 10, 12)  # 1/(d+2)
    1.0
    """
    prob = _rate_problem(rule, C, n_out, proj)
    hi = _eta_max(prob)
    grid = np.linspace(hi / 64, hi, 64)
    vals = [_spectral_radius(prob, e) for e in grid]
    k = int(np.argmin(vals))
    lo_b, hi_b = (grid[k - 1] if k else hi * 1e-6), grid[min(k + 1, grid.size - 1)]
    slope = functools.partial(_perron_slope, prob)
    if slope(lo_b) < 0 < slope(hi_b):
        eta = brentq(slope, lo_b, hi_b, xtol=1e-16 * hi, rtol=4 * np.finfo(float).eps)
        A = eta**2 * prob.S
        A[np.diag_indices_from(A)] += 1 - eta * prob.D
        if _spectral_radius(prob, eta) <= np.max(np.abs(np.linalg.eigvals(A))) * (1 + 1e-12):
            return float(eta)
    res = minimize_scalar(  # the off-diagonal factors dominate: a non-smooth minimum
        functools.partial(_spectral_radius, prob),
        bounds=(lo_b, hi_b),
        method="bounded",
        options={"xatol": 1e-13 * hi},
    )
    return float(res.x)


# --------------------------------------------------------------------------------------------
# The LOCO prediction
# --------------------------------------------------------------------------------------------


def lowrank_plus_noise_cov(
    d: int, k: int, eps: float, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs on a ``k``-dim subspace plus isotropic noise: ``C = V V^T + eps^2 I``.

    ``V`` (``d x k``) has orthonormal columns spanning a random subspace
    (`sim.synthetic.orthonormal_basis`, as `sim.synthetic.lowrank_plus_noise` draws it from the
    same ``rng``), so ``C`` has eigenvalues ``1 + eps^2`` (``k`` times) and ``eps^2``: the
    covariance of those samples.

    Returns
    -------
    C : ndarray, shape (d, d)
    P : ndarray, shape (d, d)
        Orthogonal projector ``V V^T`` onto the signal subspace.

    Examples
    --------
    >>> C, P = lowrank_plus_noise_cov(5, 2, 0.5, rng=0)
    >>> np.round(np.linalg.eigvalsh(C), 6)
    array([0.25, 0.25, 0.25, 1.25, 1.25])
    >>> bool(np.allclose(P @ P, P))
    True
    """
    d = _count(d, "d", 1)
    k = _count(k, "k", 0)
    if k > d:
        raise ValueError(f"k must be <= d, got k={k}, d={d}")
    eps = nonneg(eps, "eps")
    V = orthonormal_basis(d, k, np.random.default_rng(rng))  # the samples' subspace too
    P = V @ V.T
    return P + eps**2 * np.eye(d), P


@dataclass(frozen=True)
class LocoPrediction:
    """Predicted effect of an input projector; pairs are ``(without, with)`` the projector."""

    eta_opt: tuple[float, float]
    eta_max: tuple[float, float]
    contraction: tuple[float, float]
    loss0: float
    loss: tuple[float, float]
    steps: int

    @property
    def eta_ratio(self) -> float:
        """How much larger the optimal learning rate is with the projector."""
        return self.eta_opt[1] / self.eta_opt[0]

    @property
    def loss_ratio(self) -> float:
        """Loss after ``steps`` without / with the projector (each at its optimal rate)."""
        return self.loss[0] / self.loss[1]


def loco_speedup(
    C: np.ndarray,
    proj: np.ndarray,
    n_out: int,
    steps: int,
    *,
    rule: str = "np",
    sigma: float = 0.0,
    E0: np.ndarray | None = None,
) -> LocoPrediction:
    """Optimal/maximal learning rates and loss after ``steps``, with and without ``proj`` (T5).

    Each variant runs at its own optimal learning rate.  The default ``E0`` is the default draw
    of :func:`learning_curve` projected onto the range of ``proj`` (the teacher lives in the data
    subspace and the student starts at zero there): an error component outside the range would
    never be learned by the projected rule and would only set a floor.

    Examples
    --------
    >>> C, P = lowrank_plus_noise_cov(40, 4, 0.3, rng=0)
    >>> pred = loco_speedup(C, P, n_out=10, steps=600)
    >>> [round(e, 4) for e in pred.eta_opt]
    [0.0116, 0.0127]
    """
    rule, C, n_out, dim, Q, _ = _setup(rule, C, n_out, proj)
    if Q is None:
        raise ValueError("proj must be a (d, d) projector, not None")
    if E0 is None:
        E0 = _default_E0(n_out, dim) @ Q
    out = {}
    for key, p in (("free", None), ("proj", Q)):
        eta = optimal_lr(rule, C, n_out, p)
        curve = learning_curve(rule, C, n_out, eta, steps, sigma, p, E0)
        prob = _rate_problem(rule, C, n_out, p)
        out[key] = (eta, _eta_max(prob), _spectral_radius(prob, eta), curve)
    f, p = out["free"], out["proj"]
    return LocoPrediction(
        eta_opt=(f[0], p[0]),
        eta_max=(f[1], p[1]),
        contraction=(f[2], p[2]),
        loss0=float(f[3][0]),
        loss=(float(f[3][-1]), float(p[3][-1])),
        steps=int(steps),
    )
