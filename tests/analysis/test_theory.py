"""Derivations (sympy) and estimator moments / learning rates (numpy) against references.

References are the closed forms quoted (typed here, in the tests only) and
Monte Carlo.  Statistical tolerances are stated in standard errors (SE), 5 SE throughout.
"""

import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from analysis import derivations as D
from analysis import theory as T

Z_TOL = 5.0  # standard errors


def inv(name):
    return D.invariant(name)


def zscore(samples, expected):
    """(sample mean - expected) / SE of the mean, elementwise over trailing axes."""
    m = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    return (m - expected) / se


# --------------------------------------------------------------------------------------------
# Derivations equal the closed forms of the theory brief
# --------------------------------------------------------------------------------------------


def test_t1_derived_moments_equal_closed_forms():
    N = D.N
    g_s_g, tr_s, x2, g_s2_g = (
        inv(n) for n in ("g^T Sigma g", "tr(Sigma)", "|x|^2", "g^T Sigma^2 g")
    )
    gen = D.estimator_moments()
    assert sp.simplify(gen["second_moment"] - x2 * (g_s_g * tr_s + 2 * g_s2_g)) == 0
    iso = D.estimator_moments(isotropic=True)
    g2 = inv("|g|^2")
    assert sp.simplify(iso["second_moment"] - (N + 2) * g2 * x2) == 0
    assert sp.simplify(iso["variance"] - (N + 1) * g2 * x2) == 0
    mse = D.estimator_moments(isotropic=True, quadratic=True)
    extra = D.sigma**2 * N * (N + 2) * (N + 4) * x2 / 4
    assert sp.simplify(mse["second_moment"] - iso["second_moment"] - extra) == 0
    assert str(gen["mean"]) == "Sigma*g*x.T"


def test_t1_no_baseline_derived_moments_equal_closed_forms():
    """Without the clean baseline dL gains L0: the mean is unchanged, E|G|^2 and the variance
    gain L0^2 tr(Sigma) |x|^2 / sigma^2 (isotropic: L0^2 N |x|^2 / sigma^2); the MSE estimator
    also gains the cross term 2 L0 E[|xi|^2/2 |xi|^2] |x|^2 / sigma^4 = L0 N (N+2) |x|^2."""
    N, s, L0 = D.N, D.sigma, D.L0
    x2, tr_s = inv("|x|^2"), inv("tr(Sigma)")
    for kwargs, extra in (
        ({}, L0**2 * tr_s * x2 / s**2),
        ({"isotropic": True}, L0**2 * N * x2 / s**2),
        ({"isotropic": True, "quadratic": True}, L0**2 * N * x2 / s**2 + L0 * N * (N + 2) * x2),
    ):
        base, nb = D.estimator_moments(**kwargs), D.estimator_moments(baseline=False, **kwargs)
        assert nb["mean"] == base["mean"], kwargs
        for key in ("second_moment", "variance"):
            assert sp.simplify(nb[key] - base[key] - extra) == 0, (kwargs, key)
    iso = D.estimator_moments(isotropic=True, baseline=False)["variance"]
    expected = (N + 1) * inv("|g|^2") * x2 + L0**2 * N * x2 / s**2
    assert sp.simplify(iso - expected) == 0


def test_t1_alignment_derivation():
    a = D.alignment()
    assert a["cosine"] == sp.Abs(D.COS)  # cos(G, g x^T) = |cos(xi, g)|
    N = D.N
    closed = sp.gamma(N / 2) / (sp.sqrt(sp.pi) * sp.gamma((N + 1) / 2))
    assert sp.gammasimp(a["expected"] - closed) == 0
    assert sp.simplify(a["asymptotic"] - sp.sqrt(2 / (sp.pi * N))) == 0
    assert sp.expand(a["correction"] - (1 + 1 / (4 * N) + 1 / (32 * N**2))) == 0
    # independent check: |u_1| of a uniform unit vector has density ~ (1 - t^2)^((n-3)/2)
    t = sp.Symbol("t", positive=True)
    for n in range(2, 8):
        dens = (1 - t**2) ** sp.Rational(n - 3, 2)
        ref = sp.integrate(t * dens, (t, 0, 1)) / sp.integrate(dens, (t, 0, 1))
        assert sp.simplify(a["expected"].subs(N, n) - ref) == 0, n
    assert a["expected"].subs(N, 1) == 1 and a["expected"].subs(N, 2) == 2 / sp.pi


