"""Synthetic generators: covariances within stated standard errors, exact ranks and subspaces,
labels equal to their teachers', and compatibility with the sim.data tools."""

import numpy as np
import pytest

from sim.data import Dataset, batches, class_split, one_hot
from sim.synthetic import clustered_tasks, lowrank_plus_noise, nonlinear_teacher, teacher_student

Z = 5.0  # tolerance in standard errors


def assert_covariance_within_se(x: np.ndarray, cov: np.ndarray) -> None:
    """Zero-mean sample covariance vs ``cov``: Var(x_i x_j) = C_ii C_jj + C_ij^2 (Gaussian)."""
    n = len(x)
    sample = x.T @ x / n
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    assert np.all(np.abs(sample - cov) <= Z * se), np.max(np.abs(sample - cov) / se)


def random_cov(d: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


# ------------------------------------------------------------------------ linear teacher-student


def test_teacher_student_inputs_have_the_requested_covariance():
    rng = np.random.default_rng([1, 1])
    cov = random_cov(6, rng)
    ds = teacher_student(6, 2, 40000, rng, cov=cov)
    assert_covariance_within_se(ds.train_x, cov)
    np.testing.assert_array_equal(ds.meta["cov"], cov)


def test_teacher_student_white_inputs_by_default():
    ds = teacher_student(5, 1, 40000, np.random.default_rng([1, 2]))
    assert_covariance_within_se(ds.train_x, np.eye(5))


def test_teacher_student_singular_covariance_keeps_inputs_in_its_range():
    rng = np.random.default_rng([1, 3])
    v = np.linalg.qr(rng.standard_normal((8, 2)))[0]
    cov = v @ v.T
    ds = teacher_student(8, 3, 20000, rng, cov=cov)
    residual = ds.train_x - ds.train_x @ v @ v.T
    assert np.abs(residual).max() < 1e-10
    assert_covariance_within_se(ds.train_x @ v, np.eye(2))


def test_teacher_student_noise_free_targets_are_exactly_the_teacher_outputs():
    ds = teacher_student(7, 3, 50, np.random.default_rng(4), n_val=5, n_test=9)
    w = ds.meta["teacher_w"]
    assert w.shape == (3, 7) and ds.n_classes == 0
    for split, n in (("train", 50), ("val", 5), ("test", 9)):
        x, y = getattr(ds, f"{split}_x"), getattr(ds, f"{split}_y")
        assert x.shape == (n, 7) and y.shape == (n, 3)
        np.testing.assert_allclose(y, x @ w.T, rtol=0, atol=1e-12)


def test_teacher_student_noise_variance_and_teacher_scale_within_standard_errors():
    n_in, n_out, n, noise = 50, 40, 20000, 0.3
    ds = teacher_student(n_in, n_out, n, np.random.default_rng([1, 5]), noise=noise)
    w = ds.meta["teacher_w"]
    # teacher entries N(0, 1/n_in): sample variance has SE s^2 sqrt(2/m)
    m = w.size
    assert abs(w.var() - 1 / n_in) <= Z * (1 / n_in) * np.sqrt(2 / m)
    residual = ds.train_y - ds.train_x @ w.T
    per_output = (residual**2).mean(axis=0)
    assert np.all(np.abs(per_output - noise**2) <= Z * noise**2 * np.sqrt(2 / n))


def test_teacher_student_is_deterministic_in_the_rng():
    a, b = (teacher_student(4, 2, 10, np.random.default_rng(9), noise=0.1) for _ in range(2))
    np.testing.assert_array_equal(a.train_x, b.train_x)
    np.testing.assert_array_equal(a.train_y, b.train_y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_in": 0}, "n_in"),
        ({"n_samples": -1}, "n_samples"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"cov": np.eye(3)}, r"cov must be a finite \(4, 4\)"),
        ({"cov": np.triu(np.ones((4, 4)))}, "symmetric"),
        ({"cov": np.diag([1.0, 1.0, -0.5, 1.0])}, "positive semi-definite"),
        ({"n_test": 1.5}, "n_test"),
        ({"rng": 3}, "rng"),
    ],
)
def test_teacher_student_rejects_bad_arguments(kwargs, match):
    args = {"n_in": 4, "n_out": 2, "n_samples": 10, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(ValueError, match=match):
        teacher_student(**args)


# --------------------------------------------------------------------------- nonlinear teacher


def test_nonlinear_teacher_labels_are_the_argmax_of_its_clipped_relu_network():
    ds = nonlinear_teacher(12, 20, 5, 300, np.random.default_rng(2), n_val=50, n_test=100)
    w1, b1, w2, b2 = (ds.meta[k] for k in ("w1", "b1", "w2", "b2"))
    assert w1.shape == (20, 12) and w2.shape == (5, 20)
    for split in ("train", "val", "test"):
        x = getattr(ds, f"{split}_x")
        assert x.min() >= 0.0 and x.max() <= 1.0
        logits = np.minimum(np.maximum(x @ w1.T + b1, 0.0), 1.0) @ w2.T + b2
        np.testing.assert_array_equal(getattr(ds, f"{split}_y"), np.argmax(logits, axis=1))


def test_nonlinear_teacher_hidden_preactivations_have_mean_and_sd_one_half():
    n_in, n_hidden, n = 40, 60, 20000
    ds = nonlinear_teacher(n_in, n_hidden, 3, n, np.random.default_rng([2, 1]), balance=False)
    w1, b1 = ds.meta["w1"], ds.meta["b1"]
    var = (w1**2).sum(axis=1) / 12  # exact variance of each unit under uniform inputs
    # the mean of every unit over the sample is 1/2 within Z standard errors
    pre = ds.train_x @ w1.T + b1
    assert np.all(np.abs(pre.mean(axis=0) - 0.5) <= Z * np.sqrt(var / n))
    # average variance 1/4: sum of n_in entries ~ (3/n_in) chi^2, SE (1/4) sqrt(2/(n_h n_in))
    assert abs(var.mean() - 0.25) <= Z * 0.25 * np.sqrt(2 / (n_hidden * n_in))
    np.testing.assert_allclose(np.linalg.norm(ds.meta["w2"], axis=1), 1.0)
    np.testing.assert_allclose(ds.meta["b2"], -0.5 * ds.meta["w2"].sum(axis=1))


@pytest.mark.parametrize("n_classes", [3, 10])
def test_nonlinear_teacher_balance_equalises_class_frequencies(n_classes):
    # Residual error of the calibration: pilot (8192) and sample sampling errors, about 4% of
    # 1/n_classes for 10 classes; 15% is > 4 of those combined standard errors.
    for seed in range(3):
        ds = nonlinear_teacher(30, 40, n_classes, 40000, np.random.default_rng([2, seed]))
        freq = np.bincount(ds.train_y, minlength=n_classes) / len(ds.train_y)
        assert np.all(np.abs(freq * n_classes - 1) < 0.15), freq


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_classes": 1}, "n_classes"), ({"n_hidden": 0}, "n_hidden"), ({"n_val": -3}, "n_val")],
)
def test_nonlinear_teacher_rejects_bad_arguments(kwargs, match):
    args = {"n_in": 4, "n_hidden": 5, "n_classes": 3, "n_samples": 10, **kwargs}
    with pytest.raises(ValueError, match=match):
        nonlinear_teacher(rng=np.random.default_rng(0), **args)


