"""IDX reading against hand-built bytes, the MNIST-format loader (real Fashion-MNIST included),
stratified subsets and validation, continual-learning tasks, one-hot codes and batching."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from sim.data import (
    DEFAULT_DIRECTORY,
    ENV_VAR,
    Dataset,
    batches,
    class_split,
    load_mnist_format,
    one_hot,
    permuted_pixels,
    read_idx,
    write_idx,
)

# (type byte, big-endian dtype) of the IDX specification, written out independently of sim.data
IDX_TYPES = [
    (0x08, ">u1"),
    (0x09, ">i1"),
    (0x0B, ">i2"),
    (0x0C, ">i4"),
    (0x0D, ">f4"),
    (0x0E, ">f8"),
]


def idx_bytes(array: np.ndarray, code: int, be_dtype: str) -> bytes:
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(be_dtype).tobytes()


def sample_array(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng([7, len(shape)])
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is None:
        return rng.normal(0, 1e3, shape).astype(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


# ----------------------------------------------------------------------------------- IDX files


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("code, be_dtype", IDX_TYPES)
def test_read_idx_decodes_hand_built_files_of_every_type(tmp_path, code, be_dtype, compressed):
    expected = sample_array(be_dtype[1:], (3, 4, 5))
    blob = idx_bytes(expected, code, be_dtype)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(blob) if compressed else blob)
    got = read_idx(path)
    assert got.dtype == np.dtype(be_dtype).newbyteorder("=") and got.dtype.isnative
    assert got.shape == (3, 4, 5)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize(
    "dtype, shape",
    [
        ("u1", (7, 28, 28)),
        ("i1", (5,)),
        ("<i2", (2, 3)),
        ("i4", (4, 1)),
        ("f4", (0, 3)),
        ("<f8", (2, 2, 2, 2)),
    ],
)
def test_write_then_read_idx_round_trips_with_the_spec_header(tmp_path, dtype, shape, suffix):
    array = sample_array(dtype, shape)
    path = tmp_path / f"x-idx{len(shape)}{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    np.testing.assert_array_equal(back, array)
    assert back.shape == shape
    raw = path.read_bytes()
    blob = gzip.decompress(raw) if suffix else raw
    codes = {np.dtype(d).newbyteorder("="): c for c, d in IDX_TYPES}
    code = codes[np.dtype(dtype).newbyteorder("=")]
    assert blob == idx_bytes(array, code, np.dtype(dtype).newbyteorder(">").str)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_write_idx_gzip_output_is_byte_stable(tmp_path):
    array = np.arange(100, dtype=np.uint8).reshape(10, 10)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_read_idx_detects_compression_from_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    blob = idx_bytes(array, 0x08, ">u1")
    (tmp_path / "raw.gz").write_bytes(blob)
    (tmp_path / "zipped").write_bytes(gzip.compress(blob))
    np.testing.assert_array_equal(read_idx(tmp_path / "raw.gz"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "zipped"), array)


def _corrupt(blob: bytes, how: str) -> bytes:
    if how == "truncated data":
        return blob[:-1]
    if how == "truncated header":
        return blob[:6]
    if how == "empty":
        return b""
    if how == "bad magic":
        return b"\x01" + blob[1:]
    if how == "unknown type":
        return blob[:2] + b"\x0a" + blob[3:]
    if how == "zero dimensions":
        return blob[:3] + b"\x00" + blob[4:]
    if how == "trailing data":
        return blob + b"\x00"
    if how == "huge header":
        return blob[:4] + struct.pack(">III", 2**31, 2**31, 2**31) + blob[16:]
    raise AssertionError(how)


CORRUPTIONS = {
    "truncated data": "truncated",
    "truncated header": "truncated",
    "empty": "not an IDX file",
    "bad magic": "not an IDX file",
    "unknown type": "not an IDX file",
    "zero dimensions": "not an IDX file",
    "trailing data": "continues past",
    "huge header": "at most",
}


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("how", list(CORRUPTIONS))
def test_corrupt_idx_file_raises_value_error_naming_the_file(tmp_path, how, compressed):
    blob = _corrupt(idx_bytes(np.ones((4, 5, 6), np.uint8), 0x08, ">u1"), how)
    path = tmp_path / f"broken-{how.replace(' ', '-')}"
    path.write_bytes(gzip.compress(blob) if compressed else blob)
    with pytest.raises(ValueError, match=CORRUPTIONS[how]) as err:
        read_idx(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("damage", ["cut stream", "flipped byte"])
def test_damaged_gzip_stream_raises_value_error_naming_the_file(tmp_path, damage):
    rng = np.random.default_rng(3)
    zipped = gzip.compress(idx_bytes(rng.integers(0, 256, (50, 50), np.uint8), 0x08, ">u1"))
    if damage == "cut stream":
        zipped = zipped[: len(zipped) // 2]
    else:  # corrupt the CRC-32 of the trailer
        zipped = zipped[:-8] + bytes([zipped[-8] ^ 0xFF]) + zipped[-7:]
    path = tmp_path / "damaged-idx2-ubyte.gz"
    path.write_bytes(zipped)
    with pytest.raises(ValueError, match=r"damaged-idx2-ubyte\.gz"):
        read_idx(path)


def test_read_idx_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


@pytest.mark.parametrize("array", [np.zeros(3, np.int64), np.zeros(2, bool), np.float64(1.0)])
def test_write_idx_rejects_types_idx_cannot_hold(tmp_path, array):
    with pytest.raises(ValueError, match="array"):
        write_idx(tmp_path / "x", array)


# ------------------------------------------------------------------------- MNIST-format loader


def make_mnist_dir(
    root: Path,
    train_counts: list[int],
    test_counts: list[int],
    *,
    gz: bool = True,
    sep: str = "-",
    shape: tuple[int, int] = (2, 3),
) -> Path:
    """Tiny MNIST-format directory; image i has every pixel equal to i % 256 (traceable rows)."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([11, len(train_counts)])
    for prefix, counts in (("train", train_counts), ("t10k", test_counts)):
        labels = rng.permutation(np.repeat(np.arange(len(counts)), counts)).astype(np.uint8)
        images = np.broadcast_to(
            (np.arange(len(labels)) % 256).astype(np.uint8)[:, None, None], (len(labels), *shape)
        )
        ext = ".gz" if gz else ""
        write_idx(root / f"{prefix}-images{sep}idx3-ubyte{ext}", images)
        write_idx(root / f"{prefix}-labels{sep}idx1-ubyte{ext}", labels)
    return root


