"""The Isserlis engine behind `analysis.derivations`: Gaussian expectations of index-notation
polynomials, contracted into canonical traces, scalars and open chains.

1. an expression is written in index notation as a polynomial (`Poly`) in index-labelled
   factors (constant vectors/matrices such as ``g``, ``x``, ``E``, ``Q`` and Gaussian factors
   such as ``xi_i`` or ``Psi_ia``), declared in a `Context` (index spaces, tensors, Gaussian
   families and their covariances, rewrite rules such as ``P P = P``);
2. `expect` takes the expectation over each independent zero-mean Gaussian family: the sum over
   all perfect pairings of its factors, each pair replaced by its covariance (Isserlis / Wick);
3. `canon` contracts the resulting tensor network into canonical chains (`Derived`): traces
   ``tr(A B ...)``, scalars ``u^T A B v`` and open chains carrying the free indices;
   `Derived.sympy` gives sympy expressions, with scalar invariants as symbols (`invariant`).

The engine knows nothing of LOCO: the estimators, recursions and their symbols live in
`analysis.derivations`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import sympy as sp

__all__ = [
    "LATEX_NAMES",
    "Context",
    "Derived",
    "Elem",
    "Factor",
    "Key",
    "Poly",
    "canon",
    "elems_text",
    "expect",
    "invariant",
    "to_poly",
]

# --------------------------------------------------------------------------------------------
# The Isserlis engine
# --------------------------------------------------------------------------------------------

Factor = tuple[str, tuple[str, ...]]  # (tensor name, indices)
Elem = tuple[str, bool]  # (matrix name, transposed) inside a chain
Key = tuple[tuple, tuple]  # (sorted closed items, open items)


@dataclass(frozen=True)
class Tensor:
    spaces: tuple[str, ...]
    symmetric: bool = False
    idempotent: bool = False


class Poly:
    """A sum of ``coefficient * product of index-labelled factors`` (repeated indices summed)."""

    __slots__ = ("terms",)

    def __init__(self, terms: Sequence[tuple[sp.Expr, tuple[Factor, ...]]] = ()) -> None:
        self.terms = list(terms)

    def __add__(self, other: Poly) -> Poly:
        return Poly(self.terms + other.terms)

    def __sub__(self, other: Poly) -> Poly:
        return self + (-1) * other

    def __mul__(self, other: Poly | sp.Expr | int) -> Poly:
        if isinstance(other, Poly):
            return Poly([(a * b, f + h) for a, f in self.terms for b, h in other.terms])
        return Poly([(c * other, f) for c, f in self.terms])

    __rmul__ = __mul__


class Context:
    """Index spaces, tensor metadata, Gaussian covariances and rewrite rules of one derivation."""

    def __init__(self, dims: dict[str, sp.Expr]) -> None:
        self.dims = dims
        self.space: dict[str, str] = {}
        self.tensors: dict[str, Tensor] = {"I": Tensor(("*", "*"), symmetric=True)}
        self.cov: dict[str, Callable[[tuple, tuple], tuple[sp.Expr, tuple[Factor, ...]]]] = {}
        self.rules: list[tuple[tuple[Elem, ...], tuple[Elem, ...]]] = []
        self._n = 0

    def index(self, space: str) -> str:
        self._n += 1
        name = f"{space}_{self._n}"
        self.space[name] = space
        return name

    def tensor(
        self, name: str, spaces: tuple[str, ...], *, symmetric: bool = False, idem: bool = False
    ) -> Callable[..., Poly]:
        self.tensors[name] = Tensor(spaces, symmetric, idem)
        if idem:
            self.rules.append((((name, False), (name, False)), ((name, False),)))
        return lambda *idx: Poly([(sp.Integer(1), ((name, tuple(idx)),))])

    def gaussian_vector(
        self, name: str, space: str, scale: sp.Expr, cov: str | None = None
    ) -> Callable[..., Poly]:
        """Zero-mean Gaussian vector with covariance ``scale * cov`` (identity if None)."""
        k = cov or "I"
        self.cov[name] = lambda i, j: (scale, ((k, (i[0], j[0])),))
        return self.tensor(name, (space,))

    def gaussian_matrix(self, name: str, spaces: tuple[str, str], scale: sp.Expr):
        """Matrix with i.i.d. ``N(0, scale)`` entries."""
        self.cov[name] = lambda i, j: (scale, (("I", (i[0], j[0])), ("I", (i[1], j[1]))))
        return self.tensor(name, spaces)

    def flip(self, elems: Sequence[Elem]) -> tuple[Elem, ...]:
        """Elements of the reversed chain (transpose of a product)."""
        return tuple((n, not t and not self.tensors[n].symmetric) for n, t in reversed(elems))


def _pairings(items: list) -> Iterator[list[tuple]]:
    """All perfect matchings of ``items`` ((2n-1)!! of them)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for k in range(len(rest)):
        for tail in _pairings(rest[:k] + rest[k + 1 :]):
            yield [(first, rest[k]), *tail]