# ------------------------------------------------------------------------- low rank plus noise


def test_lowrank_plus_noise_has_covariance_v_vt_plus_eps2_identity():
    d, k, eps = 6, 2, 0.5
    x, v = lowrank_plus_noise(d, k, eps, 40000, np.random.default_rng([3, 1]))
    np.testing.assert_allclose(v.T @ v, np.eye(k), atol=1e-12)
    assert_covariance_within_se(x, v @ v.T + eps**2 * np.eye(d))


def test_lowrank_plus_noise_without_noise_lies_exactly_in_span_v_with_rank_k():
    x, v = lowrank_plus_noise(30, 4, 0.0, 200, np.random.default_rng([3, 2]))
    assert x.shape == (200, 30) and v.shape == (30, 4)
    assert np.linalg.matrix_rank(x) == 4
    np.testing.assert_allclose(x - x @ v @ v.T, 0.0, atol=1e-12)
    s = np.linalg.svd(x, compute_uv=False)
    assert s[3] > 0.5 * np.sqrt(200) and s[4] < 1e-10


def test_lowrank_plus_noise_rank_zero_is_isotropic_noise():
    x, v = lowrank_plus_noise(4, 0, 0.7, 40000, np.random.default_rng([3, 3]))
    assert v.shape == (4, 0)
    assert_covariance_within_se(x, 0.49 * np.eye(4))


def test_lowrank_plus_noise_subspace_changes_with_the_seed():
    _, v1 = lowrank_plus_noise(10, 3, 0.1, 5, np.random.default_rng(1))
    _, v2 = lowrank_plus_noise(10, 3, 0.1, 5, np.random.default_rng(2))
    assert np.linalg.norm(v1 @ v1.T - v2 @ v2.T) > 0.1


@pytest.mark.parametrize(
    "d, k, eps, n, match",
    [
        (3, 4, 0.1, 5, "k must be <= d"),
        (0, 0, 0.1, 5, "d"),
        (3, -1, 0.1, 5, "k"),
        (3, 1, -0.1, 5, "eps"),
        (3, 1, 0.1, -5, "n"),
    ],
)
def test_lowrank_plus_noise_rejects_bad_arguments(d, k, eps, n, match):
    with pytest.raises(ValueError, match=match):
        lowrank_plus_noise(d, k, eps, n, np.random.default_rng(0))


# --------------------------------------------------------------------------- clustered tasks