def test_t2_depth_second_moment_equals_closed_form():
    expected = inv("|x|^2") * (D.N_l * inv("|g|^2") + 2 * inv("|g_l|^2"))
    assert sp.simplify(D.depth_moments()["second_moment"] - expected) == 0


def test_t4_projection_variance_equals_closed_form():
    m = D.estimator_moments(isotropic=True, proj="idempotent")
    assert sp.simplify(m["variance"] - (D.N + 1) * inv("|g|^2") * inv("|Px|^2")) == 0
    # a general symmetric (e.g. OWM) projector keeps x^T P^2 x
    m = D.estimator_moments(isotropic=True, proj="symmetric")
    assert sp.simplify(m["variance"] - (D.N + 1) * inv("|g|^2") * inv("x^T P^2 x")) == 0


def _explicit(expr, mats):
    """Substitute explicit 3x3 matrices (and the trace invariants) into a matrix expression."""
    e = expr.subs(D.d, 3)
    sub = {sp.MatrixSymbol(k, 3, 3): v for k, v in mats.items()}
    tr = {inv("tr(C M)"): (mats["C"] * mats["M"]).trace(), inv("tr(C)"): mats["C"].trace()}
    tr[inv("tr(C^2 M)")] = (mats["C"] ** 2 * mats["M"]).trace()
    tr[inv("tr(C^2)")] = (mats["C"] ** 2).trace()
    return sp.Matrix(e.xreplace(sub).xreplace(tr).doit())


def test_t5_recursions_equal_locomd_and_hand_derived_wp():
    rng = np.random.default_rng(0)

    def sym():
        a = sp.Matrix(3, 3, [sp.Rational(int(v), 7) for v in rng.integers(-9, 9, 9)])
        return a + a.T

    M, C, Q = sym(), sym(), sym()
    mats = {"M": M, "C": C, "Q": Q}
    N, s, e = D.N, D.sigma, D.eta
    tmc = (M * C).trace()
    first = M - e * (M * C * Q + Q * C * M)
    gd = first + e**2 * Q * (tmc * C + 2 * C * M * C) * Q
    npr = (
        first
        + e**2
        * Q
        * ((N + 2) * (tmc * C + 2 * C * M * C) + s**2 * N * (N + 2) * (N + 4) * C / 4)
        * Q
    )
    # WP derived by hand for this test (Isserlis on Psi, then on x):
    # E[Psi^T Psi dL^2] / sigma^4
    #   = |r|^2 (N |x|^2 I + 2 x x^T) + sigma^2 N (N+2) (|x|^2 x x^T + N |x|^4 I / 4)
    I3 = sp.eye(3)
    trc, trc2 = C.trace(), (C**2).trace()
    wp = (
        first
        + e**2
        * Q
        * (
            N * (tmc * trc + 2 * (M * C * C).trace()) * I3
            + 2 * (tmc * C + 2 * C * M * C)
            + s**2 * N * (N + 2) * (trc * C + 2 * C**2 + N * (trc**2 + 2 * trc2) * I3 / 4)
        )
        * Q
    )
    for rule, ref in (("gd", gd), ("np", npr), ("wp", wp)):
        diff = (_explicit(D.recursion(rule), mats) - ref).applyfunc(sp.expand)
        assert diff == sp.zeros(3, 3), rule


@pytest.mark.parametrize(
    "rule, eta_opt",
    [
        ("gd", 1 / (D.d + 2)),
        ("np", 1 / ((D.N + 2) * (D.d + 2))),
        ("wp", 1 / ((D.N * D.d + 2) * (D.d + 2))),
    ],
)
def test_t5_white_rates_equal_closed_forms(rule, eta_opt):
    rates = D.white_rates(rule)
    assert sp.simplify(rates["eta_opt"] - eta_opt) == 0
    assert sp.simplify(rates["eta_max"] - 2 * eta_opt) == 0


