"""Packed vectors and floatCxR / halfCxR matrices: layout as in Metal, operators against numpy."""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from fixturepipe.metal_cpu import metal_kernel

PACKED_SOURCE = """
    uint i = thread_position_in_grid.x;
    device const packed_float3* p = (device const packed_float3*)inp;
    packed_float3 v = p[i];
    float3 u = v;
    packed_float3 w = v * 2.0f + u;
    w += 1.0f;
    w.y = w[1] + v.z;
    w.r = -w.r;
    device packed_float3* q = (device packed_float3*)packed_out;
    q[i] = w;
    sizes[0] = sizeof(packed_float3);
    sizes[1] = alignof(packed_float3);
    sizes[2] = sizeof(packed_half4);
    sizes[3] = sizeof(float3);
    dots[i] = dot(v, u) + length(packed_float3(3.0f, 4.0f, 0.0f));
"""


def test_packed_vectors_are_unpadded_and_compute_as_vectors() -> None:
    x = np.arange(12, dtype=np.float32) / 4
    kernel = metal_kernel(
        name="packed", input_names=["inp"], output_names=["packed_out", "sizes", "dots"],
        source=PACKED_SOURCE,
    )
    out, sizes, dots = kernel(
        inputs=[mx.array(x)], grid=(4, 1, 1), threadgroup=(4, 1, 1),
        output_shapes=[(12,), (4,), (4,)], output_dtypes=[mx.float32, mx.uint32, mx.float32],
    )
    np.testing.assert_array_equal(np.asarray(sizes), [12, 4, 8, 16])
    v = x.reshape(4, 3)
    w = 3 * v + 1
    w[:, 1] += v[:, 2]
    w[:, 0] *= -1
    np.testing.assert_array_equal(np.asarray(out).reshape(4, 3), w)
    np.testing.assert_allclose(np.asarray(dots), (v * v).sum(1) + 5, rtol=1e-6)


MATRIX_SOURCE = """
    uint i = thread_position_in_grid.x;
    device const float* a = inp + 16 * i;
    float4x4 m = float4x4(float4(a[0], a[1], a[2], a[3]), float4(a[4], a[5], a[6], a[7]),
                          float4(a[8], a[9], a[10], a[11]), float4(a[12], a[13], a[14], a[15]));
    float3x3 n = float3x3(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    float2x3 r = float2x3(float3(a[0], a[1], a[2]), float3(a[3], a[4], a[5]));
    float4 v = float4(1.0f, -2.0f, 0.5f, 3.0f);
    float4 mv = m * v;
    float4 vm = v * m;
    float4x4 mm = m * transpose(m) + float4x4(2.0f) - m * 0.5f;
    float3 rv = r * float2(2.0f, -1.0f);
    float3x2 rt = transpose(r);
    float2 rtv = rt * float3(1.0f, 1.0f, 1.0f);
    half2x2 h = half2x2(half(a[0]), half(a[1]), half(a[2]), half(a[3]));
    device float* o = out + 40 * i;
    for (int k = 0; k < 4; ++k) { o[k] = mv[k]; o[4 + k] = vm[k]; }
    for (int c = 0; c < 4; ++c) for (int k = 0; k < 4; ++k) o[8 + 4 * c + k] = mm[c][k];
    for (int k = 0; k < 3; ++k) o[24 + k] = rv[k];
    o[27] = rtv.x; o[28] = rtv.y;
    o[29] = determinant(n);
    o[30] = determinant(m);
    o[31] = float(determinant(h));
    o[32] = (m == m) ? 1.0f : 0.0f;
    o[33] = (m != transpose(m)) ? 1.0f : 0.0f;
    o[34] = float(sizeof(float3x3));
    o[35] = n[2][1];
"""


def test_matrix_types_are_column_major_with_metals_operators() -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(-4, 5, (3, 16)).astype(np.float32)
    kernel = metal_kernel(name="matrix", input_names=["inp"], output_names=["out"],
                          source=MATRIX_SOURCE)
    (out,) = kernel(inputs=[mx.array(a.ravel())], grid=(3, 1, 1), threadgroup=(3, 1, 1),
                    output_shapes=[(120,)], output_dtypes=[mx.float32])
    out = np.asarray(out).reshape(3, 40)
    v = np.array([1, -2, 0.5, 3], np.float64)
    for i in range(3):
        m = a[i].reshape(4, 4).T.astype(np.float64)  # columns are consecutive 4-vectors
        n = a[i, :9].reshape(3, 3).T.astype(np.float64)
        r = a[i, :6].reshape(2, 3).T.astype(np.float64)  # 3 rows, 2 columns
        h = a[i, :4].reshape(2, 2).T.astype(np.float64)
        o = out[i]
        np.testing.assert_array_equal(o[0:4], m @ v)
        np.testing.assert_array_equal(o[4:8], v @ m)
        mm = m @ m.T + 2 * np.eye(4) - 0.5 * m
        np.testing.assert_array_equal(o[8:24].reshape(4, 4).T, mm)
        np.testing.assert_array_equal(o[24:27], r @ [2, -1])
        np.testing.assert_array_equal(o[27:29], r.T @ [1, 1, 1])
        assert o[29] == round(np.linalg.det(n)) and o[30] == round(np.linalg.det(m))
        assert o[31] == round(np.linalg.det(h))
        assert o[32] == 1 and o[33] == float(not np.array_equal(m, m.T))
        assert o[34] == 48 and o[35] == n[1, 2]
