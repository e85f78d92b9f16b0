"""IDX files (the MNIST format): reading, with corruption checks, and writing.

IDX format (big-endian): two zero bytes, one type byte (0x08 uint8, 0x09 int8, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64), one byte ``ndim``, ``ndim`` uint32 sizes, then the
values in C order. Files may be gzip-compressed (detected from their content).
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["read_idx", "write_idx"]

_IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_DEFLATE_RATIO = 1032  # deflate cannot expand data by more than ~1032:1


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST format), gzip-compressed or not.

    Compression is detected from the content, not the name. Values come back in native byte
    order with the dtype the type byte declares.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    ndarray
        Array of the declared shape (uint8 for MNIST images and labels).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the magic number, the type byte or the size does not match the header (corrupt or
        truncated file, or trailing data); the message names the file.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "demo-idx2-ubyte.gz"
    >>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    >>> tmp.cleanup()
    """
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read_idx_stream(raw, path, compressed)
        try:
            return _read_idx_stream(gzip.GzipFile(fileobj=raw), path, compressed)
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from err


def _read_exact(stream: Any, buffer: memoryview) -> int:
    filled = 0
    while filled < len(buffer):
        got = stream.readinto(buffer[filled:])
        if not got:
            break
        filled += got
    return filled


def _read_idx_stream(stream: Any, path: Path, compressed: bool) -> np.ndarray:
    head = stream.read(4)
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _IDX_TYPES or head[3] == 0:
        raise ValueError(
            f"{path}: not an IDX file (magic number {head.hex() or 'missing'}; expected "
            f"0000 then a type byte in {{{', '.join(f'{t:02x}' for t in _IDX_TYPES)}}} "
            "and ndim >= 1)"
        )
    dtype, ndim = _IDX_TYPES[head[2]], head[3]
    dims = stream.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header (expected {ndim} dimension sizes)")
    shape = tuple(int(s) for s in np.frombuffer(dims, dtype=">u4"))
    nbytes = math.prod(shape) * dtype.itemsize
    size = path.stat().st_size
    limit = _MAX_DEFLATE_RATIO * size + 1024 if compressed else size - 4 - 4 * ndim
    if nbytes > limit:
        raise ValueError(
            f"{path}: truncated or corrupt IDX file: header declares shape {shape} "
            f"({nbytes} bytes of data) but the file can hold at most {limit} bytes"
        )
    out = np.empty(shape, dtype=dtype)
    got = _read_exact(stream, memoryview(out.reshape(-1).view(np.uint8)))
    if got < nbytes:
        raise ValueError(
            f"{path}: truncated IDX file: header declares shape {shape} ({nbytes} bytes of "
            f"data) but only {got} bytes follow"
        )
    if stream.read(1):
        raise ValueError(f"{path}: corrupt IDX file: data continues past shape {shape}")
    if not dtype.isnative:
        out = out.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return out


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ``.gz``.

    The gzip header carries no name or time stamp, so equal arrays give identical files. The
    file is written to a temporary name and moved into place, so nothing half-written is left.

    Parameters
    ----------
    path : str or path-like
        Destination.
    array : ndarray
        At least 1-D, dtype uint8, int8, int16, int32, float32 or float64.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "x.idx"
    >>> write_idx(path, np.array([1.5, -2.0], dtype=np.float32))
    >>> path.read_bytes()[:8].hex()
    '00000d0100000002'
    >>> tmp.cleanup()
    """
    array = np.asarray(array)
    codes = {dt.newbyteorder("="): code for code, dt in _IDX_TYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0 or array.ndim > 255:
        raise ValueError(
            f"array must be 1-D to 255-D with dtype in {sorted(str(d) for d in codes)}, "
            f"got {array.dtype} with {array.ndim} dimensions"
        )
    if max(array.shape) >= 2**32:
        raise ValueError(f"array dimensions must be < 2**32 for IDX, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=_IDX_TYPES[code]).tobytes()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as raw:
            if path.suffix == ".gz":
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                    gz.write(header + payload)
            else:
                raw.write(header + payload)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