def test_t5_white_np_floor_matches_locomd():
    a, b = D.white_rates("np")["contraction"], D.white_rates("np")["drive"]
    N, d, e, s = D.N, D.d, D.eta, D.sigma
    assert sp.expand(a - (1 - 2 * e + e**2 * (N + 2) * (d + 2))) == 0
    assert sp.expand(b - e**2 * s**2 * N * (N + 2) * (N + 4) * d / 4) == 0


def test_latex_equations_cover_every_result():
    eqs = D.latex_equations()
    for key in ("T1_mean", "T1_variance_isotropic", "T2_second_moment", "T4_variance"):
        assert key in eqs
    assert r"\Gamma\left(\frac{N}{2}\right)" in eqs["T1_alignment"]
    assert r"\frac{\sqrt{2}}{\sqrt{\pi} \sqrt{N}}" in eqs["T1_alignment"]
    nb = eqs["T1_no_baseline_variance_isotropic"]
    assert r"\frac{L_{0}^{2} N \lVert x\rVert^{2}}{\sigma^{2}}" in nb
    assert r"\left(N + 1\right)" in nb
    for rule in D.RULES:
        assert eqs[f"T5_{rule}"].startswith("M' = M - \\eta")
        assert f"T5_white_{rule}_eta_opt" in eqs
    assert r"\left(N + 1\right)" in eqs["T1_variance_isotropic"]
    assert r"N_{l} \lVert g\rVert^{2} + 2 \lVert g_l\rVert^{2}" in eqs["T2_second_moment"]
    assert all(isinstance(v, str) and v.count("{") == v.count("}") for v in eqs.values())


def test_derivations_run_in_a_few_seconds():
    code = (
        "import time; t=time.perf_counter(); from analysis import derivations as D; "
        "D.latex_equations(); [D.recursion_terms(r) for r in D.RULES]; "
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = float(out.stdout.strip())
    print(f"all derivations from a cold start: {seconds:.2f} s")
    assert seconds < 10


# --------------------------------------------------------------------------------------------
# T1, T4: np_moments against Monte Carlo
# --------------------------------------------------------------------------------------------


def _np_samples(g, x, sigma, cov, proj, quadratic, n, rng, loss_value=None):
    """Samples of the estimator G (n, N, d), literally as defined (``loss_value``: the clean
    loss L0 that dL keeps when the baseline is not subtracted)."""
    L = np.linalg.cholesky(cov)
    xi = sigma * rng.standard_normal((n, g.size)) @ L.T
    dl = xi @ g + (0.5 * np.sum(xi**2, 1) if quadratic else 0.0)
    if loss_value is not None:
        dl = dl + loss_value
    px = x if proj is None else proj @ x
    G = (dl / sigma**2)[:, None, None] * xi[:, :, None] * px[None, None, :]
    return G


@pytest.mark.parametrize(
    "case", ["isotropic", "anisotropic", "anisotropic_mse", "isotropic_projected"]
)
def test_np_moments_match_monte_carlo(case):
    rng = np.random.default_rng(11)
    n_units, dim, sigma = 5, 4, 0.3
    g, x = rng.standard_normal(n_units), rng.standard_normal(dim)
    cov, proj = np.eye(n_units), None
    if case.startswith("anisotropic"):
        A = rng.standard_normal((n_units, n_units))
        cov = A @ A.T / n_units + 0.1 * np.eye(n_units)
    if case.endswith("projected"):
        V = np.linalg.qr(rng.standard_normal((dim, 2)))[0]
        proj = V @ V.T
    quadratic = case.endswith("mse")
    th = T.np_moments(
        g, x, sigma, None if case.startswith("iso") else cov, proj=proj, quadratic=quadratic
    )
    G = _np_samples(g, x, sigma, cov, proj, quadratic, 400_000, rng)
    z_mean = zscore(G, th["mean"])
    z_second = zscore(np.sum(G**2, axis=(1, 2)), th["second_moment"])
    z_var = zscore(np.sum((G - th["mean"]) ** 2, axis=(1, 2)), th["variance"])
    print(f"{case}: max|z| mean {np.abs(z_mean).max():.2f}, second {z_second:.2f}, var {z_var:.2f}")
    assert np.abs(z_mean).max() < Z_TOL
    assert abs(z_second) < Z_TOL
    assert abs(z_var) < Z_TOL


def test_np_moments_closed_form_isotropic():
    g, x = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.4])
    m = T.np_moments(g, x, sigma=0.2)
    g2, x2, N = g @ g, x @ x, g.size
    np.testing.assert_allclose(m["mean"], np.outer(g, x))
    np.testing.assert_allclose(m["second_moment"], (N + 2) * g2 * x2)
    np.testing.assert_allclose(m["variance"], (N + 1) * g2 * x2)
    mq = T.np_moments(g, x, sigma=0.2, quadratic=True)
    np.testing.assert_allclose(
        mq["second_moment"] - m["second_moment"], 0.2**2 * N * (N + 2) * (N + 4) * x2 / 4
    )


