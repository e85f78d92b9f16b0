"""Closed-form checks of analysis.lowrank (T3): spectra, effective rank, angles, rank bounds."""

import numpy as np
import pytest
import scipy.linalg
from scipy.stats import ortho_group

from analysis.lowrank import (
    check_batch_update_rank,
    covariance_spectrum,
    effective_rank,
    numerical_rank,
    orthonormal_basis,
    participation_ratio,
    principal_angles,
    row_space_fraction,
    singular_values,
)


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([20240611, *key])


def test_singular_values_are_descending_absolute_diagonal() -> None:
    np.testing.assert_allclose(singular_values(np.diag([-2.0, 5.0, 1.0])), [5.0, 2.0, 1.0])


def test_covariance_spectrum_equals_eigenvalues_of_numpy_cov() -> None:
    x = _rng(1).standard_normal((40, 6)) @ _rng(2).standard_normal((6, 6))
    expected = np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False)))[::-1]
    np.testing.assert_allclose(covariance_spectrum(x), expected, rtol=1e-10)
    second = np.sort(np.linalg.eigvalsh(x.T @ x / 40))[::-1]
    np.testing.assert_allclose(covariance_spectrum(x, center=False), second, rtol=1e-10)


def test_covariance_spectrum_of_rank_deficient_activity_has_k_nonzero_values() -> None:
    x = _rng(3).standard_normal((100, 3)) @ _rng(4).standard_normal((3, 12))
    lam = covariance_spectrum(x)
    assert lam.shape == (12,)
    assert np.all(lam[3:] < 1e-12 * lam[0])
    assert np.all(lam[:3] > 1e-3 * lam[0])


@pytest.mark.parametrize("k", [1, 2, 5, 9])
def test_participation_ratio_of_k_equal_eigenvalues_is_k(k: int) -> None:
    spectrum = np.r_[np.full(k, 2.5), np.zeros(4)]
    assert participation_ratio(spectrum) == pytest.approx(k, rel=1e-14)
    q = ortho_group.rvs(k + 4, random_state=_rng(5, k))
    cov = q @ np.diag(spectrum) @ q.T
    assert participation_ratio((cov + cov.T) / 2) == pytest.approx(k, rel=1e-10)


def test_participation_ratio_of_known_spectrum() -> None:
    # (3 + 1)^2 / (9 + 1) = 1.6 ; low rank k plus isotropic eps^2 in d dims:
    assert participation_ratio([3.0, 1.0]) == pytest.approx(1.6, rel=1e-15)
    k, d, eps2 = 4, 40, 0.09
    lam = np.r_[np.full(k, 1 + eps2), np.full(d - k, eps2)]
    expected = (k + d * eps2) ** 2 / (k * (1 + eps2) ** 2 + (d - k) * eps2**2)
    assert participation_ratio(lam) == pytest.approx(expected, rel=1e-14)


def test_effective_rank_of_known_spectra() -> None:
    assert effective_rank([4.0, 4.0, 4.0, 0.0]) == pytest.approx(3.0, rel=1e-14)
    p = np.array([2.0, 1.0]) / 3.0
    assert effective_rank([2.0, 1.0]) == pytest.approx(np.exp(-np.sum(p * np.log(p))), rel=1e-14)
    m = _rng(6).standard_normal((7, 3)) @ _rng(7).standard_normal((3, 9))
    assert effective_rank(m) == pytest.approx(effective_rank(singular_values(m)), rel=1e-14)
    assert 1.0 <= effective_rank(m) <= 3.0 + 1e-9


def test_numerical_rank_of_product_of_random_factors() -> None:
    for r in (1, 3, 6):
        m = _rng(8, r).standard_normal((10, r)) @ _rng(9, r).standard_normal((r, 15))
        assert numerical_rank(m) == r
    assert numerical_rank(np.diag([1.0, 1e-3, 1e-9])) == 3
    assert numerical_rank(np.diag([1.0, 1e-3, 1e-9]), rtol=1e-6) == 2
    assert numerical_rank(np.diag([1.0, 1e-3, 1e-9]), tol=0.5) == 1


