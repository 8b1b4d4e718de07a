"""bool2/3/4 with swizzles (clang's own bool vectors have none) and their operators."""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from fixturepipe.metal_cpu import metal_kernel

SOURCE = """
    uint i = thread_position_in_grid.x;
    float4 x = float4(inp[i], inp[i] - 1.0f, 2.0f, -inp[i]);
    bool4 b = x > 0.5f;
    bool2 c = b.xz;
    bool3 d = bool3(c, !b.w);
    b.yw = c;
    bool4 e = bool4(true);
    e.r = false;
    bool4 f = isnan(x) || (b && e);
    out[i] = (b.x ? 1 : 0) + (b.y ? 2 : 0) + (b.z ? 4 : 0) + (b.w ? 8 : 0)
           + (all(d) ? 16 : 0) + (any(f) ? 32 : 0) + (f.x ? 64 : 0)
           + (all(b.xz == c) ? 128 : 0) + select(0.0f, 256.0f, f.y)
           + (any(f.wzyx != f) ? 512 : 0) + (bool3(d.zyx).z ? 1024 : 0)
           + (all(bool2(b.x, true)) ? 2048 : 0);
"""


def test_bool_vector_swizzles_and_operators() -> None:
    x = np.array([0, 1, 2, -1], np.float32)
    kernel = metal_kernel(name="boolvec", input_names=["inp"], output_names=["out"],
                          source=SOURCE)
    (out,) = kernel(inputs=[mx.array(x)], grid=(4, 1, 1), threadgroup=(4, 1, 1),
                    output_shapes=[(4,)], output_dtypes=[mx.float32])
    expected = []
    for v in x:
        xs = np.array([v, v - 1, 2, -v])
        b = xs > 0.5
        c = b[[0, 2]].copy()
        d = np.array([c[0], c[1], not b[3]])
        b[[1, 3]] = c
        e = np.array([False, True, True, True])
        f = np.isnan(xs) | (b & e)
        expected.append(
            (b * [1, 2, 4, 8]).sum() + 16 * d.all() + 32 * f.any() + 64 * f[0]
            + 128 * (b[[0, 2]] == c).all() + 256 * f[1] + 512 * (f[::-1] != f).any()
            + 1024 * d[0] + 2048 * b[0]
        )
    np.testing.assert_array_equal(np.asarray(out), expected)