@pytest.mark.parametrize("case", ["isotropic", "anisotropic", "isotropic_mse"])
def test_np_moments_no_baseline_match_monte_carlo(case):
    rng = np.random.default_rng(12)
    n_units, dim, sigma, L0 = 5, 4, 0.3, 0.7  # L0 term ~ (N+1)|g|^2 term: both tested
    g, x = rng.standard_normal(n_units), rng.standard_normal(dim)
    cov = np.eye(n_units)
    if case == "anisotropic":
        A = rng.standard_normal((n_units, n_units))
        cov = A @ A.T / n_units + 0.1 * np.eye(n_units)
    quadratic = case.endswith("mse")
    kw = {"quadratic": quadratic, "baseline": False, "loss_value": L0}
    th = T.np_moments(g, x, sigma, None if case == "isotropic" else cov, **kw)
    base = T.np_moments(g, x, sigma, None if case == "isotropic" else cov, quadratic=quadratic)
    assert th["variance"] > 1.5 * base["variance"]  # the missing baseline matters here
    G = _np_samples(g, x, sigma, cov, None, quadratic, 200_000, rng, loss_value=L0)
    z_mean = zscore(G, th["mean"])
    z_second = zscore(np.sum(G**2, axis=(1, 2)), th["second_moment"])
    z_var = zscore(np.sum((G - th["mean"]) ** 2, axis=(1, 2)), th["variance"])
    zm = np.abs(z_mean).max()
    print(f"no baseline {case}: max|z| mean {zm:.2f}, second {z_second:.2f}, var {z_var:.2f}")
    assert np.abs(z_mean).max() < Z_TOL
    assert abs(z_second) < Z_TOL
    assert abs(z_var) < Z_TOL


def test_no_baseline_variance_grows_like_loss_squared_over_sigma_squared():
    rng = np.random.default_rng(13)
    g, x = rng.standard_normal(4), rng.standard_normal(3)
    N, g2, x2 = g.size, g @ g, x @ x
    sigmas, L0 = np.array([0.05, 0.2, 0.8]), 1.3

    def var(sigma, loss):
        return T.np_moments(g, x, sigma, baseline=False, loss_value=loss)["variance"]

    base = T.np_moments(g, x, 0.1)["variance"]
    excess = np.array([var(s, L0) - base for s in sigmas])
    np.testing.assert_allclose(excess, L0**2 * N * x2 / sigmas**2, rtol=1e-12)
    np.testing.assert_allclose(excess[:-1] / excess[1:], (sigmas[1:] / sigmas[:-1]) ** 2)
    np.testing.assert_allclose(var(0.2, 2 * L0) - base, 4 * excess[1], rtol=1e-12)
    np.testing.assert_allclose(var(0.2, 0.0), base)  # L0 = 0: baseline and none agree
    np.testing.assert_allclose(base, (N + 1) * g2 * x2)
    # Monte Carlo: the variance at each sigma, and its growth ratio between sigma values
    n, v_mc, se_mc = 200_000, [], []
    for s in sigmas:
        G = _np_samples(g, x, s, np.eye(N), None, False, n, rng, loss_value=L0)
        dev2 = np.sum((G - np.outer(g, x)) ** 2, axis=(1, 2))
        v_mc.append(dev2.mean())
        se_mc.append(dev2.std(ddof=1) / np.sqrt(n))
        z = zscore(dev2, var(s, L0))
        print(f"sigma {s}: var z {z:.2f}")
        assert abs(z) < Z_TOL
    v_mc, se_mc = np.array(v_mc), np.array(se_mc)
    ratio = v_mc[:-1] / v_mc[1:]
    se_ratio = ratio * np.sqrt((se_mc[:-1] / v_mc[:-1]) ** 2 + (se_mc[1:] / v_mc[1:]) ** 2)
    th_var = np.array([var(s, L0) for s in sigmas])
    th_ratio = th_var[:-1] / th_var[1:]
    z_ratio = (ratio - th_ratio) / se_ratio
    print("variance ratio across sigma: MC", ratio.round(3), "theory", th_ratio.round(3))
    print("  z", z_ratio.round(2))
    assert np.all(np.abs(z_ratio) < Z_TOL)
    assert ratio[0] > 10  # 1/sigma^2 growth: sigma / 4 gives about 16x the variance