def expect(ctx: Context, poly: Poly, families: Sequence[str]) -> Poly:
    """Expectation over independent zero-mean Gaussian families (Isserlis' theorem)."""
    out = []
    for coef, factors in poly.terms:
        groups: dict[str, list[Factor]] = {f: [] for f in families}
        rest = []
        for fac in factors:
            (groups[fac[0]] if fac[0] in groups else rest).append(fac)
        if any(len(g) % 2 for g in groups.values()):
            continue  # odd Gaussian moments vanish
        for combo in itertools.product(*(list(_pairings(g)) for g in groups.values())):
            c, new = coef, list(rest)
            for pairing in combo:
                for f1, f2 in pairing:
                    scale, facs = ctx.cov[f1[0]](f1[1], f2[1])
                    c = c * scale
                    new.extend(facs)
            out.append((c, tuple(new)))
    return Poly(out)


def _rewrite(ctx: Context, elems: Sequence[Elem], cyclic: bool) -> tuple[Elem, ...]:
    """Drop identities, apply ``E^T E -> M`` and idempotency until nothing changes."""
    elems = [e for e in elems if e[0] != "I"]
    changed = True
    while changed:
        changed = False
        n = len(elems)
        for pat, rep in ctx.rules:
            k = len(pat)
            if n < k:
                continue
            for s in range(n if cyclic else n - k + 1):
                if tuple(elems[(s + t) % n] for t in range(k)) == pat:
                    if cyclic:
                        elems = elems[s:] + elems[:s]
                        s = 0
                    elems = elems[:s] + list(rep) + elems[s + k :]
                    changed = True
                    break
            if changed:
                break
    return tuple(elems)


def _canon_term(ctx: Context, factors: tuple[Factor, ...], free: tuple[str, ...]):
    """Contract one monomial into (extra coefficient, canonical key)."""
    occ: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p, (_, idx) in enumerate(factors):
        for s, i in enumerate(idx):
            occ[i].append((p, s))
    for i, o in occ.items():
        if len(o) != (1 if i in free else 2):
            raise ValueError(f"index {i} occurs {len(o)} times")
    used = [False] * len(factors)
    coef = sp.Integer(1)

    def walk(i: str, came: tuple[int, int] | None):
        elems: list[Elem] = []
        while True:
            nxt = [o for o in occ[i] if o != came]
            if not nxt:
                return elems, ("f", i)
            p, s = nxt[0]
            used[p] = True
            name, idx = factors[p]
            if len(idx) == 1:
                return elems, ("v", name)
            elems.append((name, s == 1 and not ctx.tensors[name].symmetric))
            i, came = idx[1 - s], (p, 1 - s)

    opened, closed, done = [], [], set()
    for a in free:
        if a in done:
            continue
        elems, end = walk(a, None)
        if end[0] == "f":
            done.add(end[1])
        elems = _rewrite(ctx, elems, cyclic=False)
        if end[0] == "f" and not elems:
            elems = (("I", False),)  # a bare Kronecker delta between two free indices
        opened.append(("open", a, elems, end))
    for p, (name, idx) in enumerate(factors):
        if used[p] or len(idx) != 1:
            continue
        used[p] = True
        elems, end = walk(idx[0], (p, 0))
        elems = _rewrite(ctx, elems, cyclic=False)
        left, right = ("v", name), end
        cand = min((left, elems, right), (right, ctx.flip(elems), left))
        closed.append(("dot", *cand))
    for p, (name, idx) in enumerate(factors):
        if used[p]:
            continue
        used[p] = True
        space = ctx.space[idx[0]]
        elems, i, came = [(name, False)], idx[1], (p, 1)
        while True:
            (q, s) = next(o for o in occ[i] if o != came)
            if (q, s) == (p, 0):
                break
            used[q] = True
            nm, ix = factors[q]
            elems.append((nm, s == 1 and not ctx.tensors[nm].symmetric))
            i, came = ix[1 - s], (q, 1 - s)
        elems = _rewrite(ctx, elems, cyclic=True)
        if not elems:
            coef = coef * ctx.dims[space]  # tr(I) = dimension
            continue
        rots = [
            tuple(e[k:] + e[:k]) for e in (tuple(elems), ctx.flip(elems)) for k in range(len(e))
        ]
        first, t = (best := min(rots))[0]
        closed.append(("tr", ctx.tensors[first].spaces[1 if t else 0], best))
    return coef, (tuple(sorted(closed)), tuple(opened))