def test_clustered_tasks_lie_on_mutually_orthogonal_affine_subspaces():
    n_tasks, d, k, offset = 4, 30, 3, 2.0
    tasks = clustered_tasks(n_tasks, d, k, 500, np.random.default_rng([4, 1]), offset=offset)
    frames = []
    for t, task in enumerate(tasks):
        u, c = task.meta["basis"], task.meta["centre"]
        assert task.meta["task"] == t and u.shape == (d, k)
        assert abs(np.linalg.norm(c) - offset) < 1e-12
        centred = task.train_x - c
        np.testing.assert_allclose(centred - centred @ u @ u.T, 0.0, atol=1e-12)
        assert np.linalg.matrix_rank(centred) == k
        frames.append(np.column_stack([u, c / offset]))
    q = np.hstack(frames)
    np.testing.assert_allclose(q.T @ q, np.eye(n_tasks * (k + 1)), atol=1e-12)


def test_clustered_task_inputs_centre_and_spread_within_standard_errors():
    n = 20000
    (task,) = clustered_tasks(1, 10, 3, n, np.random.default_rng([4, 2]), offset=1.5)
    u, c = task.meta["basis"], task.meta["centre"]
    z = (task.train_x - c) @ u
    assert np.all(np.abs(task.train_x.mean(axis=0) - c) <= Z * np.sqrt(np.diag(u @ u.T) / n))
    assert_covariance_within_se(z, np.eye(3))


def test_clustered_tasks_share_one_teacher_orthogonal_to_the_centres():
    tasks = clustered_tasks(3, 20, 4, 300, np.random.default_rng([4, 3]), n_classes=4, eps=0.2)
    w = tasks[0].meta["teacher_w"]
    assert w.shape == (4, 20)
    for task in tasks:
        np.testing.assert_array_equal(task.meta["teacher_w"], w)
        np.testing.assert_allclose(w @ task.meta["centre"], 0.0, atol=1e-12)
        np.testing.assert_array_equal(task.train_y, np.argmax(task.train_x @ w.T, axis=1))


def test_clustered_tasks_two_classes_are_balanced_by_symmetry():
    n = 20000
    for task in clustered_tasks(2, 12, 3, n, np.random.default_rng([4, 4])):
        p = task.train_y.mean()
        assert abs(p - 0.5) <= Z * np.sqrt(0.25 / n)


def test_clustered_tasks_without_orthogonality_overlap_but_keep_their_subspaces():
    tasks = clustered_tasks(3, 8, 3, 50, np.random.default_rng([4, 5]), orthogonal=False)
    u0, u1 = tasks[0].meta["basis"], tasks[1].meta["basis"]
    np.testing.assert_allclose(u0.T @ u0, np.eye(3), atol=1e-12)
    assert np.abs(u0.T @ u1).max() > 0.05
    centred = tasks[1].train_x - tasks[1].meta["centre"]
    np.testing.assert_allclose(centred - centred @ u1 @ u1.T, 0.0, atol=1e-12)


def test_clustered_tasks_splits_and_centred_variant():
    tasks = clustered_tasks(
        2, 6, 3, 40, np.random.default_rng(0), offset=0.0, n_val_per_task=5, n_test_per_task=7
    )
    for task in tasks:
        assert (len(task.train_y), len(task.val_y), len(task.test_y)) == (40, 5, 7)
        np.testing.assert_array_equal(task.meta["centre"], 0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_tasks": 4, "d": 10, "k": 2}, r"n_tasks \* \(k \+ 1\) <= d"),
        ({"n_tasks": 6, "d": 10, "k": 2, "offset": 0.0}, r"n_tasks \* \(k\) <= d"),
        ({"k": 0}, "k"),
        ({"n_classes": 1}, "n_classes"),
        ({"eps": -1.0}, "eps"),
        ({"offset": -1.0}, "offset"),
        ({"n_test_per_task": -1}, "n_test_per_task"),
    ],
)
def test_clustered_tasks_reject_bad_arguments(kwargs, match):
    args = {"n_tasks": 2, "d": 10, "k": 2, "n_per_task": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        clustered_tasks(rng=np.random.default_rng(0), **args)


# ------------------------------------------------------- the same tools work on synthetic data


def test_synthetic_datasets_work_with_the_real_data_tools():
    ds = nonlinear_teacher(10, 10, 4, 200, np.random.default_rng(5), n_test=40)
    assert isinstance(ds, Dataset)
    tasks = class_split(ds, [(0, 1), (2, 3)], relabel=True)
    assert sum(len(t.train_y) for t in tasks) == 200
    assert one_hot(tasks[1].test_y, tasks[1].n_classes).shape == (len(tasks[1].test_y), 2)
    reg = teacher_student(3, 2, 10, np.random.default_rng(6))
    shapes = [(xb.shape, yb.shape) for xb, yb in batches(reg.train_x, reg.train_y, 4, None)]
    assert shapes == [((4, 3), (4, 2)), ((4, 3), (4, 2)), ((2, 3), (2, 2))]
