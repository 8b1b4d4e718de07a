"""Byte-deterministic float arithmetic for references: bf16 rounding, exp, ordered dot products.

A float32 reference that mirrors a kernel must round where the kernel rounds
and add in the order the kernel adds; a golden file must be the same bytes on
every machine.  So: bf16 rounding through ``ml_dtypes`` (round to nearest
even, as Metal's ``bfloat(x)``), ``exp`` through the scalar ``math.exp`` in
float64 rounded once to the target type (numpy's vectorised ``exp`` picks a
SIMD path per CPU and its last bits differ), and contractions as a sequence of
elementwise multiply-then-add steps in a fixed index order (no BLAS, no fused
multiply-add unless the kernel fuses: a kernel compiled with ``-ffp-contract=off`` adds
exactly so, and :func:`fma32` mirrors an explicit fused multiply-add).
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np

BF16 = np.dtype(ml_dtypes.bfloat16)


def to_bf16(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to bfloat16 (nearest even), as an ``ml_dtypes.bfloat16`` array."""
    return np.asarray(x, dtype=np.float32).astype(BF16)


def round_bf16(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to bfloat16 and widened back to float32: a kernel's ``float(bfloat(x))``."""
    return to_bf16(x).astype(np.float32)


def _exp(x: np.ndarray) -> np.ndarray:
    flat = np.asarray(x, dtype=np.float64).ravel()
    return np.array([math.exp(v) for v in flat.tolist()], dtype=np.float64).reshape(np.shape(x))


def exp32(x: np.ndarray) -> np.ndarray:
    """``exp`` of a float32 array, rounded to float32 from float64: the correctly rounded
    ``expf`` (the kernel's) except in the rare halfway cases double rounding misses."""
    return _exp(np.asarray(x, dtype=np.float32)).astype(np.float32)


def exp64(x: np.ndarray) -> np.ndarray:
    """``exp`` of a float64 array with the scalar libm (the same bytes on every CPU)."""
    return _exp(x)


def fma32(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a * b + c`` for float32 arrays with one rounding (a fused multiply-add), elementwise.

    The float32 product is exact in float64; the float64 sum and its exact error
    (TwoSum) then give the correctly rounded float32 result, fixing the one case where
    rounding twice goes wrong: a float64 sum that lands exactly halfway between two
    float32 numbers while the exact sum lies to one side of it.
    """
    p = np.asarray(a, np.float32).astype(np.float64) * np.asarray(b, np.float32)
    c64 = np.asarray(c, np.float32).astype(np.float64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)
    r = s.astype(np.float32)
    up = np.nextafter(r, np.float32(np.inf))
    down = np.nextafter(r, np.float32(-np.inf))
    r64 = r.astype(np.float64)
    above = (r64 + up.astype(np.float64)) / 2 == s  # s halfway between r and up
    below = (r64 + down.astype(np.float64)) / 2 == s  # s halfway between down and r
    r = np.where(above & (err > 0), up, r)
    return np.where(below & (err < 0), down, r).astype(np.float32)


def ordered_matmul(
    a: np.ndarray, b: np.ndarray, dtype: type = np.float32, *, fused: bool = False
) -> np.ndarray:
    """``a @ b`` over the last two axes, accumulated in ``dtype`` for k = 0, 1, ... in turn.

    ``acc = acc + a[..., :, k] * b[..., k, :]`` with one rounding for the
    product and one for the sum, starting from +0: what a kernel thread does
    with ``acc += x * y`` in a loop over k.  ``fused`` (float32 only) rounds once
    per step instead, ``acc = fma(a, b, acc)``: what the CPU executor's SIMD-group
    matrix multiply does.  Leading axes broadcast.
    """
    a = np.asarray(a, dtype=dtype)
    b = np.asarray(b, dtype=dtype)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"cannot contract {a.shape} with {b.shape}")
    if fused and dtype != np.float32:
        raise ValueError("fused accumulation is float32 only")
    shape = (*np.broadcast_shapes(a.shape[:-2], b.shape[:-2]), a.shape[-2], b.shape[-1])
    acc = np.zeros(shape, dtype=dtype)
    for k in range(a.shape[-1]):
        if fused:
            acc = fma32(a[..., :, k, None], b[..., None, k, :], acc)
        else:
            acc += a[..., :, k, None] * b[..., None, k, :]
    return acc
