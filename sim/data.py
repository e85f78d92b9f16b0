"""Datasets: the IDX reader, MNIST-format loading, continual-learning tasks and batching.

Every dataset, real or synthetic (`sim.synthetic`), is a frozen `Dataset` with float64 inputs
of shape (n, n_features) for the train, validation and test splits, so training code treats them
alike. Classification sets carry int64 labels in ``[0, n_classes)``; regression sets
(``n_classes == 0``) carry float64 targets of shape (n, n_outputs). Arrays are read-only.

Real images come from any directory of MNIST-format IDX files, by default Fashion-MNIST as
shipped by the Debian package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``).
Nothing is downloaded. Subsets and the validation split are stratified by class and drawn from
the `sim.streams` registry, so learning rates are tuned on validation, not test.
The IDX reader and writer live in `sim.idx` and are re-exported here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .idx import read_idx, write_idx
from .streams import stream

__all__ = [
    "DEFAULT_DIRECTORY",
    "ENV_VAR",
    "FASHION_MNIST_CLASSES",
    "PROTOCOLS",
    "Dataset",
    "batches",
    "class_split",
    "continual_tasks",
    "joined",
    "load_mnist_format",
    "mnist_format_files",
    "one_hot",
    "permuted_pixels",
    "read_idx",
    "sorted_by_class",
    "write_idx",
]

DEFAULT_DIRECTORY = Path("/usr/share/datasets/fashion-mnist")
ENV_VAR = "LOCO_FASHION_MNIST"
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

_HOW_TO_GET = (
    "Install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` (files in "
    f"{DEFAULT_DIRECTORY}), or pass directory=... or set {ENV_VAR} to any directory holding "
    "MNIST-format IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])."
)


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, kw_only=True, eq=False)
class Dataset:
    """Train, validation and test splits with their labels (or regression targets).

    Attributes
    ----------
    train_x, val_x, test_x : ndarray (n, n_features)
        float64 inputs; MNIST-format images are flattened and scaled to [0, 1].
    train_y, val_y, test_y : ndarray
        int64 labels (n,) in ``[0, n_classes)``, or float64 targets (n, n_outputs) when
        ``n_classes == 0`` (regression).
    n_classes : int
        Number of classes of the label space (0 for regression).
    name : str
        Human-readable name, e.g. ``"fashion-mnist"``.
    meta : mapping
        Provenance and ground truth (indices into the source files, teacher weights, bases).

    Examples
    --------
    >>> ds = Dataset(train_x=np.zeros((4, 3)), train_y=np.array([0, 1, 1, 0]),
    ...              val_x=np.zeros((0, 3)), val_y=np.zeros(0, int),
    ...              test_x=np.ones((2, 3)), test_y=np.array([1, 0]), n_classes=2, name="toy")
    >>> ds
    Dataset('toy', n_classes=2, n_features=3, train=4, val=0, test=2)
    >>> ds.train_x.flags.writeable
    False
    """

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    n_classes: int
    name: str
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _is_int(self.n_classes) or self.n_classes < 0:
            raise ValueError(f"n_classes must be an int >= 0, got {self.n_classes!r}")
        object.__setattr__(self, "n_classes", int(self.n_classes))
        n_features = None
        for split in ("train", "val", "test"):
            x = np.asarray(getattr(self, f"{split}_x"), dtype=np.float64)
            y = np.asarray(getattr(self, f"{split}_y"))
            if x.ndim != 2:
                raise ValueError(f"{split}_x must have shape (n, n_features), got {x.shape}")
            if n_features is not None and x.shape[1] != n_features:
                raise ValueError(f"{split}_x has {x.shape[1]} features, train_x {n_features}")
            n_features = x.shape[1]
            if len(y) != len(x):
                raise ValueError(f"{split}_y has {len(y)} rows but {split}_x has {len(x)}")
            if self.n_classes:
                y = _check_labels(y, self.n_classes, f"{split}_y")
            else:
                y = np.asarray(y, dtype=np.float64)
                if y.ndim != 2:
                    raise ValueError(
                        f"{split}_y must be regression targets (n, n_outputs) when "
                        f"n_classes == 0, got shape {y.shape}"
                    )
            object.__setattr__(self, f"{split}_x", _read_only(x))
            object.__setattr__(self, f"{split}_y", _read_only(y))
        n_outputs = {getattr(self, f"{s}_y").shape[1:] for s in ("train", "val", "test")}
        if not self.n_classes and len(n_outputs) > 1:
            raise ValueError("train_y, val_y and test_y have different numbers of outputs")
        meta = {k: _read_only(v) if isinstance(v, np.ndarray) else v for k, v in self.meta.items()}
        object.__setattr__(self, "meta", MappingProxyType(meta))

    @property
    def n_features(self) -> int:
        """Number of input features (784 for 28x28 images)."""
        return self.train_x.shape[1]

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, n_classes={self.n_classes}, n_features={self.n_features}, "
            f"train={len(self.train_x)}, val={len(self.val_x)}, test={len(self.test_x)})"
        )


def _check_labels(y: np.ndarray, n_classes: int, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or y.size == 0):
        raise ValueError(f"{what} must be a 1-D integer array, got {y.dtype} shape {y.shape}")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{what} must lie in [0, {n_classes}), got range [{y.min()}, {y.max()}]")
    return y


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_count(value: Any, what: str) -> int:
    if not _is_int(value) or value < 0:
        raise ValueError(f"{what} must be an int >= 0, got {value!r}")
    return int(value)


def _find_idx(directory: Path, prefix: str, kind: str, ndim: int) -> Path:
    names = [f"{prefix}-{kind}{sep}idx{ndim}-ubyte{ext}" for sep in "-." for ext in ("", ".gz")]
    for name in names:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"MNIST-format directory {directory} has no {names[0]} (nor {', '.join(names[1:])}). "
        + _HOW_TO_GET
    )


def mnist_format_files(directory: str | os.PathLike | None = None) -> dict[str, Path]:
    """The four IDX files of an MNIST-format directory, checked to exist (nothing is read).

    ``directory`` defaults as in `load_mnist_format`. Keys: ``train_images``, ``train_labels``,
    ``test_images``, ``test_labels``.

    Raises
    ------
    FileNotFoundError
        The directory or a file is missing; the message says how to get the data.
    """
    if directory is None:
        directory = os.environ.get(ENV_VAR) or DEFAULT_DIRECTORY
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"MNIST-format directory {directory} does not exist. {_HOW_TO_GET}")
    return {
        f"{split}_{kind}": _find_idx(directory, prefix, kind, ndim)
        for split, prefix in (("train", "train"), ("test", "t10k"))
        for kind, ndim in (("images", 3), ("labels", 1))
    }


def _allocate(available: np.ndarray, n: int) -> np.ndarray:
    """Largest-remainder allocation of ``n`` draws proportional to ``available`` per class."""
    total = int(available.sum())
    if n == total:
        return available.copy()
    share = available * n / total
    counts = np.floor(share).astype(np.int64)
    extra = np.argsort(counts - share, kind="stable")[: n - int(counts.sum())]
    counts[extra] += 1
    return counts


def _stratified_chunks(labels: np.ndarray, sizes: Sequence[int | None], rng: np.random.Generator):
    """Disjoint stratified index sets of the given sizes (None: all that remain), sorted.

    Each class's indices are shuffled once; consecutive chunks are cut from every class's
    shuffled list, so the first chunk does not depend on the sizes of later ones.
    """
    order = rng.permutation(len(labels))
    order = order[np.argsort(labels[order], kind="stable")]
    available = np.bincount(labels)
    starts = np.concatenate([[0], np.cumsum(available)[:-1]])
    used = np.zeros_like(available)
    chunks = []
    for size in sizes:
        left = available - used
        counts = left if size is None else _allocate(left, size)
        parts = [order[s + u : s + u + c] for s, u, c in zip(starts, used, counts, strict=True)]
        chunks.append(np.sort(np.concatenate(parts)))
        used += counts
    return chunks


def load_mnist_format(
    directory: str | os.PathLike | None = None,
    *,
    subset: tuple[int | None, int | None] | None = None,
    seed: int = 0,
    validation: int = 0,
    name: str | None = None,
) -> Dataset:
    """Load an MNIST-format directory (by default Fashion-MNIST) as a `Dataset`.

    The directory holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally ``.gz`` (the
    ``train-images.idx3-ubyte`` spelling works too). Images are flattened and scaled to
    float64 in [0, 1]; rows keep the order of the files.

    Parameters
    ----------
    directory : str or path-like, optional
        Defaults to ``$LOCO_FASHION_MNIST`` if set, else ``/usr/share/datasets/fashion-mnist``.
    subset : (n_train, n_test), optional
        Sizes of deterministic, class-stratified subsets (proportional allocation with
        largest remainders; equal per class for balanced data); None in either place keeps all.
    seed : int
        Root seed of the subset and validation draws (streams ``"data_split"`` for the
        training file and ``"test_subset"`` for the test file, `sim.streams`).
    validation : int
        Size of a stratified validation split carved from the training file, disjoint from the
        training rows. It depends only on ``seed`` and ``validation``, not on ``subset``.
    name : str, optional
        Defaults to the directory's name.

    Returns
    -------
    Dataset
        ``meta`` holds ``directory`` and the row indices ``train_index``, ``val_index``,
        ``test_index`` into the files.

    Raises
    ------
    FileNotFoundError
        If the directory or a file is missing; the message says how to get the data.
    ValueError
        For bad arguments or inconsistent files.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> d = Path(tmp.name)
    >>> for prefix, n in (("train", 40), ("t10k", 20)):
    ...     write_idx(d / f"{prefix}-images-idx3-ubyte.gz", np.full((n, 2, 2), 255, np.uint8))
    ...     write_idx(d / f"{prefix}-labels-idx1-ubyte", np.arange(n, dtype=np.uint8) % 4)
    >>> ds = load_mnist_format(d, subset=(20, 8), validation=8, name="toy")
    >>> ds
    Dataset('toy', n_classes=4, n_features=4, train=20, val=8, test=8)
    >>> np.bincount(ds.val_y), float(ds.train_x.max())
    (array([2, 2, 2, 2]), 1.0)
    >>> tmp.cleanup()
    """
    seed = _check_count(seed, "seed")
    validation = _check_count(validation, "validation")
    if subset is None:
        subset = (None, None)
    if not isinstance(subset, tuple | list) or len(subset) != 2:
        raise ValueError(f"subset must be (n_train, n_test), got {subset!r}")
    n_train, n_test = (None if s is None else _check_count(s, "subset") for s in subset)
    files = mnist_format_files(directory)
    directory = files["train_images"].parent

    arrays = {}
    for prefix, split in (("train", "train"), ("t10k", "test")):
        images = read_idx(files[f"{split}_images"])
        labels = read_idx(files[f"{split}_labels"])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{directory}: {prefix} images must be uint8 (n, rows, cols)")
        integer = np.issubdtype(labels.dtype, np.integer)
        if labels.ndim != 1 or not integer or len(labels) != len(images):
            raise ValueError(
                f"{directory}: {prefix} labels must be {len(images)} integers, one per image, "
                f"got {labels.dtype} shape {labels.shape}"
            )
        if labels.size and labels.min() < 0:
            raise ValueError(f"{directory}: {prefix} labels must be >= 0")
        arrays[prefix] = images, labels.astype(np.int64)
    (train_img, train_lab), (test_img, test_lab) = arrays["train"], arrays["t10k"]
    if train_img.shape[1:] != test_img.shape[1:]:
        raise ValueError(f"{directory}: train and t10k images differ in size")
    n_classes = int(max(train_lab.max(initial=-1), test_lab.max(initial=-1))) + 1

    if n_train is not None and n_train + validation > len(train_lab):
        raise ValueError(
            f"subset n_train={n_train} plus validation={validation} exceeds the "
            f"{len(train_lab)} training images in {directory}"
        )
    if n_train is None and validation > len(train_lab):
        raise ValueError(f"validation={validation} exceeds the {len(train_lab)} training images")
    if n_test is not None and n_test > len(test_lab):
        raise ValueError(f"subset n_test={n_test} exceeds the {len(test_lab)} test images")
    if n_train is None and not validation:
        val_idx, train_idx = np.zeros(0, np.int64), np.arange(len(train_lab))
    else:
        rng = stream(seed, "data_split")
        val_idx, train_idx = _stratified_chunks(train_lab, [validation, n_train], rng)
    test_idx = np.arange(len(test_lab))
    if n_test is not None:
        (test_idx,) = _stratified_chunks(test_lab, [n_test], stream(seed, "test_subset"))

    def images(img: np.ndarray, idx: np.ndarray) -> np.ndarray:
        picked = img if len(idx) == len(img) else img[idx]
        out = np.empty((len(idx), math.prod(img.shape[1:])))
        return np.divide(picked.reshape(out.shape), 255.0, out=out)

    return Dataset(
        train_x=images(train_img, train_idx),
        train_y=train_lab[train_idx],
        val_x=images(train_img, val_idx),
        val_y=train_lab[val_idx],
        test_x=images(test_img, test_idx),
        test_y=test_lab[test_idx],
        n_classes=n_classes,
        name=directory.name if name is None else name,
        meta={
            "directory": str(directory),
            "train_index": train_idx,
            "val_index": val_idx,
            "test_index": test_idx,
        },
    )


def class_split(
    dataset: Dataset, classes: Sequence[Sequence[int]], *, relabel: bool = False
) -> list[Dataset]:
    """Split a classification dataset into tasks by class, e.g. five tasks of class pairs.

    Every split (train, validation, test) of task ``t`` keeps the rows whose label is in
    ``classes[t]``, in their original order.

    Parameters
    ----------
    dataset : Dataset
        A classification dataset (``n_classes > 0``).
    classes : sequence of sequences of int
        The classes of each task; no class may appear twice.
    relabel : bool
        False keeps the original labels and ``n_classes`` (one shared output layer,
        class-incremental learning); True maps task ``t``'s labels to ``0..len(classes[t])-1``
        in the given order and sets ``n_classes`` accordingly (one head per task).

    Returns
    -------
    list of Dataset
        One per task; ``meta["classes"]`` holds the task's original classes (row indices
        into the source files in ``meta``, if any, are subset along with the rows).

    Examples
    --------
    >>> ds = Dataset(train_x=np.eye(4), train_y=np.array([0, 1, 2, 3]),
    ...              val_x=np.zeros((0, 4)), val_y=np.zeros(0, int),
    ...              test_x=np.eye(4), test_y=np.array([3, 2, 1, 0]), n_classes=4, name="toy")
    >>> tasks = class_split(ds, [(0, 1), (3, 2)], relabel=True)
    >>> tasks[1].train_y, tasks[1].test_y, tasks[1].meta["classes"]
    (array([1, 0]), array([0, 1]), (3, 2))
    """
    if not dataset.n_classes:
        raise ValueError("dataset must be a classification dataset (n_classes > 0)")
    if isinstance(classes, str | bytes) or not isinstance(classes, Sequence | np.ndarray):
        raise ValueError(f"classes must be a sequence of class groups, got {classes!r}")
    groups = []
    for group in classes:
        if isinstance(group, int | np.integer):
            raise ValueError(f"classes must be a sequence of class groups, got an int {group}")
        group = tuple(int(_check_count(c, "classes")) for c in group)
        if not group:
            raise ValueError("classes contains an empty group")
        for c in group:
            if c >= dataset.n_classes:
                raise ValueError(f"classes: unknown class {c} (n_classes={dataset.n_classes})")
        groups.append(group)
    flat = [c for g in groups for c in g]
    if len(set(flat)) != len(flat):
        raise ValueError(f"classes: a class appears in two tasks or twice in one: {groups}")

    tasks = []
    for group in groups:
        parts: dict[str, np.ndarray] = {}
        meta = {**dataset.meta, "classes": group}
        mapping = np.full(dataset.n_classes, -1, np.int64)
        mapping[list(group)] = np.arange(len(group))
        for split in ("train", "val", "test"):
            y = getattr(dataset, f"{split}_y")
            keep = np.isin(y, group)
            parts[f"{split}_x"] = getattr(dataset, f"{split}_x")[keep]
            parts[f"{split}_y"] = mapping[y[keep]] if relabel else y[keep]
            if f"{split}_index" in meta:  # provenance from load_mnist_format
                meta[f"{split}_index"] = meta[f"{split}_index"][keep]
        tasks.append(
            Dataset(
                **parts,
                n_classes=len(group) if relabel else dataset.n_classes,
                name=f"{dataset.name}[classes {','.join(map(str, group))}]",
                meta=meta,
            )
        )
    return tasks


def permuted_pixels(dataset: Dataset, rng: np.random.Generator) -> Dataset:
    """The same dataset with its features permuted by ``perm = rng.permutation(n_features)``.

    One permutation serves all splits: new feature ``j`` is old feature ``perm[j]``.
    ``meta["permutation"]`` holds ``perm``.

    Examples
    --------
    >>> ds = Dataset(train_x=[[0.0, 0.1, 0.2]], train_y=[1], val_x=np.zeros((0, 3)),
    ...              val_y=np.zeros(0, int), test_x=[[1.0, 1.1, 1.2]], test_y=[0],
    ...              n_classes=2, name="toy")
    >>> p = permuted_pixels(ds, np.random.default_rng(0))
    >>> p.meta["permutation"], p.test_x
    (array([2, 0, 1]), array([[1.2, 1. , 1.1]]))
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    perm = rng.permutation(dataset.n_features)
    changes = {
        f"{split}_x": getattr(dataset, f"{split}_x")[:, perm] for split in ("train", "val", "test")
    }
    return replace(
        dataset,
        **changes,
        name=f"{dataset.name}[permuted]",
        meta={**dataset.meta, "permutation": perm},
    )


