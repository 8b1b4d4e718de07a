"""MLX's complex64_t, and the quad-group and modulo shuffle functions of metal_simd_extras.h."""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from fixturepipe.metal_cpu import metal_kernel

COMPLEX_SOURCE = """
    uint i = thread_position_in_grid.x;
    complex64_t x = a[i], y = b[i];
    complex64_t z = x * y + x / y - complex64_t(2.0f, -1.0f) * 3.0f;
    z += 1.5f;
    out[i] = z;
    order[i] = (x < y ? 1 : 0) + (x == x ? 2 : 0) + (x != y ? 4 : 0) + (x >= y ? 8 : 0);
    re[i] = float(z);
"""


def test_complex64_arrays_and_arithmetic() -> None:
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(16) + 1j * rng.standard_normal(16)).astype(np.complex64)
    b = (rng.standard_normal(16) + 1j * rng.standard_normal(16)).astype(np.complex64)
    a[3] = b[3].real + 1j * (b[3].imag + 1)  # equal real parts: the imaginary part orders
    kernel = metal_kernel(name="cx", input_names=["a", "b"], output_names=["out", "order", "re"],
                          source=COMPLEX_SOURCE)
    out, order, re = kernel(
        inputs=[mx.array(a), mx.array(b)], grid=(16, 1, 1), threadgroup=(16, 1, 1),
        output_shapes=[(16,)] * 3, output_dtypes=[mx.complex64, mx.int32, mx.float32],
        init_value=0,
    )
    exact = a.astype(np.complex128) * b + a.astype(np.complex128) / b - (2 - 1j) * 3 + 1.5
    np.testing.assert_allclose(np.asarray(out), exact, rtol=0, atol=2e-5 * np.abs(exact).max())
    np.testing.assert_array_equal(np.asarray(re), np.asarray(out).real)
    less = (a.real < b.real) | ((a.real == b.real) & (a.imag < b.imag))
    np.testing.assert_array_equal(np.asarray(order), less * 1 + 2 + 4 + (~less) * 8)


QUAD_SOURCE = """
    uint l = thread_index_in_simdgroup;
    int x = int(inp[l]);
    if (l == 6) return;  // an inactive lane: quad 1 has three active lanes
    device int* o = out + 16 * l;
    o[0] = quad_and(x | 0x100);
    o[1] = quad_or(x);
    o[2] = quad_xor(x);
    o[3] = quad_prefix_inclusive_sum(x);
    o[4] = quad_prefix_exclusive_sum(x);
    o[5] = quad_prefix_inclusive_product(x);
    o[6] = quad_prefix_exclusive_product(x);
    o[7] = int(quad_vote::vote_t(quad_ballot(x % 2 == 1)));
    o[8] = int(quad_vote::vote_t(quad_active_threads_mask()));
    o[9] = quad_is_first() ? 1 : 0;
    o[10] = quad_broadcast_first(x);
    o[11] = quad_shuffle_rotate_down(x, 1);
    o[12] = quad_shuffle_and_fill_up(x, -1, 1);
    o[13] = simd_shuffle_and_fill_down(x, -2, 3, 8);
    o[14] = (simd_is_helper_thread() || quad_is_helper_thread()) ? 1 : 0;
    o[15] = quad_shuffle_rotate_up(x, 1);
"""


def test_quad_functions_and_modulo_shuffles() -> None:
    x = np.arange(1, 33, dtype=np.float32)
    kernel = metal_kernel(name="quads", input_names=["inp"], output_names=["out"],
                          source=QUAD_SOURCE)
    (out,) = kernel(inputs=[mx.array(x)], grid=(32, 1, 1), threadgroup=(32, 1, 1),
                    output_shapes=[(32 * 16,)], output_dtypes=[mx.int32], init_value=0)
    out = np.asarray(out).reshape(32, 16)
    vals = np.arange(1, 33)
    active = np.ones(32, bool)
    active[6] = False
    for lane in range(32):
        if not active[lane]:
            assert (out[lane] == 0).all()
            continue
        q = lane - lane % 4
        quad = [k for k in range(q, q + 4) if active[k]]
        qv = [vals[k] for k in quad]
        before = [vals[k] for k in quad if k < lane]
        o = out[lane]
        assert o[0] == np.bitwise_and.reduce([v | 0x100 for v in qv])
        assert o[1] == np.bitwise_or.reduce(qv) and o[2] == np.bitwise_xor.reduce(qv)
        assert o[3] == sum(before) + vals[lane] and o[4] == sum(before)
        assert o[5] == np.prod([*before, vals[lane]]) and o[6] == np.prod(before)
        assert o[7] == sum(1 << (k - q) for k in quad if vals[k] % 2 == 1)
        assert o[8] == sum(1 << (k - q) for k in quad)
        assert o[9] == (lane == quad[0]) and o[10] == vals[quad[0]]
        src = q + (lane + 1) % 4
        assert o[11] == (vals[src] if active[src] else vals[lane])
        up = vals[lane - 1] if active[lane - 1] else vals[lane]
        assert o[12] == (-1 if lane % 4 == 0 else up)
        s = lane % 8 + 3
        want = -2 if s >= 8 else (vals[lane + 3] if active[lane + 3] else vals[lane])
        assert o[13] == want and o[14] == 0
        src = q + (lane + 3) % 4
        assert o[15] == (vals[src] if active[src] else vals[lane])
