"""kernel_lib.numerics: fma32 is one rounding, as the CPU executor's fma (the kernels' matrices)."""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from fixturepipe.kernel_lib.numerics import fma32, ordered_matmul
from fixturepipe.metal_cpu import metal_kernel


def test_fma32_fixes_the_halfway_double_rounding_case():
    # a * b = 2^6 - 2^-40 exactly; + c lands on the float32 midpoint in float64, while the
    # exact sum lies just below it: one rounding gives c, two roundings give c's neighbour.
    a = np.array([1 + 2.0**-23], np.float32)
    b = np.array([2.0**6 * (1 - 2.0**-23)], np.float32)
    c = np.array([2.0**30 + 2.0**7], np.float32)
    assert np.float32(a.astype(np.float64) * b + c) != c[0]  # the naive route is wrong
    assert fma32(a, b, c)[0] == c[0]


def test_fma32_matches_the_executor_fma_bit_for_bit():
    rng = np.random.default_rng(1)
    n = 50000
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c = (rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))).astype(np.float32)
    source = "uint i = thread_position_in_grid.x; o[i] = fma(a[i], b[i], c[i]);"
    kernel = metal_kernel(name="fma_check", input_names=["a", "b", "c"], output_names=["o"],
                          source=source)
    (out,) = kernel(inputs=[mx.array(a), mx.array(b), mx.array(c)], grid=(n, 1, 1),
                    threadgroup=(256, 1, 1), output_shapes=[(n,)], output_dtypes=[mx.float32])
    np.testing.assert_array_equal(np.array(out).view(np.uint32), fma32(a, b, c).view(np.uint32))


def test_ordered_matmul_fused_and_unfused_differ_only_in_rounding():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 16, 64)).astype(np.float32)
    b = rng.standard_normal((3, 64, 8)).astype(np.float32)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    for fused in (False, True):
        got = ordered_matmul(a, b, fused=fused)
        np.testing.assert_allclose(got, exact, rtol=0, atol=64 * 2.0**-24 * np.abs(a).max()
                                   * np.abs(b).max() * 64)
    assert not np.array_equal(ordered_matmul(a, b), ordered_matmul(a, b, fused=True))