# --------------------------------------------------------------------------------------------
# T1: alignment of the single-sample estimate with the true gradient
# --------------------------------------------------------------------------------------------


def _cosines(N, dim, sigma, n, rng, chunk=2_000):
    """Samples of cos(G, g x^T) with G = (g.xi) xi x^T / sigma^2 built literally (chunked)."""
    g, x = rng.standard_normal(N), rng.standard_normal(dim)
    true = np.outer(g, x)
    out = []
    for start in range(0, n, chunk):
        xi = sigma * rng.standard_normal((min(chunk, n - start), N))
        G = ((xi @ g) / sigma**2)[:, None, None] * xi[:, :, None] * x[None, None, :]
        inner = np.einsum("kia,ia->k", G, true)
        out.append(inner / (np.linalg.norm(G, axis=(1, 2)) * np.linalg.norm(true)))
    return np.concatenate(out)


@pytest.mark.parametrize("N", [1, 2, 3, 10, 50, 400])
def test_np_alignment_matches_monte_carlo(N):
    rng = np.random.default_rng(100 + N)
    cos = _cosines(N, 3, 0.2, 40_000, rng)
    th = T.np_alignment(N)
    if N == 1:  # rank one and collinear: the cosine is exactly 1
        np.testing.assert_allclose(cos, 1.0, rtol=1e-12)
        assert th == pytest.approx(1.0, rel=1e-12)
        return
    z = zscore(cos, th)
    print(f"N={N}: E cos MC {cos.mean():.5f}, exact {th:.5f}, z {z:.2f}")
    assert abs(z) < Z_TOL
    # a wrong constant fails: the asymptote at small N, and 1/sqrt(N) without sqrt(2/pi)
    if N <= 3:
        assert abs(zscore(cos, T.np_alignment(N, asymptotic=True))) > 3 * Z_TOL
    assert abs(zscore(cos, 1 / np.sqrt(N))) > 3 * Z_TOL


def test_np_alignment_large_n_asymptote():
    Ns = np.array([10, 100, 1_000, 10_000, 10**6, 10**9])
    exact, asym = T.np_alignment(Ns), T.np_alignment(Ns, asymptotic=True)
    np.testing.assert_allclose(asym, np.sqrt(2 / (np.pi * Ns)), rtol=1e-14)
    ratio = exact / asym
    # exact / asymptote = 1 + 1/(4N) + 1/(32 N^2) + O(N^-3) (derived): -> 1 from above
    assert np.all(ratio > 1) and np.all(np.diff(ratio) < 0)
    np.testing.assert_allclose(ratio - 1, 1 / (4 * Ns) + 1 / (32 * Ns**2.0), rtol=1e-2, atol=1e-14)
    # exact values against the closed form via math.lgamma (independent evaluation)
    for n in (2, 7, 50, 3_000):
        ref = math.exp(math.lgamma(n / 2) - math.lgamma((n + 1) / 2)) / math.sqrt(math.pi)
        assert T.np_alignment(n) == pytest.approx(ref, rel=1e-11)
    # Monte Carlo at large N agrees with both the exact value and the asymptote
    rng = np.random.default_rng(7)
    cos = _cosines(2_000, 1, 0.5, 20_000, rng, chunk=1_000)
    z_exact = zscore(cos, T.np_alignment(2_000))
    z_asym = zscore(cos, np.sqrt(2 / (np.pi * 2_000)))
    print(f"N=2000: z vs exact {z_exact:.2f}, vs sqrt(2/(pi N)) {z_asym:.2f}")
    assert abs(z_exact) < Z_TOL and abs(z_asym) < Z_TOL