@dataclass(frozen=True)
class Derived:
    """A derived expression: canonical monomials ``key -> coefficient``.

    ``key = (closed, open)``: ``closed`` is a sorted tuple of scalar invariants
    (``("tr", space, elems)`` or ``("dot", left, elems, right)``) and ``open`` the chains ending at
    the free indices (``("open", index, elems, end)``).  ``elems`` is a tuple of
    ``(matrix name, transposed)``.
    """

    terms: tuple[tuple[Key, sp.Expr], ...]
    free: tuple[str, ...]
    dims: tuple[tuple[str, sp.Expr], ...]
    idempotent: tuple[str, ...] = ()
    shapes: tuple[tuple[str, tuple[str, ...], bool], ...] = ()  # (name, spaces, symmetric)

    def __sub__(self, other: Derived) -> Derived:
        acc: dict[Key, sp.Expr] = dict(self.terms)
        for k, c in other.terms:
            acc[k] = sp.expand(acc.get(k, 0) - c)
        terms = tuple((k, c) for k, c in acc.items() if c != 0)
        return Derived(terms, self.free, self.dims, self.idempotent, self.shapes)

    def sympy(self) -> sp.Expr:
        """The expression in sympy (scalar, or a matrix expression for two free indices)."""
        dims = dict(self.dims)
        total = sp.Integer(0) if not self.free else None
        for (closed, opened), coef in self.terms:
            scal = sp.factor(coef) * sp.Mul(*(invariant(c, self.idempotent) for c in closed))
            term = scal if not opened else scal * _open_matrix(opened, dims, self.shapes)
            total = term if total is None else total + term
        return total if total is not None else sp.Integer(0)


def canon(ctx: Context, poly: Poly, free: tuple[str, ...] = ()) -> Derived:
    acc: dict[Key, list[sp.Expr]] = defaultdict(list)
    for coef, factors in poly.terms:
        extra, key = _canon_term(ctx, factors, free)
        acc[key].append(coef * extra)
    terms = tuple((k, c) for k, cs in acc.items() if (c := sp.expand(sp.Add(*cs))) != 0)
    idem = tuple(n for n, t in ctx.tensors.items() if t.idempotent)
    shapes = tuple((n, t.spaces, t.symmetric) for n, t in ctx.tensors.items() if n != "I")
    return Derived(terms, free, tuple(ctx.dims.items()), idem, shapes)


def to_poly(ctx: Context, der: Derived) -> Poly:
    """Re-expand a scalar derived expression into factors with fresh indices."""

    def chain(start: str, elems: Sequence[Elem]) -> tuple[list[Factor], str]:
        facs, i = [], start
        for name, t in elems:
            sp_ = ctx.tensors[name].spaces
            j = ctx.index(sp_[0] if t else sp_[1])
            facs.append((name, (j, i) if t else (i, j)))
            i = j
        return facs, i

    out = []
    for (closed, opened), coef in der.terms:
        if opened:
            raise ValueError("only scalar expressions can be re-expanded")
        facs: list[Factor] = []
        for item in closed:
            if item[0] == "dot":
                _, (_, u), elems, (_, v) = item
                i = ctx.index(ctx.tensors[u].spaces[0])
                f, j = chain(i, elems)
                facs += [(u, (i,)), *f, (v, (j,))]
            else:
                _, space, elems = item
                i = ctx.index(space)
                f, j = chain(i, elems)
                f[-1] = (f[-1][0], tuple(i if k == j else k for k in f[-1][1]))
                facs += f
        out.append((coef, tuple(facs)))
    return Poly(out)


