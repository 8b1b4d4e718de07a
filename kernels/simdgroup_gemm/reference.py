"""References of simdgroup_gemm: the executor's stated MMA numerics and the float64 oracle."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib.numerics import ordered_matmul


def fused_ordered(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float32: every element one fused multiply-add per k = 0, 1, ... in order, from +0."""
    return {"C": ordered_matmul(inputs["A"], inputs["B"].T, np.float32, fused=True)}


def exact(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float64: A @ B.T on the exact float32 inputs (a float64 product of float32 values is
    exact; the sums round at float64 precision, far below the tolerance)."""
    a = inputs["A"].astype(np.float64)
    b = inputs["B"].astype(np.float64)
    return {"C": ordered_matmul(a, b.T, np.float64)}