def test_np_alignment_rejects_bad_input():
    for bad in (0, -3, 2.5, [], [2, 0], True, np.nan):
        with pytest.raises(ValueError, match="N must be"):
            T.np_alignment(bad)


# --------------------------------------------------------------------------------------------
# T2: depth, one shared dL over all layers
# --------------------------------------------------------------------------------------------


def test_depth_second_moments_match_monte_carlo():
    rng = np.random.default_rng(5)
    sizes, dims, sigma, n = (3, 6, 2), (4, 3, 5), 0.1, 300_000
    gs = [rng.standard_normal(k) for k in sizes]
    xs = [rng.standard_normal(k) for k in dims]
    xis = [sigma * rng.standard_normal((n, k)) for k in sizes]
    dl = sum(xi @ g for xi, g in zip(xis, gs, strict=True))
    th = T.depth_second_moments(gs, xs)
    zs = []
    for l, (xi, x) in enumerate(zip(xis, xs, strict=True)):
        norm2 = (dl / sigma**2) ** 2 * np.sum(xi**2, 1) * (x @ x)  # |G_l|_F^2 per sample
        zs.append(zscore(norm2, th[l]))
    print("depth z:", np.round(zs, 2))
    assert np.all(np.abs(zs) < Z_TOL)
    # the noise of each layer grows with the TOTAL perturbed units: single-layer formula is off
    single = [(k + 2) * (g @ g) * (x @ x) for k, g, x in zip(sizes, gs, xs, strict=True)]
    assert np.all(th > np.array(single))