PROTOCOLS = ("task", "class", "permuted")


def continual_tasks(
    dataset: Dataset, tasks: Sequence[Sequence[int]] | int, protocol: str, seed: int
) -> tuple[list[Dataset], list[list[int] | None]]:
    """The task sequence of a continual-learning protocol and each task's evaluation classes.

    ``task`` (task-incremental): `class_split` by ``tasks`` (class lists), each task evaluated
    with the argmax over its own classes. ``class`` (class-incremental): the same tasks, the
    argmax over all classes (one head). ``permuted`` (domain-incremental): ``tasks`` (an int)
    copies of the whole dataset, copy ``t`` under its own fixed pixel permutation (stream
    ``"task_permutation"``, key ``t``), argmax over all classes.

    Examples
    --------
    >>> ds = Dataset(train_x=np.eye(4), train_y=np.array([0, 1, 2, 3]),
    ...              val_x=np.zeros((0, 4)), val_y=np.zeros(0, int),
    ...              test_x=np.eye(4), test_y=np.array([3, 2, 1, 0]), n_classes=4, name="toy")
    >>> sets, classes = continual_tasks(ds, [[0, 1], [2, 3]], "class", seed=0)
    >>> [len(s.train_y) for s in sets], classes
    ([2, 2], [None, None])
    >>> sets, classes = continual_tasks(ds, 3, "permuted", seed=0)
    >>> len(sets), classes, sets[0].train_y.tolist()
    (3, [None, None, None], [0, 1, 2, 3])
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    if protocol == "permuted":
        if isinstance(tasks, bool) or not isinstance(tasks, int | np.integer) or tasks < 1:
            raise ValueError(f"permuted tasks must be a number of tasks >= 1, got {tasks!r}")
        sets = [permuted_pixels(dataset, stream(seed, "task_permutation", t)) for t in range(tasks)]
        return sets, [None] * len(sets)
    sets = class_split(dataset, tasks)
    return sets, [list(t) if protocol == "task" else None for t in tasks]


def joined(tasks: Sequence[Dataset]) -> Dataset:
    """Every task's splits concatenated: the data of joint (multitask) training.

    Examples
    --------
    >>> ds = Dataset(train_x=np.eye(2), train_y=np.array([0, 1]), val_x=np.zeros((0, 2)),
    ...              val_y=np.zeros(0, int), test_x=np.eye(2), test_y=np.array([1, 0]),
    ...              n_classes=2, name="toy")
    >>> joined([ds, ds]).train_y.tolist()
    [0, 1, 0, 1]
    """
    parts = {
        f"{split}_{kind}": np.concatenate([getattr(t, f"{split}_{kind}") for t in tasks])
        for split in ("train", "val", "test")
        for kind in ("x", "y")
    }
    return Dataset(
        **parts, n_classes=tasks[0].n_classes, name=f"joint of {len(tasks)} tasks", meta={}
    )


def sorted_by_class(dataset: Dataset) -> Dataset:
    """The dataset with its training rows sorted by label (stable): a class-sorted stream.

    Examples
    --------
    >>> ds = Dataset(train_x=[[0.0], [1.0], [2.0]], train_y=[1, 0, 1], val_x=np.zeros((0, 1)),
    ...              val_y=np.zeros(0, int), test_x=[[0.0]], test_y=[0], n_classes=2, name="toy")
    >>> sorted_by_class(ds).train_y.tolist(), sorted_by_class(ds).train_x[:, 0].tolist()
    ([0, 1, 1], [1.0, 0.0, 2.0])
    """
    order = np.argsort(dataset.train_y, kind="stable")
    meta = dict(dataset.meta)
    if "train_index" in meta:
        meta["train_index"] = meta["train_index"][order]
    return replace(
        dataset, train_x=dataset.train_x[order], train_y=dataset.train_y[order], meta=meta
    )


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """float64 one-hot codes (n, n_classes) of int labels in ``[0, n_classes)``.

    Examples
    --------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    >>> one_hot(np.array([3]), 3)
    Traceback (most recent call last):
    ...
    ValueError: labels must lie in [0, 3), got range [3, 3]
    """
    if not _is_int(n_classes) or n_classes < 1:
        raise ValueError(f"n_classes must be an int >= 1, got {n_classes!r}")
    labels = _check_labels(labels, int(n_classes), "labels")
    out = np.zeros((len(labels), n_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def batches(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None,
    *,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of minibatches ``(x_b, y_b)``, shuffled by ``rng`` (None: in order).

    Call it once per epoch with the same generator to get a fresh shuffle each epoch. The
    arguments are checked when it is called, before the first batch.

    Parameters
    ----------
    x, y : ndarray
        Inputs and labels or targets with the same number of rows.
    batch_size : int
        Rows per batch (>= 1).
    rng : numpy Generator or None
        Source of the shuffle; None keeps the order (evaluation).
    drop_last : bool
        Drop the last batch when it is smaller than ``batch_size``.

    Examples
    --------
    >>> x, y = np.arange(10.0)[:, None], np.arange(10)
    >>> [len(yb) for _, yb in batches(x, y, 4, np.random.default_rng(0))]
    [4, 4, 2]
    >>> [yb.tolist() for _, yb in batches(x, y, 4, None, drop_last=True)]
    [[0, 1, 2, 3], [4, 5, 6, 7]]
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"x and y must have the same number of rows, got {x.shape}, {y.shape}")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator or None, got {type(rng).__name__}")
    order = np.arange(len(x)) if rng is None else rng.permutation(len(x))
    stop = len(x) - len(x) % batch_size if drop_last else len(x)

    def epoch() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, stop, batch_size):
            idx = order[start : start + batch_size]
            yield x[idx], y[idx]

    return epoch()