def file_labels(directory: Path, prefix: str) -> np.ndarray:
    (path,) = directory.glob(f"{prefix}-labels*")
    return read_idx(path).astype(np.int64)


def test_loader_scales_flattens_and_keeps_file_order(tmp_path):
    d = make_mnist_dir(tmp_path / "m", [30, 20, 10], [5, 5, 5])
    ds = load_mnist_format(d)
    assert ds.train_x.shape == (60, 6) and ds.test_x.shape == (15, 6)
    assert ds.train_x.dtype == np.float64 and ds.train_y.dtype == np.int64
    np.testing.assert_array_equal(ds.train_x[:, 0], np.arange(60) / 255.0)
    np.testing.assert_array_equal(ds.train_y, file_labels(d, "train"))
    np.testing.assert_array_equal(ds.test_y, file_labels(d, "t10k"))
    assert ds.val_x.shape == (0, 6) and ds.val_y.shape == (0,)
    assert ds.n_classes == 3 and ds.name == "m"


def test_loader_maps_pixel_255_to_one_and_0_to_zero(tmp_path):
    d = tmp_path / "px"
    d.mkdir()
    img = np.array([[[0, 128], [255, 1]]], np.uint8)
    for prefix in ("train", "t10k"):
        write_idx(d / f"{prefix}-images-idx3-ubyte", img)
        write_idx(d / f"{prefix}-labels-idx1-ubyte", np.array([0], np.uint8))
    np.testing.assert_array_equal(load_mnist_format(d).train_x, [[0.0, 128 / 255, 1.0, 1 / 255]])