# --------------------------------------------------------------------------------------------
# Learning rates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", D.RULES)
@pytest.mark.parametrize("n_out, dim", [(1, 3), (3, 8), (10, 40)])
def test_white_input_rates_equal_closed_forms(rule, n_out, dim):
    closed = {
        "gd": 1 / (dim + 2),
        "np": 1 / ((n_out + 2) * (dim + 2)),
        "wp": 1 / ((n_out * dim + 2) * (dim + 2)),
    }[rule]
    C = np.eye(dim)
    np.testing.assert_allclose(T.optimal_lr(rule, C, n_out), closed, rtol=1e-10)
    np.testing.assert_allclose(T.max_stable_lr(rule, C, n_out), 2 * closed, rtol=1e-10)
    # and the same with a projector on a white k-dim subspace: d -> k
    k = max(1, dim // 2)
    P = np.diag(np.r_[np.ones(k), np.zeros(dim - k)])
    closed_k = {
        "gd": 1 / (k + 2),
        "np": 1 / ((n_out + 2) * (k + 2)),
        "wp": None,  # WP noise lives in all d input directions: no reduction to k
    }[rule]
    if closed_k is not None:
        np.testing.assert_allclose(T.optimal_lr(rule, C, n_out, P), closed_k, rtol=1e-10)


def _full_map(rule, C, Q, n_out, eta):
    """The linear map M -> M' (sigma = 0) on symmetric d x d matrices, as a matrix."""
    dim = C.shape[0]
    step = T._dense_step(rule, C, Q, n_out, 0.0, eta)
    iu = np.triu_indices(dim)
    cols = []
    for i, j in zip(*iu, strict=True):
        B = np.zeros((dim, dim))
        B[i, j] = B[j, i] = 1.0
        cols.append(step(B)[iu])
    return np.array(cols).T


def _sorted_complex(v):
    v = np.asarray(v, dtype=complex)
    return v[np.lexsort((np.round(v.imag, 9), np.round(v.real, 9)))]


@pytest.mark.parametrize("rule", D.RULES)
@pytest.mark.parametrize("projected", [False, True])
def test_offdiagonals_decouple_and_contract_faster(rule, projected):
    """The full map on symmetric d x d matrices (d(d+1)/2 dimensional) has exactly the spectrum
    {d x d diagonal map} + {one scalar factor per off-diagonal pair} (+ unit frozen modes), and
    the off-diagonal factors of changing pairs are never larger than the diagonal map's radius."""
    rng = np.random.default_rng(3)
    dim, n_out = 6, 2
    U = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    c = np.array([2.0, 1.3, 0.9, 0.5, 0.2, 0.05])
    C = U @ np.diag(c) @ U.T
    Q = U[:, :3] @ U[:, :3].T if projected else np.eye(dim)
    proj = Q if projected else None
    prob = T._rate_problem(rule, C, n_out, proj)
    emax = T.max_stable_lr(rule, C, n_out, proj)
    n_frozen = dim - np.linalg.matrix_rank(Q)
    for eta in emax * np.array([0.1, 0.5, 1.0, 1.3]):
        full = np.linalg.eigvals(_full_map(rule, C, Q, n_out, eta))
        A = eta**2 * prob.S + np.diag(1 - eta * prob.D)
        rho_diag = np.abs(np.linalg.eigvals(A)).max()
        off = 1 - eta * prob.s_off + eta**2 * prob.p_off
        mix = 1 - eta * prob.s_mix + eta**2 * prob.p_mix
        frozen = np.ones(n_frozen * (n_frozen + 1) // 2)
        parts = np.concatenate([np.linalg.eigvals(A), off, mix, frozen])
        np.testing.assert_allclose(_sorted_complex(full), _sorted_complex(parts), atol=1e-10)
        assert np.abs(off).max() <= rho_diag * (1 + 1e-12)
        np.testing.assert_allclose(T._spectral_radius(prob, eta), rho_diag, rtol=1e-12)
        if projected:  # changing x frozen cross moments decay like the mean error, 1 - eta c q
            np.testing.assert_allclose(np.sort(mix), np.sort(np.repeat(1 - eta * c[:3], 3)))


@pytest.mark.parametrize("rule", D.RULES)
def test_coloured_rates_are_the_edge_and_the_minimum(rule):
    rng = np.random.default_rng(4)
    A = rng.standard_normal((7, 7))
    C = A @ A.T / 7 + 0.5 * np.eye(7)  # well conditioned: the asymptotic rate shows by t=400
    prob = T._rate_problem(rule, C, 3, None)
    emax, eopt = T.max_stable_lr(rule, C, 3), T.optimal_lr(rule, C, 3)
    assert T._spectral_radius(prob, emax) == pytest.approx(1.0, abs=1e-10)
    assert T._spectral_radius(prob, 0.999 * emax) < 1 < T._spectral_radius(prob, 1.001 * emax)
    r = T._spectral_radius(prob, eopt)
    for f in (0.9, 0.99, 1.01, 1.1):
        assert r < T._spectral_radius(prob, f * eopt)
    # the exact loss curve decays asymptotically by exactly this spectral radius per step
    rates = []
    for f in (0.7, 1.0, 1.4):
        rho = T._spectral_radius(prob, f * eopt)
        steps = int(150 / (1 - rho))  # loss ~ rho^t: deep in the asymptotic regime, no underflow
        curve = T.learning_curve(rule, C, 3, f * eopt, steps)
        rates.append((curve[-1] / curve[-101]) ** (1 / 100))
        np.testing.assert_allclose(rates[-1], rho, rtol=1e-5)
    assert rates[1] < rates[0] and rates[1] < rates[2]


def test_loco_planning_check_learning_rates():
    """T5 planning check of the project brief, N=10, d=40, k=4. The quoted rates
    0.0056 -> 0.0139 are those of a spectrum with signal eigenvalue 1 and noise eigenvalue 0.3;
    C = V V^T + eps^2 I with eps = 0.3 (eigenvalues 1.09 / 0.09) gives 0.0116 -> 0.0127 (see
    report)."""
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((40, 40)))[0]
    C = U @ np.diag(np.r_[np.ones(4), np.full(36, 0.3)]) @ U.T
    P = U[:, :4] @ U[:, :4].T
    pred = T.loco_speedup(C, P, n_out=10, steps=600)
    assert round(pred.eta_opt[0], 4) == 0.0056
    assert round(pred.eta_opt[1], 4) == 0.0139
    np.testing.assert_allclose(pred.eta_opt[1], 1 / ((10 + 2) * (4 + 2)), rtol=1e-10)
    C2, P2 = T.lowrank_plus_noise_cov(40, 4, 0.3, rng=0)
    pred2 = T.loco_speedup(C2, P2, n_out=10, steps=600)
    assert [round(e, 4) for e in pred2.eta_opt] == [0.0116, 0.0127]
    np.testing.assert_allclose(pred2.eta_opt[1], 1 / (12 * 6 * 1.09), rtol=1e-10)
    assert pred2.loss_ratio > 10 and pred.loss_ratio > 10


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rule": "sgd"}, "rule"),
        ({"C": np.array([[1.0, 0.5], [0.0, 1.0]])}, "C must be symmetric"),
        ({"C": np.array([[1.0, 0.0], [0.0, -1.0]])}, "C must be positive semidefinite"),
        ({"C": np.ones(3)}, "C must be a square"),
        ({"eta": 0.0}, "eta"),
        ({"eta": -1.0}, "eta"),
        ({"sigma": -0.1}, "sigma"),
        ({"n_out": 0}, "n_out"),
        ({"steps": -1}, "steps"),
        ({"E0": np.zeros((3, 2))}, "E0"),
        ({"proj": np.eye(3)}, "proj"),
        ({"proj": np.array([[1.0, 1.0], [0.0, 1.0]])}, "proj must be symmetric"),
    ],
)
def test_learning_curve_rejects_bad_input(kwargs, match):
    args = {"rule": "np", "C": np.eye(2), "n_out": 2, "eta": 0.1, "steps": 3}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        T.learning_curve(**args)


