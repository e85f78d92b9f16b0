"""Symbolic derivations of the LOCO theory (T1, T2, T4, T5) from Gaussian moment identities.

Nothing here is a typed-in final formula.  Every result is computed by the symbolic
*Isserlis engine* of :mod:`analysis.isserlis`:

1. an expression is written in index notation as a polynomial in index-labelled factors
   (constant vectors/matrices such as ``g``, ``x``, ``E``, ``Q`` and Gaussian factors such as
   ``xi_i`` or ``Psi_ia``), exactly as the estimator or update rule is defined;
2. the expectation over each independent zero-mean Gaussian family is the sum over all perfect
   pairings of its factors, each pair replaced by its covariance (Isserlis / Wick);
3. the resulting tensor network of vectors and (possibly non-symmetric) matrices is contracted
   into canonical chains: traces ``tr(A B ...)``, scalars ``u^T A B v`` and open chains carrying
   the free indices.  ``E^T E`` is rewritten as ``M`` and ``P P`` as ``P`` for idempotent ``P``.

The canonical monomials become sympy symbols (scalar invariants such as ``tr(M C)``) and matrix
expressions; their coefficients (polynomials in ``N``, ``d``, ``sigma``, ``eta``) come out of sympy.
:mod:`analysis.theory` turns the same structured results into fast numpy functions.

Notation (T1-T5 of paper/sections/theory.tex): ``N`` perturbed units, input ``x`` in R^d,
``g`` the gradient with respect to the perturbed currents, ``xi ~ N(0, sigma^2 Sigma)``, estimator
``G = (g.xi + q) xi x^T / sigma^2`` (``q = 0`` linearised, ``q = |xi|^2 / 2`` for the MSE loss;
without the clean baseline ``dL = L(perturbed)`` adds the loss value ``L_0``: ``q -> q + L_0``);
online teacher-student: ``E = W - W*``, ``M = E[E^T E]``, ``x ~ N(0, C)``, update
``W <- W - eta Ghat Q``.

Examples
--------
>>> from analysis.derivations import estimator_moments
>>> estimator_moments(isotropic=True)["variance"]
|g|^2*|x|^2*(N + 1)
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence

import sympy as sp

from .isserlis import (
    LATEX_NAMES,
    Context,
    Derived,
    Elem,
    Key,
    Poly,
    canon,
    elems_text,
    expect,
    invariant,
    to_poly,
)

__all__ = [
    "COS",
    "L0",
    "Derived",
    "N",
    "N_l",
    "N_o",
    "alignment",
    "d",
    "depth_moments",
    "estimator_moments",
    "eta",
    "invariant",
    "latex_equations",
    "recursion",
    "recursion_terms",
    "sigma",
    "white_rates",
    "white_recursion",
]

N = sp.Symbol("N", positive=True, integer=True)
"""Number of perturbed units (output dimension)."""
d = sp.Symbol("d", positive=True, integer=True)
"""Input dimension."""
N_l = sp.Symbol("N_l", positive=True, integer=True)
"""Units of the layer under study (T2)."""
N_o = sp.Symbol("N_o", positive=True, integer=True)
"""Perturbed units of all other layers together (T2)."""
sigma = sp.Symbol("sigma", nonnegative=True)
"""Perturbation standard deviation."""
eta = sp.Symbol("eta", positive=True)
"""Learning rate."""
L0 = sp.Symbol("L_0", real=True)
"""Per-sample loss of the clean forward pass (enters only when the baseline is not subtracted)."""

RULES = ("gd", "np", "wp")

# --------------------------------------------------------------------------------------------
# T1 / T4: single-sample node-perturbation estimator
# --------------------------------------------------------------------------------------------


@functools.cache
def _estimator(
    isotropic: bool, quadratic: bool, proj: str | None, baseline: bool = True
) -> dict[str, Derived]:
    ctx = Context({"N": N, "d": d})
    g, x = ctx.tensor("g", ("N",)), ctx.tensor("x", ("d",))
    if not isotropic:
        ctx.tensor("Sigma", ("N", "N"), symmetric=True)
    cov = None if isotropic else "Sigma"
    xis = {f: ctx.gaussian_vector(f, "N", sigma**2, cov) for f in ("xi", "xi2")}
    P = ctx.tensor("P", ("d", "d"), symmetric=True, idem=proj == "idempotent") if proj else None

    def G(fam: str, i: str, a: str) -> Poly:
        """(G P)_{ia} = (g.xi + q) xi_i (P x)_a / sigma^2 (+ L_0 in dL without the baseline)."""
        xi, k = xis[fam], ctx.index("N")
        dl = g(k) * xi(k)
        if quadratic:
            m = ctx.index("N")
            dl = dl + sp.Rational(1, 2) * xi(m) * xi(m)
        if not baseline:  # dL = L(perturbed) = L_0 + (L(perturbed) - L(clean))
            dl = dl + Poly([(L0, ())])
        if P is None:
            xa = x(a)
        else:
            b = ctx.index("d")
            xa = x(b) * P(b, a)
        return sigma**-2 * dl * xi(i) * xa

    i, a = ctx.index("N"), ctx.index("d")
    mean = canon(ctx, expect(ctx, G("xi", i, a), ["xi"]), (i, a))
    second = canon(ctx, expect(ctx, G("xi", i, a) * G("xi", i, a), ["xi"]))
    # |E G|^2 = E <G, G'> with G' an independent copy: no typed-in |mean|^2 needed.
    cross = canon(ctx, expect(ctx, G("xi", i, a) * G("xi2", i, a), ["xi", "xi2"]))
    return {"mean": mean, "second_moment": second, "variance": second - cross}


def estimator_moments(
    isotropic: bool = False,
    quadratic: bool = False,
    proj: str | None = None,
    baseline: bool = True,
) -> dict[str, sp.Expr]:
    """Moments of the single-sample NP estimator ``G = (g.xi + q) xi (P x)^T / sigma^2`` (T1, T4).

    Parameters
    ----------
    isotropic : bool
        ``xi ~ N(0, sigma^2 I)`` if True, else ``xi ~ N(0, sigma^2 Sigma)``.
    quadratic : bool
        Include the MSE term ``q = |xi|^2 / 2`` (exact estimator for the squared loss);
        False gives the linearised estimator (``q = 0``).
    proj : {None, "symmetric", "idempotent"}
        Input-side projector ``P`` (symmetric; ``"idempotent"`` uses ``P^2 = P``).
    baseline : bool
        True: ``dL = L(perturbed) - L(clean)``.  False: the clean baseline is not subtracted,
        ``dL = L(perturbed)``, which adds the clean loss value :data:`L0` to ``g.xi + q``;
        the moments are then shown as polynomials in ``L_0``.

    Returns
    -------
    dict
        ``mean`` (matrix expression), ``second_moment`` ``E|G|_F^2`` and ``variance``
        ``E|G - EG|_F^2`` (scalars in the invariants, e.g. ``g^T Sigma g``, ``tr(Sigma)``).

    Examples
    --------
    >>> m = estimator_moments()
    >>> m["mean"]
    Sigma*g*x.T
    >>> m["second_moment"]
    |x|^2*(g^T Sigma g*tr(Sigma) + 2*g^T Sigma^2 g)
    >>> estimator_moments(isotropic=True, proj="idempotent")["variance"]
    |Px|^2*|g|^2*(N + 1)

    Without the clean baseline the variance gains ``L_0^2 N |x|^2 / sigma^2``:

    >>> estimator_moments(isotropic=True, baseline=False)["variance"]
    L_0**2*N*|x|^2/sigma**2 + |g|^2*|x|^2*(N + 1)
    """
    if proj not in (None, "symmetric", "idempotent"):
        raise ValueError(f"proj must be None, 'symmetric' or 'idempotent', got {proj!r}")
    der = _estimator(isotropic, quadratic, proj, bool(baseline))
    collect = _collect if baseline else lambda e: _in_powers(e, L0)
    return {k: collect(v.sympy()) if k != "mean" else v.sympy() for k, v in der.items()}


def _collect(expr: sp.Expr) -> sp.Expr:
    return sp.factor(sp.expand(expr))


# --------------------------------------------------------------------------------------------
# T1: alignment of the single-sample estimate with the true gradient
# --------------------------------------------------------------------------------------------

COS = sp.Symbol("cos(xi, g)", real=True)
"""Cosine between the perturbation ``xi`` and the gradient ``g`` (one sample)."""


def _gamma_to_loggamma(expr: sp.Expr) -> sp.Expr:
    """``log(expr)`` with ``log(Gamma(.))`` written as ``loggamma(.)`` (no overflow, has a series
    at infinity).  Use a positive non-integer variable: sympy rewrites ``loggamma`` of
    half-integer-valued arguments of an integer symbol."""
    out = sp.expand_log(sp.log(expr), force=True)
    return out.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
        lambda e: sp.loggamma(e.args[0].args[0]),
    )


@functools.cache
def alignment() -> dict[str, sp.Expr]:
    """Expected cosine between the linearised single-sample NP estimate and the true gradient (T1).

    ``G = (g.xi) xi x^T / sigma^2`` with ``xi ~ N(0, sigma^2 I_N)`` against ``g x^T``, derived in
    three steps:

    1. *cosine* (Isserlis-engine contraction, no expectation): ``<G, g x^T>_F = (g.xi)^2 |x|^2 /
       sigma^2`` and ``|G|_F = |g.xi| |xi| |x| / sigma^2``, so ``cos(G, g x^T) = |cos(xi, g)|``,
       whatever ``x`` and ``sigma``;
    2. *expected*: by rotation invariance ``E|cos(xi, g)| = E|u_1|`` for ``u = z / |z|``,
       ``z ~ N(0, I_N)``; the radius ``|z|`` is independent of the direction ``u``, so
       ``E|z_1| = E|z| E|u_1|`` and ``E|u_1| = E|z_1| / E|z|``, both Gaussian integrals done by
       sympy (``E|z|`` over the chi density ``r^(N-1) exp(-r^2/2)``);
    3. *asymptotic*: the series at ``N -> oo`` of ``log E|u_1|`` (log-Gamma expansion); its
       non-vanishing part gives the leading term, the rest the relative correction.

    Returns
    -------
    dict
        ``cosine`` (in terms of ``cos(xi, g)``), ``expected`` (exact, Gamma functions),
        ``expected_rf`` (the same as ``1 / (sqrt(pi) RisingFactorial(N/2, 1/2))``, checked equal;
        numerically stable at large ``N``), ``asymptotic`` (leading term) and ``correction``
        (``expected / asymptotic`` to ``O(N^-3)``).

    Examples
    --------
    >>> a = alignment()
    >>> a["cosine"]
    Abs(cos(xi, g))
    >>> a["expected"]
    gamma(N/2)/(sqrt(pi)*gamma(N/2 + 1/2))
    >>> a["asymptotic"]
    sqrt(2)/(sqrt(pi)*sqrt(N))
    >>> a["correction"]
    1 + 1/(4*N) + 1/(32*N**2)
    """
    # 1. the cosine, contracted by the engine (xi is a plain vector here: no expectation)
    ctx = Context({"N": N, "d": d})
    g, x, xi = ctx.tensor("g", ("N",)), ctx.tensor("x", ("d",)), ctx.tensor("xi", ("N",))

    def G(i: str, a: str) -> Poly:
        k = ctx.index("N")
        return sigma**-2 * g(k) * xi(k) * xi(i) * x(a)

    def contract(f: Callable[[str, str], Poly], h: Callable[[str, str], Poly]) -> sp.Expr:
        i, a = ctx.index("N"), ctx.index("d")
        return canon(ctx, f(i, a) * h(i, a)).sympy()

    true = lambda i, a: g(i) * x(a)  # noqa: E731
    inner, g_norm2, t_norm2 = contract(G, true), contract(G, G), contract(true, true)
    sym = {s.name: s for s in inner.free_symbols | g_norm2.free_symbols | t_norm2.free_symbols}
    pos = {s: sp.Symbol(n, positive=True) for n, s in sym.items() if n.startswith("|")}
    pos[sigma] = sp.Symbol("sigma", positive=True)
    g2, xi2 = pos[sym["|g|^2"]], pos[sym["|xi|^2"]]
    pos[sym["g^T xi"]] = COS * sp.sqrt(g2) * sp.sqrt(xi2)  # g.xi = |g| |xi| cos(xi, g)
    # <G, g x^T> is a square times positive invariants, so cos = +sqrt(cos^2)
    if not inner.xreplace(pos).is_nonnegative:
        raise RuntimeError(f"<G, g x^T> should be nonnegative, got {inner}")
    cosine = sp.sqrt(sp.simplify((inner**2 / (g_norm2 * t_norm2)).xreplace(pos)))
    if cosine.free_symbols != {COS}:
        raise RuntimeError(f"cos(G, g x^T) should depend on cos(xi, g) only, got {cosine}")

    # 2. E|u_1| = E|z_1| / E|z|
    z, r = sp.symbols("z r", positive=True)
    e_abs_z1 = 2 * sp.integrate(z * sp.exp(-(z**2) / 2), (z, 0, sp.oo)) / sp.sqrt(2 * sp.pi)
    chi = sp.integrate(r**N * sp.exp(-(r**2) / 2), (r, 0, sp.oo)) / sp.integrate(
        r ** (N - 1) * sp.exp(-(r**2) / 2), (r, 0, sp.oo)
    )
    expected = sp.gammasimp(e_abs_z1 / chi)
    expected_rf = 1 / (sp.sqrt(sp.pi) * sp.rf(N / 2, sp.S.Half))  # Gamma(N/2 + 1/2) / Gamma(N/2)
    if sp.gammasimp(expected_rf.rewrite(sp.gamma) - expected) != 0:
        raise RuntimeError("the Pochhammer form of E|u_1| does not match the derived one")

    # 3. N -> oo: log E|u_1| = (log of the leading power law) + O(1/N)
    n, w = sp.Symbol("n", positive=True), sp.Symbol("w", positive=True)  # w = 1 / N
    log_e = _gamma_to_loggamma(expected.subs(N, n))
    series = sp.expand(sp.series(log_e, n, sp.oo, 4).removeO())
    lead = sp.Add(*(t for t in series.args if sp.limit(t, n, sp.oo) != 0))
    rest = (series - lead).subs(n, 1 / w)
    asymptotic = sp.powsimp(sp.expand_log(sp.exp(lead), force=True)).subs(n, N)
    correction = sp.series(sp.exp(rest), w, 0, 3).removeO().subs(w, 1 / N)
    return {
        "cosine": cosine,
        "expected": expected,
        "expected_rf": expected_rf,
        "asymptotic": sp.simplify(asymptotic),
        "correction": correction,
    }


# --------------------------------------------------------------------------------------------
# T2: all layers perturbed, one shared dL
# --------------------------------------------------------------------------------------------


@functools.cache
def _depth() -> dict[str, Derived]:
    ctx = Context({"N_l": N_l, "N_o": N_o, "d": d})
    gl, go, x = ctx.tensor("g_l", ("N_l",)), ctx.tensor("g_o", ("N_o",)), ctx.tensor("x", ("d",))
    xil = ctx.gaussian_vector("xi", "N_l", sigma**2)
    xio = ctx.gaussian_vector("xi_o", "N_o", sigma**2)

    def G(i: str, a: str) -> Poly:
        """G_l = dL xi_l x_l^T / sigma^2 with dL = sum over ALL layers g_m . xi_m (linearised)."""
        k, m = ctx.index("N_l"), ctx.index("N_o")
        dl = gl(k) * xil(k) + go(m) * xio(m)
        return sigma**-2 * dl * xil(i) * x(a)

    i, a = ctx.index("N_l"), ctx.index("d")
    fams = ["xi", "xi_o"]
    return {
        "mean": canon(ctx, expect(ctx, G(i, a), fams), (i, a)),
        "second_moment": canon(ctx, expect(ctx, G(i, a) * G(i, a), fams)),
    }


def depth_moments() -> dict[str, sp.Expr]:
    """Layer-``l`` estimator moments when every layer is perturbed and dL is shared (T2).

    The other layers are lumped into one Gaussian vector of ``N_o`` units (exact: a concatenation
    of independent Gaussians is Gaussian); ``|g|^2 = |g_l|^2 + |g_o|^2`` is the gradient over all
    perturbed units.

    Examples
    --------
    >>> m = depth_moments()
    >>> m["mean"]
    g_l*x.T
    >>> m["second_moment"]
    |x|^2*(N_l*|g|^2 + 2*|g_l|^2)
    """
    der = _depth()
    total = sp.Symbol("|g|^2")
    LATEX_NAMES[total] = r"\lVert g\rVert^{2}"
    second = der["second_moment"].sympy()
    second = second.subs(sp.Symbol("|g_o|^2"), total - sp.Symbol("|g_l|^2"))
    return {"mean": der["mean"].sympy(), "second_moment": _collect(second)}


# --------------------------------------------------------------------------------------------
# T5: exact second-moment recursions for online teacher-student learning
# --------------------------------------------------------------------------------------------


@functools.cache
def _recursion(rule: str, white: bool) -> Derived:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    ctx = Context({"N": N, "d": d})
    E = ctx.tensor("E", ("N", "d"))
    ctx.tensor("M", ("d", "d"), symmetric=True)
    ctx.rules.append(((("E", True), ("E", False)), (("M", False),)))  # E^T E -> M
    if not white:
        ctx.tensor("C", ("d", "d"), symmetric=True)
        Q = ctx.tensor("Q", ("d", "d"), symmetric=True)
    x = ctx.gaussian_vector("x", "d", sp.Integer(1), None if white else "C")
    fams = ["x"]

    def r(i: str) -> Poly:  # residual W x - y* = E x
        c = ctx.index("d")
        return E(i, c) * x(c)

    def dot(u: Callable[[str], Poly], v: Callable[[str], Poly]) -> Poly:
        k = ctx.index("N")
        return u(k) * v(k)

    def scalar_fn(expr: Poly) -> Callable[[], Poly]:
        """Simplify a scalar once, then re-instantiate it with fresh indices on each use."""
        der = canon(ctx, expr)
        return lambda: to_poly(ctx, der)

    if rule == "np":
        xi = ctx.gaussian_vector("xi", "N", sigma**2)
        fams.append("xi")
        u = lambda k: r(k) + xi(k)  # noqa: E731  (perturbed output minus target)
        dl = scalar_fn(sp.Rational(1, 2) * (dot(u, u) - dot(r, r)))
    elif rule == "wp":
        Psi = ctx.gaussian_matrix("Psi", ("N", "d"), sigma**2)
        fams.append("Psi")

        def u(k: str) -> Poly:  # (W + Psi) x - y* = (E + Psi) x
            c = ctx.index("d")
            return (E(k, c) + Psi(k, c)) * x(c)

        dl = scalar_fn(sp.Rational(1, 2) * (dot(u, u) - dot(r, r)))

    def ghat(i: str, b: str) -> Poly:
        if rule == "gd":
            return r(i) * x(b)
        if rule == "np":
            return sigma**-2 * dl() * xi(i) * x(b)
        return sigma**-2 * dl() * Psi(i, b)

    def e_new(i: str, a: str) -> Poly:  # E' = E - eta Ghat Q
        if white:
            return E(i, a) - eta * ghat(i, a)
        b = ctx.index("d")
        return E(i, a) - eta * ghat(i, b) * Q(b, a)

    a, b, i = ctx.index("d"), ctx.index("d"), ctx.index("N")
    if white:  # tr M' = sum_a M'_aa
        return canon(ctx, expect(ctx, e_new(i, a) * e_new(i, a), fams))
    return canon(ctx, expect(ctx, e_new(i, a) * e_new(i, b), fams), (a, b))


def recursion_terms(rule: str) -> tuple[tuple[Key, sp.Expr], ...]:
    """Structured form of the T5 recursion ``M_{t+1} = sum_k coef_k * monomial_k`` (for numerics).

    Each monomial is linear in ``M`` (or free of it: the noise floor). See :class:`Derived`.

    Examples
    --------
    >>> for (closed, opened), coef in recursion_terms("gd"):
    ...     print(closed, opened[0][2], coef)
    () (('M', False),) 1
    () (('M', False), ('C', False), ('Q', False)) -eta
    () (('Q', False), ('C', False), ('M', False)) -eta
    () (('Q', False), ('C', False), ('M', False), ('C', False), ('Q', False)) 2*eta**2
    (('tr', 'd', (('C', False), ('M', False))),) (('Q', False), ('C', False), ('Q', False)) eta**2
    """
    return _recursion(rule, False).terms


def recursion(rule: str) -> sp.MatrixExpr:
    """``M_{t+1}`` as a sympy matrix expression in ``M = M_t``, ``C``, ``Q`` (T5).

    Examples
    --------
    >>> sorted(str(t) for t in recursion("gd").args)
    ['(-eta)*M*C*Q', '(-eta)*Q*C*M', '(2*eta**2)*Q*C*M*C*Q', '(eta**2*tr(C M))*Q*C*Q', 'M']
    """
    return _recursion(rule, False).sympy()


def white_recursion(rule: str) -> sp.Expr:
    """``m_{t+1}`` for white inputs, ``C = Q = I``, with ``m = |E|_F^2 = tr M`` (T5).

    Examples
    --------
    >>> a = white_recursion("np").coeff(sp.Symbol("m"))
    >>> sp.expand(a - (1 - 2 * eta + eta**2 * (N + 2) * (d + 2)))
    0
    """
    expr = _recursion(rule, True).sympy()
    return sp.expand(expr.subs(sp.Symbol("tr(M)"), sp.Symbol("m")))


def white_rates(rule: str) -> dict[str, sp.Expr]:
    """Optimal and maximal learning rate, contraction and floor for white inputs (sympy solved).

    ``m' = a m + b``: ``eta_opt`` minimises ``a``, ``eta_max`` solves ``a = 1``; the asymptotic
    loss is ``floor = b / (2 (1 - a))`` (loss = m / 2 for ``C = I``).

    Examples
    --------
    >>> white_rates("np")["eta_opt"]
    1/((N + 2)*(d + 2))
    >>> white_rates("gd")["eta_max"]
    2/(d + 2)
    """
    m = sp.Symbol("m")
    expr = white_recursion(rule)
    a = sp.expand(expr.coeff(m))
    b = sp.expand(expr - a * m)
    (eta_opt,) = sp.solve(sp.diff(a, eta), eta)
    (eta_max,) = [s for s in sp.solve(sp.Eq(a, 1), eta) if s != 0]
    return {
        "contraction": sp.factor(a),
        "drive": sp.factor(b),
        "eta_opt": sp.factor(eta_opt),
        "eta_max": sp.factor(eta_max),
        "floor": sp.factor(b / (2 * (1 - a))),
    }


# --------------------------------------------------------------------------------------------
# LaTeX
# --------------------------------------------------------------------------------------------


def _tex(expr: sp.Expr) -> str:
    return sp.latex(expr, symbol_names=LATEX_NAMES)


def _tex_terms(parts: Sequence[tuple[sp.Expr, str]]) -> str:
    """Join ``coefficient * matrix`` terms (same matrices merged), sign in front."""
    merged: dict[str, sp.Expr] = {}
    for coef, mat in parts:
        merged[mat] = merged.get(mat, 0) + coef
    out = []
    for mat, coef in merged.items():
        coef = sp.factor(coef)
        neg = sp.Mul.make_args(coef)[0].is_negative is True or (
            isinstance(coef, sp.Mul) and coef.could_extract_minus_sign()
        )
        c = -coef if neg else coef
        mat = mat or "I"
        if c == 1:
            body = mat
        elif isinstance(c, sp.Add):
            body = rf"\left({_tex(c)}\right) {mat}"
        else:
            body = f"{_tex(c)} {mat}"
        sign = "-" if neg else "+"
        out.append(f" {sign} {body}" if out else ("-" if neg else "") + body)
    return "".join(out)


def _tex_recursion(rule: str) -> str:
    """``M' = M - eta(...) + eta^2 Q[...]Q + eta^2 sigma^2 Q[...]Q`` from the derived terms."""
    groups: dict[tuple[int, int], list[tuple[sp.Expr, tuple[Elem, ...]]]] = defaultdict(list)
    for (closed, opened), coef in recursion_terms(rule):
        poly = sp.Poly(coef, eta, sigma)
        for (p, s), c in zip(poly.monoms(), poly.coeffs(), strict=True):
            scal = c * sp.Mul(*(invariant(item) for item in closed))
            groups[p, s].append((scal, opened[0][2]))
    out = ""
    for p, s in sorted(groups):
        items = groups[p, s]
        wrap = p == 2 and all(e[0] == ("Q", False) and e[-1] == ("Q", False) for _, e in items)
        mats = [(c, elems_text(e[1:-1] if wrap else e, True)) for c, e in items]
        if p == 0:
            out += _tex_terms(mats)
        elif p == 1 and all(c == -1 for c, _ in items):
            out += rf" - \eta\left({_tex_terms([(sp.Integer(1), m) for _, m in mats])}\right)"
        else:
            pre = _tex(eta**p * sigma**s)
            inner = _tex_terms(mats)
            body = rf"Q\left[{inner}\right]Q" if wrap else rf"\left[{inner}\right]"
            out += f" + {pre} {body}"
    return "M' = " + out