@pytest.mark.parametrize("gz, sep", [(False, "-"), (True, "."), (False, ".")])
def test_loader_accepts_raw_files_and_the_dotted_spelling(tmp_path, gz, sep):
    d = make_mnist_dir(tmp_path / "alt", [4, 4], [2, 2], gz=gz, sep=sep)
    assert load_mnist_format(d).train_x.shape == (8, 6)


def test_missing_directory_says_how_to_get_fashion_mnist(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_mnist_format(tmp_path / "absent")
    message = str(err.value)
    for needed in ("absent", "sudo apt-get install dataset-fashion-mnist", ENV_VAR, "idx3-ubyte"):
        assert needed in message


def test_missing_file_names_it_and_says_how_to_get_the_data(tmp_path):
    d = make_mnist_dir(tmp_path / "partial", [3, 3], [2, 2])
    (d / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte") as err:
        load_mnist_format(d)
    assert "dataset-fashion-mnist" in str(err.value)


def test_directory_argument_beats_env_var_which_beats_the_default(tmp_path, monkeypatch):
    env_dir = make_mnist_dir(tmp_path / "from-env", [2, 2], [1, 1])
    arg_dir = make_mnist_dir(tmp_path / "from-arg", [3, 3], [1, 1])
    monkeypatch.setenv(ENV_VAR, str(env_dir))
    assert load_mnist_format().name == "from-env"
    assert load_mnist_format(arg_dir).name == "from-arg"
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone"))
    with pytest.raises(FileNotFoundError, match="gone"):
        load_mnist_format()


def test_inconsistent_label_count_is_a_value_error(tmp_path):
    d = make_mnist_dir(tmp_path / "bad", [3, 3], [2, 2])
    write_idx(d / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="one per image"):
        load_mnist_format(d)


def test_subset_is_stratified_by_largest_remainder_and_traceable(tmp_path):
    d = make_mnist_dir(tmp_path / "s", [50, 30, 20], [47, 33, 20])
    ds = load_mnist_format(d, subset=(20, 10))
    np.testing.assert_array_equal(np.bincount(ds.train_y), [10, 6, 4])  # exactly proportional
    # shares 4.7, 3.3, 2.0: the one draw left after the floors goes to the largest remainder
    np.testing.assert_array_equal(np.bincount(ds.test_y), [5, 3, 2])
    # balanced classes, shares 3.33 each: ties go to the lower class
    tied = load_mnist_format(make_mnist_dir(tmp_path / "t", [4, 4], [40, 40, 40]), subset=(2, 10))
    np.testing.assert_array_equal(np.bincount(tied.test_y), [4, 3, 3])
    for split, prefix in (("train", "train"), ("test", "t10k")):
        index = ds.meta[f"{split}_index"]
        assert np.all(np.diff(index) > 0)  # file order kept
        np.testing.assert_array_equal(getattr(ds, f"{split}_y"), file_labels(d, prefix)[index])
        np.testing.assert_array_equal(getattr(ds, f"{split}_x")[:, 0], (index % 256) / 255.0)


def test_subset_is_deterministic_in_the_seed(tmp_path):
    d = make_mnist_dir(tmp_path / "s", [50, 50], [50, 50])
    a, b = (load_mnist_format(d, subset=(10, 10), validation=10, seed=3) for _ in range(2))
    c = load_mnist_format(d, subset=(10, 10), validation=10, seed=4)
    for key in ("train_index", "val_index", "test_index"):
        np.testing.assert_array_equal(a.meta[key], b.meta[key])
        assert not np.array_equal(a.meta[key], c.meta[key])


def test_validation_is_stratified_disjoint_and_independent_of_subset(tmp_path):
    d = make_mnist_dir(tmp_path / "v", [60, 40], [10, 10])
    full = load_mnist_format(d, validation=20)
    small = load_mnist_format(d, validation=20, subset=(30, None))
    np.testing.assert_array_equal(np.bincount(full.val_y), [12, 8])
    for ds in (full, small):
        train, val = ds.meta["train_index"], ds.meta["val_index"]
        assert np.intersect1d(train, val).size == 0
        np.testing.assert_array_equal(val, full.meta["val_index"])
    assert len(full.train_y) == 80 and len(small.train_y) == 30
    np.testing.assert_array_equal(
        np.sort(np.r_[full.meta["train_index"], full.meta["val_index"]]), np.arange(100)
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"subset": (90, None), "validation": 20}, "subset n_train=90 plus validation=20"),
        ({"subset": (None, 31)}, "n_test=31"),
        ({"subset": (-1, 5)}, "subset"),
        ({"subset": (5,)}, "subset"),
        ({"validation": 101}, "validation=101"),
        ({"validation": -1}, "validation"),
        ({"validation": True}, "validation"),
        ({"seed": -2}, "seed"),
    ],
)
def test_bad_loader_arguments_name_the_argument(tmp_path, kwargs, match):
    d = make_mnist_dir(tmp_path / "b", [50, 50], [15, 15])
    with pytest.raises(ValueError, match=match):
        load_mnist_format(d, **kwargs)


