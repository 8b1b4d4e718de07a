"""The NaN bit patterns that mark what a kernel did not compute, and the classification of
non-finite output elements they make possible.

Two poisons, with different payloads, so a failing output says *why* it holds NaN:

* **Output poison.** Every output is filled with :data:`OUTPUT_POISON` before launch
  (``init_value`` in :mod:`fixturepipe.kernel_stage`).  An element still holding it was
  never written.  Its float32 payload (``0x7FEB4000``) is not the canonical NaN
  (``0x7FC00000``) that ``0.0 / 0.0``, ``NAN`` or a NaN input propagates, so a NaN the
  kernel computed is not mistaken for an unwritten element.  MLX converts the fill value to
  16-bit outputs without keeping the payload (``float16`` 0x7D00, ``bfloat16`` the
  canonical 0x7FC0), so for bfloat16 outputs an unwritten element and a written canonical
  NaN look alike.
* **Threadgroup poison.** The CPU executor fills threadgroup memory with the 16-bit word
  0x7FF4 before each threadgroup runs (``mtl_fill`` in
  ``metal_cpu/runtime/launcher.h``): a quiet NaN as float32 (0x7FF47FF4), float16 and
  bfloat16.  Arithmetic and conversions propagate a NaN operand's payload (x86 and ARM), so
  an output element carrying it (sign ignored) read uninitialised threadgroup memory.
  Apple GPUs do not poison threadgroup memory: there such reads show as written NaN or as
  wrong values.
"""

from __future__ import annotations

import struct

import numpy as np

# float32 0x7FEB4000 as a Python float (double with the same payload bits).
_OUTPUT_DOUBLE_BITS = 0x7FF0000000000000 | 0x6B4000 << 29
OUTPUT_POISON: float = struct.unpack("<d", struct.pack("<Q", _OUTPUT_DOUBLE_BITS))[0]

# Bits (sign cleared) of the output poison after MLX's conversion to each dtype.
_OUTPUT_BITS = {"float32": 0x7FEB4000, "float16": 0x7D00, "bfloat16": 0x7FC0}
# Bits (sign cleared) a threadgroup-poison NaN (the 16-bit word 0x7FF4, repeated) has in each
# dtype: stored as is, or converted from a float32 / 16-bit poisoned value (payload kept by
# shifting, quiet bit set).
_THREADGROUP_BITS = {
    "float32": {0x7FF47FF4, 0x7FFE8000, 0x7FF40000},
    "float16": {0x7FF4, 0x7FA3},
    "bfloat16": {0x7FF4, 0x7FFE},
}
_UINT = {2: np.uint16, 4: np.uint32}

CATEGORIES = ("unwritten", "uninitialised_threadgroup", "nan_written", "inf_written")
"""Non-finite output elements where the reference is finite, by cause (see :func:`classify`)."""


def _dtype_name(dtype: np.dtype) -> str:
    return "bfloat16" if dtype.name == "bfloat16" else np.dtype(dtype).name


def classify(out: np.ndarray, ref: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks, one per :data:`CATEGORIES`, of non-finite ``out`` where ``ref`` is finite.

    ``unwritten``: still the output poison.  ``uninitialised_threadgroup``: a NaN carrying
    the threadgroup poison's payload.  ``nan_written`` / ``inf_written``: any other NaN, or
    +-inf, which the kernel computed.
    """
    finite_ref = np.isfinite(ref)
    nan = np.isnan(out) & finite_ref
    name = _dtype_name(out.dtype)
    uint = _UINT.get(out.dtype.itemsize)
    if uint is None or name not in _OUTPUT_BITS:
        unwritten = nan
        threadgroup = np.zeros_like(nan)
    else:
        sign = np.array(1 << (8 * out.dtype.itemsize - 1), dtype=uint)
        bits = np.ascontiguousarray(out).view(uint) & ~sign
        unwritten = nan & (bits == _OUTPUT_BITS[name])
        threadgroup = nan & np.isin(bits, list(_THREADGROUP_BITS[name]))
    return {
        "unwritten": unwritten,
        "uninitialised_threadgroup": threadgroup,
        "nan_written": nan & ~unwritten & ~threadgroup,
        "inf_written": np.isinf(out) & finite_ref,
    }


def poisoned(shape: tuple[int, ...], dtype: np.dtype | str) -> np.ndarray:
    """An array of ``shape`` filled with the output poison, as a launch that never ran left it."""
    dtype = np.dtype(dtype)
    name = _dtype_name(dtype)
    if name in _OUTPUT_BITS:
        uint = _UINT[dtype.itemsize]
        return np.full(shape, _OUTPUT_BITS[name], dtype=uint).view(dtype)
    return np.full(shape, np.nan, dtype=dtype)