def test_rates_and_moments_reject_bad_input():
    with pytest.raises(ValueError, match="rule"):
        T.optimal_lr("bp", np.eye(2), 1)
    with pytest.raises(ValueError, match="C must be symmetric"):
        T.max_stable_lr("np", np.array([[1.0, 2.0], [0.0, 1.0]]), 1)
    with pytest.raises(ValueError, match="proj must commute"):
        T.optimal_lr("np", np.diag([1.0, 2.0]), 1, np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="proj must be positive semidefinite"):
        T.max_stable_lr("np", np.eye(2), 1, np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="cov must be positive semidefinite"):
        T.np_moments(np.ones(2), np.ones(3), 0.1, cov=-np.eye(2))
    with pytest.raises(ValueError, match="cov must have shape"):
        T.np_moments(np.ones(2), np.ones(3), 0.1, cov=np.eye(3))
    with pytest.raises(ValueError, match="sigma"):
        T.np_moments(np.ones(2), np.ones(3), -0.1)
    with pytest.raises(ValueError, match="g must be"):
        T.np_moments(np.ones((2, 2)), np.ones(3), 0.1)
    with pytest.raises(ValueError, match="loss_value"):
        T.np_moments(np.ones(2), np.ones(3), 0.1, baseline=False)
    with pytest.raises(ValueError, match="loss_value"):
        T.np_moments(np.ones(2), np.ones(3), 0.1, loss_value=1.0)
    with pytest.raises(ValueError, match="loss_value"):
        T.np_moments(np.ones(2), np.ones(3), 0.1, baseline=False, loss_value=np.inf)
    with pytest.raises(ValueError, match="sigma"):
        T.np_moments(np.ones(2), np.ones(3), 0.0, baseline=False, loss_value=1.0)
    with pytest.raises(ValueError, match="eps"):
        T.lowrank_plus_noise_cov(5, 2, -0.1)
    with pytest.raises(ValueError, match="k must be"):
        T.lowrank_plus_noise_cov(5, 6, 0.1)