def _in_powers(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """``sum_p factor(c_p) var^p``: a polynomial with factored coefficients, for display."""
    poly = sp.Poly(sp.expand(expr), var)
    return sp.Add(
        *(sp.factor(c) * var**p for (p,), c in zip(poly.monoms(), poly.coeffs(), strict=True))
    )


@functools.cache
def latex_equations() -> dict[str, str]:
    """LaTeX bodies (no ``$``) of every derived equation, keyed ``T1_...`` to ``T5_...``.

    Examples
    --------
    >>> eqs = latex_equations()
    >>> eqs["T1_mean"]
    '\\\\mathbb{E}[G] = \\\\Sigma g x^{T}'
    >>> sorted(eqs)[:3]
    ['T1_alignment', 'T1_mean', 'T1_mse_second_moment_isotropic']
    """
    G = r"\mathbb{E}\lVert G\rVert_F^{2}"
    V = r"\mathbb{E}\lVert G - \mathbb{E}G\rVert_F^{2}"
    gen, iso = estimator_moments(), estimator_moments(isotropic=True)
    mse = estimator_moments(isotropic=True, quadratic=True)
    proj = estimator_moments(isotropic=True, proj="idempotent")
    nb_gen = estimator_moments(baseline=False)
    nb_iso = estimator_moments(isotropic=True, baseline=False)
    Gt = r"\mathbb{E}\lVert \tilde{G}\rVert_F^{2}"  # no baseline: dL = L(perturbed)
    Vt = r"\mathbb{E}\lVert \tilde{G} - \mathbb{E}\tilde{G}\rVert_F^{2}"
    al = alignment()
    depth = depth_moments()
    eqs = {
        "T1_mean": r"\mathbb{E}[G] = " + _tex(gen["mean"]),
        "T1_second_moment": f"{G} = " + _tex(gen["second_moment"]),
        "T1_variance": f"{V} = " + _tex(gen["variance"]),
        "T1_second_moment_isotropic": f"{G} = " + _tex(iso["second_moment"]),
        "T1_variance_isotropic": f"{V} = " + _tex(iso["variance"]),
        "T1_mse_second_moment_isotropic": f"{G} = " + _tex(mse["second_moment"]),
        "T1_no_baseline_mean": r"\mathbb{E}[\tilde{G}] = " + _tex(nb_gen["mean"]),
        "T1_no_baseline_second_moment": f"{Gt} = " + _tex(nb_gen["second_moment"]),
        "T1_no_baseline_variance_isotropic": f"{Vt} = " + _tex(nb_iso["variance"]),
        "T1_alignment": r"\mathbb{E}\cos\left(G, g x^{\top}\right) = "
        + r"\mathbb{E}\left\lvert\cos(\xi, g)\right\rvert = "
        + _tex(al["expected"])
        + r" = "
        + _tex(al["asymptotic"])
        + rf"\left({_tex(al['correction'])} + O\left(N^{{-3}}\right)\right)",
        "T2_mean": r"\mathbb{E}[G_l] = " + _tex(depth["mean"]),
        "T2_second_moment": r"\mathbb{E}\lVert G_l\rVert_F^{2} = " + _tex(depth["second_moment"]),
        "T4_mean": r"\mathbb{E}[G P] = " + _tex(proj["mean"]),
        "T4_variance": r"\mathbb{E}\lVert GP - \mathbb{E}GP\rVert_F^{2} = "
        + _tex(proj["variance"]),
    }
    for rule in RULES:
        eqs[f"T5_{rule}"] = _tex_recursion(rule)
        rates = white_rates(rule)
        drive = f" + {_tex(rates['drive'])}" if rates["drive"] != 0 else ""
        a = _tex(_in_powers(rates["contraction"], eta))
        eqs[f"T5_white_{rule}"] = rf"m' = \left({a}\right) m{drive}"
        eqs[f"T5_white_{rule}_eta_opt"] = r"\eta^{*} = " + _tex(rates["eta_opt"])
        eqs[f"T5_white_{rule}_eta_max"] = r"\eta_{\max} = " + _tex(rates["eta_max"])
    return eqs
