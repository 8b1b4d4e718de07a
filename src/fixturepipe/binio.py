"""Raw little-endian C-order arrays on disk, read back with their size checked.

The fixture format is deliberately the seed script's: bare ``ndarray.tofile``
bytes, shape and dtype kept in the meta file (``bfloat16`` is the upper 16 bits
of a float32, little-endian, as mlx-native's files; numpy handles it through
``ml_dtypes``), so a Rust crate can
``include_bytes!`` them.  Reading checks the byte count so a truncated file is a
clear error naming the file instead of a reshape traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import ml_dtypes  # noqa: F401  (registers the "bfloat16" dtype name with numpy)
import numpy as np

from fixturepipe import atomic


class FixtureFileError(Exception):
    """A fixture file is missing or does not have the size its spec implies."""


def write_array(path: str | os.PathLike[str], array: np.ndarray, dtype: str) -> None:
    """Atomically write ``array`` as raw little-endian bytes of ``dtype``, C order."""
    expected = np.dtype(dtype).newbyteorder("<")
    if array.dtype != np.dtype(dtype):
        raise TypeError(f"{path}: array has dtype {array.dtype}, the spec says {dtype}")
    atomic.write_bytes(path, np.ascontiguousarray(array, dtype=expected).tobytes(order="C"))


def read_array(path: str | os.PathLike[str], shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Read a raw array, checking that its byte size matches ``shape`` and ``dtype``."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise FixtureFileError(f"{file} does not exist.") from exc
    little = np.dtype(dtype).newbyteorder("<")
    expected = int(np.prod(shape, dtype=np.int64)) * little.itemsize
    if len(data) != expected:
        raise FixtureFileError(
            f"{file} has {len(data)} bytes but shape {list(shape)} of {dtype} needs {expected}; "
            "the file is truncated or from another geometry."
        )
    return np.frombuffer(data, dtype=little).reshape(shape).astype(np.dtype(dtype), copy=True)