# --------------------------------------------------------------------------------------------
# Turning canonical monomials into sympy objects
# --------------------------------------------------------------------------------------------

_LATEX = {"Sigma": r"\Sigma", "xi": r"\xi", "Psi": r"\Psi", "g_l": "g_l", "g_o": "g_o"}


def elems_text(elems: Sequence[Elem], latex: bool) -> str:
    groups = [(k, len(list(g))) for k, g in itertools.groupby(elems)]
    parts = []
    for (name, t), n in groups:
        s = _LATEX.get(name, name) if latex else name
        if t:
            s += r"^{\top}" if latex else "^T"
        if n > 1:
            s = f"{s}^{{{n}}}" if latex else f"{s}^{n}"
        parts.append(s)
    return " ".join(parts)


def _invariant_names(item: tuple, idempotent: Sequence[str]) -> tuple[str, str]:
    if item[0] == "tr":
        return f"tr({elems_text(item[2], False)})", (
            rf"\operatorname{{tr}}({elems_text(item[2], True)})"
        )
    _, (_, u), elems, (_, v) = item
    lu, lv = _LATEX.get(u, u), _LATEX.get(v, v)
    if u == v and not elems:
        return f"|{u}|^2", rf"\lVert {lu}\rVert^{{2}}"
    if u == v and len(elems) == 1 and elems[0][0] in idempotent:  # x^T P x = |P x|^2
        p = elems[0][0]
        return f"|{p}{u}|^2", rf"\lVert {_LATEX.get(p, p)} {lu}\rVert^{{2}}"
    mid = elems_text(elems, False)
    return (f"{u}^T {mid} {v}" if mid else f"{u}^T {v}"), (
        rf"{lu}^{{\top}} {elems_text(elems, True)} {lv}"
    )


LATEX_NAMES: dict[sp.Symbol, str] = {}


def invariant(item: tuple | str, idempotent: Sequence[str] = ()) -> sp.Symbol:
    """The sympy symbol of a scalar invariant (a canonical item, or its printed name).

    ``idempotent`` names the symmetric projectors ``P`` for which ``x^T P x`` prints as ``|Px|^2``.

    Examples
    --------
    >>> invariant("tr(C M)")
    tr(C M)
    """
    if isinstance(item, str):
        return sp.Symbol(item)
    name, latex = _invariant_names(item, idempotent)
    sym = sp.Symbol(name)
    LATEX_NAMES[sym] = latex
    return sym


def _open_matrix(opened: tuple, dims: dict[str, sp.Expr], tensors: tuple) -> sp.MatrixExpr:
    """Matrix expression of the open chains (one chain a -> b, or an outer product)."""
    shapes = {n: s for n, s, _ in tensors}
    symmetric = {n for n, _, sym in tensors if sym}

    def mats(elems: Sequence[Elem]) -> list[sp.MatrixExpr]:
        out = []
        for name, t in elems:
            if name != "I":
                m = sp.MatrixSymbol(name, *(dims[s] for s in shapes[name]))
                out.append(m.T if t else m)
        return out

    def vec(name: str) -> sp.MatrixExpr:
        return sp.MatrixSymbol(name, dims[shapes[name][0]], 1)

    if len(opened) == 1 and opened[0][3][0] == "f":
        ms = mats(opened[0][2])
        space = opened[0][1].rsplit("_", 1)[0]  # indices are named "<space>_<n>"
        return sp.MatMul(*ms) if ms else sp.Identity(dims[space])
    (_, _, left, (_, u)), (_, _, right, (_, v)) = opened
    # (A u)(B v)^T = A u v^T B^T; transposes of symmetric matrices are dropped.
    row = [
        m.T if not (isinstance(m, sp.MatrixSymbol) and m.name in symmetric) else m
        for m in reversed(mats(right))
    ]
    row = [m.arg if isinstance(m, sp.Transpose) else m for m in row]
    return sp.MatMul(*mats(left), vec(u), vec(v).T, *row)