# -------------------------------------------------------------- real Fashion-MNIST (installed)


@pytest.fixture(scope="module")
def fashion() -> Dataset:
    """The real Fashion-MNIST from the Debian package's default location (no skipping)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(ENV_VAR, raising=False)
        return load_mnist_format()


def test_real_fashion_mnist_has_the_published_shapes_labels_and_pixel_statistics(fashion):
    assert fashion.meta["directory"] == str(DEFAULT_DIRECTORY)
    assert fashion.name == "fashion-mnist" and fashion.n_classes == 10
    assert fashion.train_x.shape == (60000, 784) and fashion.test_x.shape == (10000, 784)
    assert fashion.train_x.dtype == np.float64
    assert fashion.train_x.min() == 0.0 and fashion.train_x.max() == 1.0
    np.testing.assert_array_equal(np.bincount(fashion.train_y), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(fashion.test_y), [1000] * 10)
    # first labels of the files and the widely used normalisation constants (0.2860, 0.3530)
    np.testing.assert_array_equal(fashion.train_y[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    np.testing.assert_array_equal(fashion.test_y[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    assert abs(fashion.train_x.mean() - 0.2860) < 5e-4
    assert abs(fashion.train_x.std() - 0.3530) < 5e-4


def test_real_fashion_mnist_subset_is_balanced_and_matches_the_full_rows(fashion):
    ds = load_mnist_format(DEFAULT_DIRECTORY, subset=(1000, 500), validation=500, seed=1)
    np.testing.assert_array_equal(np.bincount(ds.train_y), [100] * 10)
    np.testing.assert_array_equal(np.bincount(ds.val_y), [50] * 10)
    np.testing.assert_array_equal(np.bincount(ds.test_y), [50] * 10)
    assert np.intersect1d(ds.meta["train_index"], ds.meta["val_index"]).size == 0
    np.testing.assert_array_equal(ds.val_x, fashion.train_x[ds.meta["val_index"]])
    np.testing.assert_array_equal(ds.test_x, fashion.test_x[ds.meta["test_index"]])


def test_real_fashion_mnist_splits_into_five_class_pair_tasks(fashion):
    tasks = class_split(fashion, np.arange(10).reshape(5, 2))
    for t, task in enumerate(tasks):
        assert task.train_x.shape == (12000, 784) and task.test_x.shape == (2000, 784)
        assert set(np.unique(task.train_y)) == {2 * t, 2 * t + 1}
        assert task.meta["classes"] == (2 * t, 2 * t + 1)


# --------------------------------------------------------------------- tasks and conveniences


def toy(n_train: int = 40, n_classes: int = 4, seed: int = 0) -> Dataset:
    rng = np.random.default_rng([5, seed])
    return Dataset(
        train_x=rng.random((n_train, 6)),
        train_y=np.arange(n_train) % n_classes,
        val_x=rng.random((8, 6)),
        val_y=np.arange(8) % n_classes,
        test_x=rng.random((12, 6)),
        test_y=rng.permutation(np.arange(12) % n_classes),
        n_classes=n_classes,
        name="toy",
    )


def test_class_split_keeps_exactly_the_rows_of_each_group_in_order():
    ds = toy()
    tasks = class_split(ds, [(0, 2), (3,), (1,)])
    assert sum(len(t.train_y) for t in tasks) == len(ds.train_y)
    for task, group in zip(tasks, [(0, 2), (3,), (1,)], strict=True):
        assert task.n_classes == 4 and task.meta["classes"] == group
        for split in ("train", "val", "test"):
            y = getattr(ds, f"{split}_y")
            keep = np.flatnonzero(np.isin(y, group))
            np.testing.assert_array_equal(getattr(task, f"{split}_y"), y[keep])
            x = getattr(ds, f"{split}_x")
            np.testing.assert_array_equal(getattr(task, f"{split}_x"), x[keep])


def test_class_split_keeps_the_file_indices_of_loaded_rows(tmp_path):
    d = make_mnist_dir(tmp_path / "c", [10, 10, 10], [5, 5, 5])
    ds = load_mnist_format(d, subset=(15, 9), validation=6)
    for task in class_split(ds, [(2,), (0, 1)]):
        for split, prefix in (("train", "train"), ("val", "train"), ("test", "t10k")):
            index = task.meta[f"{split}_index"]
            np.testing.assert_array_equal(
                getattr(task, f"{split}_y"), file_labels(d, prefix)[index]
            )
            np.testing.assert_array_equal(getattr(task, f"{split}_x")[:, 0], index / 255.0)


def test_class_split_relabel_maps_each_group_to_0_to_k_minus_1_in_the_given_order():
    ds = toy()
    (task,) = class_split(ds, [(3, 1)], relabel=True)
    assert task.n_classes == 2
    original = ds.test_y[np.isin(ds.test_y, (3, 1))]
    np.testing.assert_array_equal(task.test_y, np.where(original == 3, 0, 1))


@pytest.mark.parametrize(
    "classes, match",
    [
        ([(0, 4)], "unknown class 4"),
        ([(0, 1), (1, 2)], "appears in two tasks"),
        ([(0, 0)], "twice"),
        ([()], "empty group"),
        ([0, 1], "class groups"),
        ([(-1,)], "classes"),
        ("01", "class groups"),
    ],
)
def test_class_split_rejects_bad_groups(classes, match):
    with pytest.raises(ValueError, match=match):
        class_split(toy(), classes)


def test_class_split_rejects_regression_data():
    reg = Dataset(
        train_x=np.zeros((2, 1)),
        train_y=np.zeros((2, 1)),
        val_x=np.zeros((0, 1)),
        val_y=np.zeros((0, 1)),
        test_x=np.zeros((1, 1)),
        test_y=np.zeros((1, 1)),
        n_classes=0,
        name="reg",
    )
    with pytest.raises(ValueError, match="classification"):
        class_split(reg, [(0,)])


def test_permuted_pixels_applies_rng_permutation_to_every_split():
    ds = toy()
    out = permuted_pixels(ds, np.random.default_rng(42))
    perm = np.random.default_rng(42).permutation(6)
    np.testing.assert_array_equal(out.meta["permutation"], perm)
    assert not np.array_equal(perm, np.arange(6))
    for split in ("train", "val", "test"):
        x = getattr(ds, f"{split}_x")
        np.testing.assert_array_equal(getattr(out, f"{split}_x"), x[:, perm])
        np.testing.assert_array_equal(getattr(out, f"{split}_y"), getattr(ds, f"{split}_y"))
    other = permuted_pixels(ds, np.random.default_rng(43))
    assert not np.array_equal(other.meta["permutation"], perm)
    with pytest.raises(ValueError, match="rng"):
        permuted_pixels(ds, 42)


def test_one_hot_codes_and_errors():
    labels = np.array([2, 0, 1, 2])
    codes = one_hot(labels, 3)
    assert codes.dtype == np.float64
    np.testing.assert_array_equal(codes.sum(axis=1), 1.0)
    np.testing.assert_array_equal(codes.argmax(axis=1), labels)
    for bad, n, match in [
        ([0, 3], 3, r"\[0, 3\)"),
        ([-1], 3, "labels"),
        ([0.0], 2, "integer"),
        ([0], 0, "n_classes"),
    ]:
        with pytest.raises(ValueError, match=match):
            one_hot(np.array(bad), n)


@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_cover_each_row_once_per_epoch_keeping_pairs(drop_last):
    x = np.arange(23.0)[:, None] * np.ones((1, 3))
    y = np.arange(23)
    rng = np.random.default_rng(0)
    epochs = [list(batches(x, y, 5, rng, drop_last=drop_last)) for _ in range(2)]
    for epoch in epochs:
        sizes = [len(yb) for _, yb in epoch]
        assert sizes == ([5] * 4 if drop_last else [5, 5, 5, 5, 3])
        seen = np.concatenate([yb for _, yb in epoch])
        assert len(np.unique(seen)) == len(seen)
        if not drop_last:
            np.testing.assert_array_equal(np.sort(seen), y)
        for xb, yb in epoch:
            np.testing.assert_array_equal(xb[:, 0], yb)
    first, second = (np.concatenate([yb for _, yb in e]) for e in epochs)
    assert not np.array_equal(first, second)  # reshuffled each epoch
    replay = batches(x, y, 5, np.random.default_rng(0), drop_last=drop_last)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in replay]), first)


def test_batches_without_rng_are_in_order():
    y = np.arange(7)
    assert [b.tolist() for _, b in batches(y[:, None], y, 3, None)] == [[0, 1, 2], [3, 4, 5], [6]]


@pytest.mark.parametrize(
    "x, y, size, rng, match",
    [
        (np.zeros((4, 2)), np.zeros(3), 2, None, "same number of rows"),
        (np.zeros((4, 2)), np.zeros(4), 0, None, "batch_size"),
        (np.zeros((4, 2)), np.zeros(4), 2.0, None, "batch_size"),
        (np.zeros((4, 2)), np.zeros(4), 2, 0, "rng"),
    ],
)
def test_batches_check_arguments_when_called(x, y, size, rng, match):
    with pytest.raises(ValueError, match=match):
        batches(x, y, size, rng)  # no iteration needed


def test_dataset_validates_and_is_read_only():
    ds = toy()
    assert repr(ds) == "Dataset('toy', n_classes=4, n_features=6, train=40, val=8, test=12)"
    with pytest.raises(ValueError, match="read-only"):
        ds.train_x[0, 0] = 1.0
    source = np.zeros((2, 6))
    Dataset(
        train_x=source,
        train_y=[0, 1],
        val_x=np.zeros((0, 6)),
        val_y=np.zeros(0, int),
        test_x=source,
        test_y=[0, 0],
        n_classes=2,
        name="t",
    )
    assert source.flags.writeable  # the caller's array is untouched
    base = {f: getattr(ds, f) for f in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")}
    for change, match in [
        ({"train_y": ds.train_y + 1}, r"train_y must lie in \[0, 4\)"),
        ({"val_y": ds.val_y[:-1]}, "val_y has 7 rows"),
        ({"test_x": ds.test_x[:, :5]}, "test_x has 5 features"),
        ({"train_x": ds.train_x[0]}, "train_x must have shape"),
        ({"n_classes": -1}, "n_classes"),
    ]:
        kwargs = {"n_classes": 4, "name": "t", **base, **change}
        with pytest.raises(ValueError, match=match):
            Dataset(**kwargs)
