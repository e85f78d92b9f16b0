"""Synthetic data with known ground truth: teachers, chosen covariances, task subspaces.

Every generator draws from an explicit ``rng`` and returns the same `sim.data.Dataset` as the
real-image loader (train, validation and test splits drawn i.i.d. from one distribution, in that
order), with its ground truth (teacher weights, covariance, bases) in ``meta``.

- `teacher_student`: linear regression teacher ``y = W* x + noise``, ``x ~ N(0, C)``; the
  setting of the learning-curve theory (T5).
- `nonlinear_teacher`: a random classification task for spiking networks, inputs
  uniform in [0, 1] (valid rate-code intensities), labels the argmax of a 2-layer clipped-ReLU
  network.
- `lowrank_plus_noise`: ``x ~ N(0, V V^T + eps^2 I)`` with orthonormal ``V`` (d, k), the input
  model of LOCO's low-rank prediction.
- `clustered_tasks`: continual-learning tasks whose inputs lie on their own k-dim (affine)
  subspaces, labelled by one shared linear teacher.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .data import Dataset

__all__ = [
    "clustered_tasks",
    "lowrank_plus_noise",
    "nonlinear_teacher",
    "orthonormal_basis",
    "teacher_student",
]


def _count(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _nonneg(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(f"{what} must be a real number >= 0, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    return rng


def _splits(x: np.ndarray, y: np.ndarray, n_train: int, n_val: int) -> dict[str, np.ndarray]:
    cut = (n_train, n_train + n_val)
    xs, ys = np.split(x, cut), np.split(y, cut)
    out = {}
    for split, xa, ya in zip(("train", "val", "test"), xs, ys, strict=True):
        out[f"{split}_x"], out[f"{split}_y"] = xa, ya
    return out


def orthonormal_basis(d: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random orthonormal columns (d, k): QR of a Gaussian matrix with sign-fixed R.

    The signal subspace of `lowrank_plus_noise` and of its covariance
    `analysis.theory.lowrank_plus_noise_cov`.
    """
    q, r = np.linalg.qr(rng.standard_normal((d, k)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def teacher_student(
    n_in: int,
    n_out: int,
    n_samples: int,
    rng: np.random.Generator,
    noise: float = 0.0,
    cov: np.ndarray | None = None,
    *,
    n_val: int = 0,
    n_test: int = 0,
) -> Dataset:
    """Linear teacher-student regression: ``y = x W*^T + noise * N(0, I)``, ``x ~ N(0, cov)``.

    The teacher ``W*`` (n_out, n_in) has i.i.d. ``N(0, 1/n_in)`` entries, so each output has
    variance ``tr(cov)/n_in`` (1 for white inputs) before the noise.

    Parameters
    ----------
    n_in, n_out, n_samples : int
        Input and output dimensions and the number of training samples.
    rng : numpy Generator
        Source of the teacher, then the inputs, then the noise.
    noise : float
        Standard deviation of the additive output noise (0: realisable).
    cov : ndarray (n_in, n_in), optional
        Symmetric positive semi-definite input covariance (default identity); sampled as
        ``z L^T`` with ``L = U sqrt(Λ)`` from its eigendecomposition (eigenvalues within rounding
        of zero set to zero), so singular covariances keep the samples in their range.
    n_val, n_test : int
        Sizes of the validation and test splits.

    Returns
    -------
    Dataset
        Regression dataset (``n_classes == 0``); ``meta`` has ``teacher_w``, ``cov``, ``noise``.

    Examples
    --------
    >>> ds = teacher_student(5, 2, 100, np.random.default_rng(0), n_test=10)
    >>> ds.train_x.shape, ds.train_y.shape, ds.test_y.shape
    ((100, 5), (100, 2), (10, 2))
    >>> bool(np.allclose(ds.train_y, ds.train_x @ ds.meta["teacher_w"].T))
    True
    """
    n_in, n_out = _count(n_in, "n_in", 1), _count(n_out, "n_out", 1)
    n_samples, n_val, n_test = (
        _count(n_samples, "n_samples"),
        _count(n_val, "n_val"),
        _count(n_test, "n_test"),
    )
    noise, rng = _nonneg(noise, "noise"), _check_rng(rng)
    if cov is None:
        cov, factor = np.eye(n_in), None
    else:
        cov = np.array(cov, dtype=np.float64)
        if cov.shape != (n_in, n_in) or not np.all(np.isfinite(cov)):
            raise ValueError(f"cov must be a finite ({n_in}, {n_in}) matrix, got shape {cov.shape}")
        if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * np.abs(cov).max()):
            raise ValueError("cov must be symmetric")
        lam, u = np.linalg.eigh(cov)
        if lam[0] < -1e-10 * max(lam[-1], 0.0) - 1e-300:
            raise ValueError(f"cov must be positive semi-definite, smallest eigenvalue {lam[0]:g}")
        # eigenvalues at rounding level are zeros: a sqrt of 1e-16 would leak 1e-8 noise
        # out of the range of a singular covariance
        lam[lam <= n_in * np.finfo(np.float64).eps * max(lam[-1], 0.0)] = 0.0
        factor = u * np.sqrt(lam)
    n = n_samples + n_val + n_test
    w = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
    x = rng.standard_normal((n, n_in))
    if factor is not None:
        x = x @ factor.T
    y = x @ w.T
    if noise:
        y += noise * rng.standard_normal(y.shape)
    return Dataset(
        **_splits(x, y, n_samples, n_val),
        n_classes=0,
        name="teacher-student",
        meta={"teacher_w": w, "cov": cov, "noise": noise},
    )


def nonlinear_teacher(
    n_in: int,
    n_hidden: int,
    n_classes: int,
    n_samples: int,
    rng: np.random.Generator,
    *,
    n_val: int = 0,
    n_test: int = 0,
    balance: bool = True,
) -> Dataset:
    """Classification by a random 2-layer clipped-ReLU teacher; inputs uniform in [0, 1].

    ``h = clip(W1 x + b1, 0, 1)``, ``label = argmax(W2 h + b2)``. ``W1`` has i.i.d.
    ``N(0, 3/n_in)`` entries and ``b1 = 1/2 - W1 1/2``, so every hidden pre-activation has mean
    1/2 and standard deviation 1/2 (about 16% of units clipped at each end); the rows of ``W2``
    are random unit vectors and ``b2 = -W2 1/2``. With ``balance`` the output biases are then
    adjusted on a pilot sample of 8192 inputs until every class is about equally frequent.

    Parameters
    ----------
    n_in, n_hidden, n_classes : int
        Teacher sizes (``n_classes >= 2``).
    n_samples : int
        Number of training samples.
    rng : numpy Generator
        Source of the teacher, the pilot sample, then the inputs.
    n_val, n_test : int
        Sizes of the validation and test splits.
    balance : bool
        Calibrate ``b2`` for roughly equal class frequencies.

    Returns
    -------
    Dataset
        ``meta`` has the teacher ``w1``, ``b1``, ``w2``, ``b2``.

    Examples
    --------
    >>> ds = nonlinear_teacher(20, 30, 4, 2000, np.random.default_rng(0), n_test=500)
    >>> ds
    Dataset('nonlinear-teacher', n_classes=4, n_features=20, train=2000, val=0, test=500)
    >>> float(ds.train_x.min()) >= 0, float(ds.train_x.max()) <= 1
    (True, True)
    >>> np.bincount(ds.train_y)  # about 500 each
    array([487, 478, 531, 504])
    """
    n_in, n_hidden = _count(n_in, "n_in", 1), _count(n_hidden, "n_hidden", 1)
    n_classes = _count(n_classes, "n_classes", 2)
    n_samples, n_val, n_test = (
        _count(n_samples, "n_samples"),
        _count(n_val, "n_val"),
        _count(n_test, "n_test"),
    )
    rng = _check_rng(rng)
    w1 = rng.standard_normal((n_hidden, n_in)) * np.sqrt(3.0 / n_in)
    b1 = 0.5 - 0.5 * w1.sum(axis=1)
    w2 = rng.standard_normal((n_classes, n_hidden))
    w2 /= np.linalg.norm(w2, axis=1, keepdims=True)
    b2 = -0.5 * w2.sum(axis=1)

    def hidden(x: np.ndarray) -> np.ndarray:
        return np.clip(x @ w1.T + b1, 0.0, 1.0)

    if balance:
        # Fixed-point iteration b2 <- b2 - step * log(freq * n_classes) on a pilot sample; the
        # step is 0.07, a fifth of the typical logit spread of 0.35.
        pilot = hidden(rng.random((8192, n_in))) @ w2.T
        for _ in range(100):
            freq = np.bincount((pilot + b2).argmax(axis=1), minlength=n_classes) / len(pilot)
            b2 -= 0.07 * np.log(np.maximum(freq, 0.5 / len(pilot)) * n_classes)
    x = rng.random((n_samples + n_val + n_test, n_in))
    y = (hidden(x) @ w2.T + b2).argmax(axis=1)
    return Dataset(
        **_splits(x, y, n_samples, n_val),
        n_classes=n_classes,
        name="nonlinear-teacher",
        meta={"w1": w1, "b1": b1, "w2": w2, "b2": b2},
    )


def lowrank_plus_noise(
    d: int, k: int, eps: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs ``x ~ N(0, V V^T + eps^2 I)`` on a random k-dim subspace plus noise.

    ``x = z V^T + eps w`` with ``z ~ N(0, I_k)``, ``w ~ N(0, I_d)`` and ``V`` (d, k) Haar-random
    with orthonormal columns, so the covariance has eigenvalues ``1 + eps^2`` (k times) and
    ``eps^2`` (d - k times).

    Parameters
    ----------
    d, k : int
        Input dimension and subspace rank (``0 <= k <= d``).
    eps : float
        Isotropic noise standard deviation (0: inputs exactly in span(V)).
    n : int
        Number of samples.
    rng : numpy Generator
        Source of ``V``, then ``z``, then ``w``.

    Returns
    -------
    x : ndarray (n, d)
        Samples.
    V : ndarray (d, k)
        Orthonormal basis of the signal subspace.

    Examples
    --------
    >>> x, V = lowrank_plus_noise(10, 3, 0.0, 50, np.random.default_rng(0))
    >>> x.shape, V.shape, int(np.linalg.matrix_rank(x))
    ((50, 10), (10, 3), 3)
    """
    d, n = _count(d, "d", 1), _count(n, "n")
    k = _count(k, "k")
    if k > d:
        raise ValueError(f"k must be <= d = {d}, got {k}")
    eps, rng = _nonneg(eps, "eps"), _check_rng(rng)
    v = orthonormal_basis(d, k, rng)
    x = rng.standard_normal((n, k)) @ v.T
    if eps:
        x += eps * rng.standard_normal((n, d))
    return x, v


def clustered_tasks(
    n_tasks: int,
    d: int,
    k: int,
    n_per_task: int,
    rng: np.random.Generator,
    *,
    n_classes: int = 2,
    eps: float = 0.0,
    offset: float = 1.0,
    orthogonal: bool = True,
    n_val_per_task: int = 0,
    n_test_per_task: int = 0,
) -> list[Dataset]:
    """Continual-learning tasks, each on its own k-dim subspace, labelled by one linear teacher.

    Task ``t`` draws ``x = offset * u_t + z U_t^T + eps * w`` with ``z ~ N(0, I_k)``,
    ``w ~ N(0, I_d)``, a basis ``U_t`` (d, k) and a unit centre direction ``u_t`` orthogonal
    to ``U_t``; so with ``eps = 0`` the inputs fill an affine k-dim subspace (the cluster)
    around the centre ``offset * u_t``. One teacher ``W*`` (n_classes, d), Gaussian and then
    made orthogonal to every centre, labels all tasks by ``argmax(W* x)``; a linear student can
    therefore learn all tasks at once. Within a task the logits have zero mean (two classes:
    balanced by symmetry).

    Parameters
    ----------
    n_tasks, d, k : int
        Number of tasks, input dimension, subspace rank.
    n_per_task : int
        Training samples per task.
    rng : numpy Generator
        Source of bases, teacher and samples.
    n_classes : int
        Number of classes (>= 2).
    eps : float
        Isotropic input noise (0: inputs exactly on the task subspace).
    offset : float
        Distance of each cluster centre from the origin (0: centred, linear subspaces).
    orthogonal : bool
        True: all ``U_t`` and ``u_t`` mutually orthogonal (needs ``n_tasks * (k + 1) <= d``,
        or ``n_tasks * k <= d`` when ``offset == 0``), so tasks do not overlap; False:
        independent random subspaces.
    n_val_per_task, n_test_per_task : int
        Sizes of each task's validation and test splits.

    Returns
    -------
    list of Dataset
        One per task; ``meta`` has ``task``, ``basis`` (U_t), ``centre`` (offset * u_t) and
        ``teacher_w``.

    Examples
    --------
    >>> tasks = clustered_tasks(3, 20, 4, 100, np.random.default_rng(0))
    >>> [t.train_x.shape for t in tasks]
    [(100, 20), (100, 20), (100, 20)]
    >>> U0, U1 = tasks[0].meta["basis"], tasks[1].meta["basis"]
    >>> bool(np.allclose(U0.T @ U1, 0)), int(np.linalg.matrix_rank(tasks[0].train_x))
    (True, 5)
    """
    n_tasks, d, k = _count(n_tasks, "n_tasks", 1), _count(d, "d", 1), _count(k, "k", 1)
    n_classes = _count(n_classes, "n_classes", 2)
    n_per_task = _count(n_per_task, "n_per_task")
    n_val = _count(n_val_per_task, "n_val_per_task")
    n_test = _count(n_test_per_task, "n_test_per_task")
    eps, offset, rng = _nonneg(eps, "eps"), _nonneg(offset, "offset"), _check_rng(rng)
    per_task = k + (offset > 0)
    if orthogonal and n_tasks * per_task > d:
        raise ValueError(
            f"orthogonal tasks need n_tasks * (k{' + 1' if offset else ''}) <= d, "
            f"got n_tasks={n_tasks}, k={k}, d={d}"
        )
    if not orthogonal and (per_task > d or (offset and n_tasks >= d)):
        raise ValueError(f"k={k} (plus a centre direction) and n_tasks={n_tasks} do not fit d={d}")
    if orthogonal:
        q = orthonormal_basis(d, n_tasks * per_task, rng)
        frames = [q[:, t * per_task : (t + 1) * per_task] for t in range(n_tasks)]
    else:
        frames = [orthonormal_basis(d, per_task, rng) for _ in range(n_tasks)]
    bases = [f[:, :k] for f in frames]
    dirs = [f[:, k] if offset else np.zeros(d) for f in frames]
    teacher = rng.standard_normal((n_classes, d))
    if offset:
        c, _ = np.linalg.qr(np.stack(dirs, axis=1))
        teacher -= (teacher @ c) @ c.T
    tasks = []
    n = n_per_task + n_val + n_test
    for t in range(n_tasks):
        centre = offset * dirs[t]
        x = centre + rng.standard_normal((n, k)) @ bases[t].T
        if eps:
            x += eps * rng.standard_normal((n, d))
        y = (x @ teacher.T).argmax(axis=1)
        tasks.append(
            Dataset(
                **_splits(x, y, n_per_task, n_val),
                n_classes=n_classes,
                name=f"clustered-task{t}",
                meta={"task": t, "basis": bases[t], "centre": centre, "teacher_w": teacher},
            )
        )
    return tasks