def test_principal_angles_of_constructed_subspaces_are_exact_to_machine_precision() -> None:
    """Guarantee: a few machine epsilons absolute for every angle (sine formula near 0)."""
    d = 8
    q = ortho_group.rvs(d, random_state=_rng(10))
    thetas = np.array([0.0, 0.4, 1.1])
    a = q[:, :3]
    b = np.stack([np.cos(t) * q[:, i] + np.sin(t) * q[:, 3 + i] for i, t in enumerate(thetas)], 1)
    mix = _rng(11).standard_normal((3, 3))  # another basis of the same spans
    np.testing.assert_allclose(principal_angles(a @ mix, b), thetas, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(principal_angles(q[:, :2], q[:, 2:5]), [np.pi / 2] * 2, atol=1e-12)


def test_principal_angles_resolve_tiny_angles_and_agree_with_scipy_on_generic_ones() -> None:
    d = 10
    q = ortho_group.rvs(d, random_state=_rng(16))
    for tiny in (1e-9, 1e-12):
        b = np.cos(tiny) * q[:, :1] + np.sin(tiny) * q[:, 5:6]
        assert principal_angles(q[:, :2], b) == pytest.approx([tiny], rel=1e-3)
    a, b = _rng(17).standard_normal((d, 3)), _rng(18).standard_normal((d, 4))
    expected = np.sort(scipy.linalg.subspace_angles(a, b))
    np.testing.assert_allclose(principal_angles(a, b), expected, rtol=1e-10)
    assert principal_angles(b, a).shape == (3,)


def test_row_space_fraction_of_constructed_matrix() -> None:
    d = 6
    q = ortho_group.rvs(d, random_state=_rng(12))
    u, w = q[:, 0], q[:, 4]  # u in span(q[:, :3]), w orthogonal to it
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    m = np.outer(a, u) + np.outer(b, w)
    expected = (a @ a) / (a @ a + b @ b)
    assert row_space_fraction(m, q[:, :3] @ _rng(13).standard_normal((3, 3))) == pytest.approx(
        expected, rel=1e-12
    )
    assert row_space_fraction(m, q) == pytest.approx(1.0, rel=1e-12)


def test_orthonormal_basis_spans_columns() -> None:
    v = _rng(14).standard_normal((9, 2)) @ _rng(15).standard_normal((2, 5))
    qb = orthonormal_basis(v)
    assert qb.shape == (9, 2)
    np.testing.assert_allclose(qb.T @ qb, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(qb @ qb.T @ v, v, atol=1e-10)


@pytest.mark.parametrize(("b", "n", "d"), [(3, 5, 8), (10, 4, 8), (12, 6, 5), (1, 3, 3)])
def test_batch_np_update_rank_is_bounded_and_rows_lie_in_input_span(b: int, n: int, d: int) -> None:
    rng = _rng(16, b, n, d)
    x = rng.standard_normal((b, d))
    xi = rng.standard_normal((b, n))
    dl = rng.standard_normal(b)
    update = np.einsum("b,bi,bj->ij", dl, xi, x) / b  # (1/B) sum_b dL_b xi_b x_b^T
    res = check_batch_update_rank(update, x)
    assert res.bound == min(b, n, d)
    assert res.rank == min(b, n, d)  # generic data attains the bound
    assert res.relative_residual < 1e-12
    assert res.satisfied()


def test_accumulated_updates_lie_in_span_of_all_inputs_seen_not_last_batch() -> None:
    rng = _rng(17)
    d, n = 12, 4
    batches = [rng.standard_normal((2, d)) for _ in range(3)]
    total = sum(rng.standard_normal((n, 2)) @ xb for xb in batches)
    all_inputs = np.vstack(batches)
    assert check_batch_update_rank(total, all_inputs).relative_residual < 1e-12
    last = check_batch_update_rank(total, batches[-1])
    assert last.relative_residual > 0.3
    assert not last.satisfied()


def test_rank_check_detects_update_outside_span() -> None:
    rng = _rng(18)
    x = rng.standard_normal((2, 6))
    stray = np.outer(rng.standard_normal(3), np.linalg.svd(x)[2][-1])  # orthogonal to span x
    res = check_batch_update_rank(stray, x)
    assert res.relative_residual == pytest.approx(1.0, rel=1e-12)
    assert not res.satisfied()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: singular_values(np.ones(3)), "matrix"),
        (lambda: participation_ratio([1.0, -1.0]), "cov_or_spectrum"),
        (lambda: participation_ratio(np.ones((2, 3))), "cov_or_spectrum"),
        (lambda: participation_ratio(np.array([[1.0, 2.0], [0.0, 1.0]])), "cov_or_spectrum"),
        (lambda: effective_rank([0.0, 0.0]), "matrix_or_singular_values"),
        (lambda: numerical_rank(np.eye(2), tol=-1.0), "tol"),
        (lambda: covariance_spectrum(np.ones((1, 3))), "samples"),
        (lambda: principal_angles(np.ones((3, 1)), np.ones((4, 1))), "a and b"),
        (lambda: row_space_fraction(np.ones((2, 3)), np.ones((4, 1))), "basis"),
        (lambda: row_space_fraction(np.zeros((2, 3)), np.ones((3, 1))), "matrix"),
        (lambda: check_batch_update_rank(np.ones((2, 3)), np.ones((4, 5))), "inputs"),
        (lambda: orthonormal_basis(np.zeros((3, 2))), "vectors"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()
