"""Conformance: small Metal kernels run by the CPU executor beside numpy's answer."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe.metal_cpu import metal_kernel

EXP_SOURCE = """
    uint elem = thread_position_in_grid.x;
    T tmp = inp[elem];
    out[elem] = metal::exp(tmp);
"""


@pytest.mark.parametrize(
    ("dtype", "np_dtype"), [(mx.float32, np.float32), (mx.float16, np.float16)]
)
def test_exp_elementwise_with_template(dtype: mx.Dtype, np_dtype: type) -> None:
    """MLX's documented exp_elementwise example, templated on the element type."""
    a = mx.array(np.linspace(-3, 3, 1000).astype(np_dtype))
    kernel = metal_kernel(
        name="myexp", input_names=["inp"], output_names=["out"], source=EXP_SOURCE
    )
    (out,) = kernel(
        inputs=[a],
        template=[("T", dtype)],
        grid=(a.size, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[a.shape],
        output_dtypes=[dtype],
    )
    assert out.dtype == dtype and out.shape == a.shape
    expected = np.exp(np.asarray(a).astype(np.float64)).astype(np_dtype)
    np.testing.assert_array_max_ulp(np.asarray(out), expected, maxulp=1)


# MLX's documented example uses `uint loc`; int64_t also walks negative strides.
STRIDED_SOURCE = """
    uint elem = thread_position_in_grid.x;
    int64_t loc = elem_to_loc<int64_t>(elem, inp_shape, inp_strides, inp_ndim);
    T tmp = inp[loc];
    out[elem] = metal::exp(tmp);
"""


@pytest.mark.parametrize("view", ["transpose", "step_slice", "broadcast", "reversed"])
def test_strided_input_through_elem_to_loc(view: str) -> None:
    """ensure_row_contiguous=False passes the real strides; elem_to_loc walks them."""
    base = mx.arange(60, dtype=mx.float32).reshape(6, 10) / 20.0
    x = {
        "transpose": base.T,
        "step_slice": base[::2, 1::3],
        "broadcast": mx.broadcast_to(base[:1], (4, 10)),
        "reversed": base[::-1, ::2],  # negative strides
    }[view]
    kernel = metal_kernel(
        name="myexp_strided",
        input_names=["inp"],
        output_names=["out"],
        source=STRIDED_SOURCE,
        ensure_row_contiguous=False,
    )
    (out,) = kernel(
        inputs=[x],
        template=[("T", mx.float32)],
        grid=(x.size, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[mx.float32],
    )
    expected = np.exp(np.asarray(x).astype(np.float64)).astype(np.float32)
    np.testing.assert_array_max_ulp(np.asarray(out), expected, maxulp=1)


def test_row_contiguous_copy_gives_contiguous_strides() -> None:
    """With ensure_row_contiguous=True a transposed input arrives copied, strides row-major."""
    source = """
        uint i = thread_position_in_grid.x;
        out[i] = inp[i];
        if (i == 0) { strides[0] = inp_strides[0]; strides[1] = inp_strides[1]; }
    """
    x = mx.arange(12, dtype=mx.float32).reshape(3, 4).T
    kernel = metal_kernel(
        name="copy_strides", input_names=["inp"], output_names=["out", "strides"], source=source
    )
    out, strides = kernel(
        inputs=[x],
        grid=(12, 1, 1),
        threadgroup=(12, 1, 1),
        output_shapes=[(4, 3), (2,)],
        output_dtypes=[mx.float32, mx.int64],
    )
    np.testing.assert_array_equal(np.asarray(out), np.asarray(x))
    assert np.asarray(strides).tolist() == [3, 1]


def test_threadgroup_memory_reduction_with_partial_group() -> None:
    """Tree reduction in threadgroup memory; the last threadgroup is partial (1000 = 3*256+232)."""
    source = """
        threadgroup float buf[256];
        uint tid = thread_position_in_threadgroup.x;
        uint n = threads_per_threadgroup.x;
        buf[tid] = inp[thread_position_in_grid.x];
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint s = 128; s > 0; s >>= 1) {
            if (tid < s && tid + s < n) {
                buf[tid] += buf[tid + s];
            }
            threadgroup_barrier(mem_flags::mem_threadgroup);
        }
        if (tid == 0) {
            out[threadgroup_position_in_grid.x] = buf[0];
        }
    """
    x = np.random.default_rng(1).integers(-50, 50, 1000).astype(np.float32)
    kernel = metal_kernel(
        name="tg_reduce", input_names=["inp"], output_names=["out"], source=source
    )
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(1000, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[(4,)],
        output_dtypes=[mx.float32],
        init_value=0.0,
    )
    expected = [x[i * 256 : (i + 1) * 256].sum() for i in range(4)]
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expected, np.float32))


def test_simd_functions() -> None:
    """simd_sum/max/min, prefix sums, shuffles and broadcast over 32-lane simdgroups."""
    source = """
        uint gid = thread_position_in_grid.x;
        uint lane = thread_index_in_simdgroup;
        int v = inp[gid];
        int s = simd_sum(v);
        int mx_ = simd_max(v);
        int mn = simd_min(v);
        int incl = simd_prefix_inclusive_sum(v);
        int excl = simd_prefix_exclusive_sum(v);
        int down = simd_shuffle_down(v, 1);
        int up = simd_shuffle_up(v, 2);
        int x = simd_shuffle_xor(v, 5);
        int b = simd_broadcast(v, 7);
        int sh = simd_shuffle(v, (lane * 3) % 32);
        bool all_pos = simd_all(v > -1000);
        bool any_big = simd_any(v > 40);
        out[gid * 11 + 0] = s;
        out[gid * 11 + 1] = mx_;
        out[gid * 11 + 2] = mn;
        out[gid * 11 + 3] = incl;
        out[gid * 11 + 4] = excl;
        out[gid * 11 + 5] = down;
        out[gid * 11 + 6] = up;
        out[gid * 11 + 7] = x;
        out[gid * 11 + 8] = b;
        out[gid * 11 + 9] = sh;
        out[gid * 11 + 10] = int(all_pos) * 2 + int(any_big);
    """
    n = 128
    x = np.random.default_rng(2).integers(-50, 50, n).astype(np.int32)
    kernel = metal_kernel(name="simd_ops", input_names=["inp"], output_names=["out"], source=source)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(n, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(n, 11)],
        output_dtypes=[mx.int32],
    )
    got = np.asarray(out)
    lanes = np.arange(32)
    for g in range(n // 32):
        v = x[g * 32 : (g + 1) * 32]
        rows = got[g * 32 : (g + 1) * 32]
        np.testing.assert_array_equal(rows[:, 0], v.sum())
        np.testing.assert_array_equal(rows[:, 1], v.max())
        np.testing.assert_array_equal(rows[:, 2], v.min())
        np.testing.assert_array_equal(rows[:, 3], np.cumsum(v))
        np.testing.assert_array_equal(rows[:, 4], np.cumsum(v) - v)
        np.testing.assert_array_equal(rows[:, 5], np.where(lanes + 1 < 32, np.roll(v, -1), v))
        np.testing.assert_array_equal(rows[:, 6], np.where(lanes >= 2, np.roll(v, 2), v))
        np.testing.assert_array_equal(rows[:, 7], v[lanes ^ 5])
        np.testing.assert_array_equal(rows[:, 8], v[7])
        np.testing.assert_array_equal(rows[:, 9], v[(lanes * 3) % 32])
        np.testing.assert_array_equal(rows[:, 10], 2 + int((v > 40).any()))


def test_simd_sum_reduction_two_level() -> None:
    """The usual two-level reduction: simd_sum, one value per simdgroup in threadgroup
    memory, a barrier, then simd_sum again by the first simdgroup."""
    source = """
        threadgroup float partial[32];
        uint sg = simdgroup_index_in_threadgroup;
        uint lane = thread_index_in_simdgroup;
        float s = simd_sum(inp[thread_position_in_grid.x]);
        if (lane == 0) {
            partial[sg] = s;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        if (sg == 0) {
            float v = lane < simdgroups_per_threadgroup ? partial[lane] : 0.0f;
            float total = simd_sum(v);
            if (lane == 0) {
                out[threadgroup_position_in_grid.x] = total;
            }
        }
    """
    x = np.random.default_rng(3).integers(-9, 9, 4 * 1024).astype(np.float32)
    kernel = metal_kernel(
        name="simd_reduce", input_names=["inp"], output_names=["out"], source=source
    )
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(x.size, 1, 1),
        threadgroup=(1024, 1, 1),
        output_shapes=[(4,)],
        output_dtypes=[mx.float32],
    )
    np.testing.assert_array_equal(np.asarray(out), x.reshape(4, 1024).sum(axis=1))


def test_prefix_scan_in_threadgroup_memory() -> None:
    """Hillis-Steele inclusive scan with double buffering, one block per threadgroup."""
    source = """
        threadgroup int buf[2][512];
        uint t = thread_position_in_threadgroup.x;
        uint n = threads_per_threadgroup.x;
        uint g = thread_position_in_grid.x;
        int src = 0;
        buf[0][t] = inp[g];
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint offset = 1; offset < n; offset <<= 1) {
            int v = buf[src][t];
            if (t >= offset) {
                v += buf[src][t - offset];
            }
            buf[1 - src][t] = v;
            src = 1 - src;
            threadgroup_barrier(mem_flags::mem_threadgroup);
        }
        out[g] = buf[src][t];
    """
    x = np.random.default_rng(4).integers(-100, 100, 1300).astype(np.int32)
    kernel = metal_kernel(name="scan", input_names=["inp"], output_names=["out"], source=source)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(x.size, 1, 1),
        threadgroup=(512, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[mx.int32],
    )
    expected = np.concatenate([np.cumsum(x[i : i + 512]) for i in range(0, x.size, 512)])
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_tiled_transpose_through_threadgroup_memory() -> None:
    """16x16 tiles staged in threadgroup memory (padded to 17 columns) and written back."""
    source = """
        constexpr uint TILE = 16;
        threadgroup float tile[TILE][TILE + 1];
        uint2 g = thread_position_in_grid.xy;
        uint2 l = thread_position_in_threadgroup.xy;
        uint2 b = threadgroup_position_in_grid.xy;
        uint rows = inp_shape[0];
        uint cols = inp_shape[1];
        if (g.x < cols && g.y < rows) {
            tile[l.y][l.x] = inp[g.y * cols + g.x];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        uint ox = b.y * TILE + l.x;
        uint oy = b.x * TILE + l.y;
        if (ox < rows && oy < cols) {
            out[oy * rows + ox] = tile[l.x][l.y];
        }
    """
    rows, cols = 37, 53
    x = np.random.default_rng(5).standard_normal((rows, cols)).astype(np.float32)
    kernel = metal_kernel(
        name="transpose", input_names=["inp"], output_names=["out"], source=source
    )
    grid = (-(-cols // 16) * 16, -(-rows // 16) * 16, 1)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=grid,
        threadgroup=(16, 16, 1),
        output_shapes=[(cols, rows)],
        output_dtypes=[mx.float32],
    )
    np.testing.assert_array_equal(np.asarray(out), x.T)


def test_atomic_histogram() -> None:
    """atomic_outputs=True: device atomics across threadgroups running in parallel."""
    source = """
        uint i = thread_position_in_grid.x;
        atomic_fetch_add_explicit(&hist[inp[i]], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&total[0], 0.5f, memory_order_relaxed);
    """
    x = np.random.default_rng(6).integers(0, 16, 20000).astype(np.int32)
    kernel = metal_kernel(
        name="histogram",
        input_names=["inp"],
        output_names=["hist", "total"],
        source=source,
        atomic_outputs=True,
    )
    hist, total = kernel(
        inputs=[mx.array(x)],
        grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[(16,), (1,)],
        output_dtypes=[mx.int32, mx.float32],
        init_value=0,
    )
    np.testing.assert_array_equal(np.asarray(hist), np.bincount(x, minlength=16))
    assert float(np.asarray(total)[0]) == x.size * 0.5


def test_builtins_and_partial_edge_threadgroups() -> None:
    """dispatchThreads: group = min(threadgroup, grid); edge groups are partial and
    threads_per_threadgroup is their actual size."""
    source = """
        uint3 p = thread_position_in_grid;
        uint3 n = threads_per_grid;
        uint i = (p.z * n.y + p.y) * n.x + p.x;
        uint3 vals[7] = {threadgroup_position_in_grid, thread_position_in_threadgroup,
                         threads_per_threadgroup, threadgroups_per_grid,
                         dispatch_threads_per_threadgroup, grid_size, p};
        for (uint k = 0; k < 7; ++k) {
            out[i * 24 + 3 * k + 0] = vals[k].x;
            out[i * 24 + 3 * k + 1] = vals[k].y;
            out[i * 24 + 3 * k + 2] = vals[k].z;
        }
        out[i * 24 + 21] = thread_index_in_threadgroup;
        out[i * 24 + 22] = simdgroup_index_in_threadgroup * 100 + thread_index_in_simdgroup;
        out[i * 24 + 23] = simdgroups_per_threadgroup * 100 + threads_per_simdgroup;
    """
    grid, tg = (10, 7, 3), (4, 4, 64)  # z: min(64, 3) = 3 threads per group
    kernel = metal_kernel(
        name="builtins", input_names=["dummy"], output_names=["out"], source=source
    )
    (out,) = kernel(
        inputs=[mx.zeros((1,))],
        grid=grid,
        threadgroup=tg,
        output_shapes=[(3, 7, 10, 24)],
        output_dtypes=[mx.uint32],
    )
    got = np.asarray(out)
    group = np.minimum(tg, grid)
    ngroups = -(-np.asarray(grid) // group)
    for z in range(grid[2]):
        for y in range(grid[1]):
            for x in range(grid[0]):
                p = np.array([x, y, z])
                gpos = p // group
                lpos = p % group
                size = np.minimum(group, np.asarray(grid) - gpos * group)
                tid = (lpos[2] * size[1] + lpos[1]) * size[0] + lpos[0]
                n = int(np.prod(size))
                expected = [
                    *gpos,
                    *lpos,
                    *size,
                    *ngroups,
                    *group,
                    *grid,
                    *p,
                    tid,
                    (tid // 32) * 100 + tid % 32,
                    (-(-n // 32)) * 100 + 32,
                ]
                assert got[z, y, x].tolist() == expected, (x, y, z)


def test_early_return_before_barrier() -> None:
    """Threads that return before a barrier leave it: the others are not deadlocked."""
    source = """
        threadgroup float buf[64];
        uint t = thread_position_in_threadgroup.x;
        if (t >= 40) {
            return;
        }
        buf[t] = inp[thread_position_in_grid.x];
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[thread_position_in_grid.x] = buf[39 - t];
    """
    x = np.arange(128, dtype=np.float32)
    kernel = metal_kernel(
        name="early_return", input_names=["inp"], output_names=["out"], source=source
    )
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(128, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(128,)],
        output_dtypes=[mx.float32],
        init_value=-1.0,
    )
    expected = np.full(128, -1.0, np.float32)
    for g in range(2):
        expected[g * 64 : g * 64 + 40] = x[g * 64 : g * 64 + 40][::-1]
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_vectors_swizzles_half_bfloat() -> None:
    """Vector constructors, swizzles, component arithmetic, half and bfloat rounding."""
    source = """
        float4 v = float4(inp[0], inp[1], inp[2], inp[3]);
        float2 a = v.xy + v.zw;
        float3 c = float3(a, 1.0f);
        float4 d = float4(c.zyx, 2.0f) * 2.0f;
        v.xy = v.yx;
        half h = half(inp[4]) * 0.5h + half(1);
        bfloat bf = bfloat(inp[4]);
        half4 hv = half4(v);
        int2 iv = int2(7, -3) / 2;
        uint4 u = uint4(1u) << uint4(0, 1, 2, 3);
        out[0] = d.x; out[1] = d.y; out[2] = d.z; out[3] = d.w;
        out[4] = v.x; out[5] = v.y;
        out[6] = float(h);
        out[7] = float(bf);
        out[8] = float(hv.w);
        out[9] = float(iv.x + 10 * iv.y);
        out[10] = float(u.w + u.z);
        out[11] = dot(v, float4(1.0f));
        out[12] = metal::precise::sqrt(inp[1]) + metal::fast::rsqrt(inp[1]);
        out[13] = clamp(inp[2], 0.0f, 1.0f) + select(0.0f, 1.0f, inp[3] > 0.0f);
        out[14] = metal::max(inp[0], inp[1]) - min(inp[0], inp[1]);
        out[15] = length(float2(3.0f, 4.0f)) + fma(inp[0], inp[1], inp[2]);
        out[16] = all(v.xy > float2(0.0f)) ? 1.0f : 0.0f;
    """
    x = np.array([1.5, 2.25, -0.75, 4.0, 3.14159], np.float32)
    kernel = metal_kernel(name="vectors", input_names=["inp"], output_names=["out"], source=source)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(1, 1, 1),
        threadgroup=(1, 1, 1),
        output_shapes=[(17,)],
        output_dtypes=[mx.float32],
    )
    got = np.asarray(out)
    a = x[:2] + x[2:4]
    d = np.array([1.0, a[1], a[0], 2.0], np.float32) * 2
    h = np.float16(np.float16(x[4]) * np.float16(0.5)) + np.float16(1)
    bf = np.asarray(mx.array(x[4]).astype(mx.bfloat16).astype(mx.float32))
    expected = [
        *d,
        x[1],
        x[0],
        h,
        bf,
        np.float16(x[3]),
        3 + 10 * -1,
        8 + 4,
        x[1] + x[0] + x[2] + x[3],
        np.sqrt(x[1]) + np.float32(1) / np.sqrt(x[1]),
        0.0 + 1.0,
        x[1] - x[0],
        5.0 + np.float32(np.float64(x[0]) * np.float64(x[1]) + np.float64(x[2])),
        1.0,
    ]
    np.testing.assert_allclose(got, np.asarray(expected, np.float32), rtol=0, atol=0)


def test_bfloat16_and_float16_buffers() -> None:
    """bfloat16_t/float16_t inputs and outputs keep MLX's bit layout."""
    source = """
        uint i = thread_position_in_grid.x;
        b_out[i] = b_in[i] * bfloat16_t(2.0f) + bfloat16_t(1.0f);
        h_out[i] = h_in[i] * float16_t(3.0f);
    """
    vals = np.linspace(-2, 2, 50).astype(np.float32)
    b_in = mx.array(vals).astype(mx.bfloat16)
    h_in = mx.array(vals).astype(mx.float16)
    kernel = metal_kernel(
        name="halfs", input_names=["b_in", "h_in"], output_names=["b_out", "h_out"], source=source
    )
    b_out, h_out = kernel(
        inputs=[b_in, h_in],
        grid=(50, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(50,), (50,)],
        output_dtypes=[mx.bfloat16, mx.float16],
    )
    assert b_out.dtype == mx.bfloat16 and h_out.dtype == mx.float16
    expected_b = (b_in * mx.array(2.0, dtype=mx.bfloat16)) + mx.array(1.0, dtype=mx.bfloat16)
    assert mx.array_equal(b_out, expected_b).item()
    np.testing.assert_array_equal(np.asarray(h_out), np.asarray(h_in) * np.float16(3))


def test_scalar_and_small_inputs_use_constant_space() -> None:
    """0-dim inputs are `const constant T&`, inputs under 8 elements `const constant T*`."""
    source = """
        uint i = thread_position_in_grid.x;
        out[i] = scale * x[i] + bias[i % 3];
    """
    kernel = metal_kernel(
        name="axpb", input_names=["scale", "x", "bias"], output_names=["out"], source=source
    )
    x = np.arange(10, dtype=np.float32)
    (out,) = kernel(
        inputs=[2.0, mx.array(x), mx.array([1.0, 2.0, 3.0])],
        grid=(10, 1, 1),
        threadgroup=(10, 1, 1),
        output_shapes=[(10,)],
        output_dtypes=[mx.float32],
    )
    np.testing.assert_array_equal(np.asarray(out), 2 * x + np.array([1, 2, 3] * 4)[:10])


def test_uninitialised_outputs_are_a_deterministic_pattern() -> None:
    """Without init_value, unwritten float outputs read as NaN (all-ones bytes)."""
    source = "if (thread_position_in_grid.x == 0) { out[0] = 1.0f; }"
    kernel = metal_kernel(
        name="partial_write", input_names=["x"], output_names=["out"], source=source
    )
    (out,) = kernel(
        inputs=[mx.zeros((1,))],
        grid=(1, 1, 1),
        threadgroup=(1, 1, 1),
        output_shapes=[(4,)],
        output_dtypes=[mx.float32],
    )
    got = np.asarray(out)
    assert got[0] == 1.0 and np.isnan(got[1:]).all()


def test_threadgroup_atomics_partial_simdgroup_bit_functions() -> None:
    """A scalar threadgroup atomic, simd_sum over a partial simdgroup (40 = 32 + 8
    lanes), as_type, popcount/clz, MLX's Limits and half math."""
    source = """
        uint t = thread_position_in_threadgroup.x;
        threadgroup atomic_int counter;
        if (t == 0) {
            atomic_store_explicit(&counter, 0, memory_order_relaxed);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        atomic_fetch_add_explicit(&counter, int(t), memory_order_relaxed);
        float lanes = simd_sum(1.0f);
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[t * 7 + 0] = lanes;
        out[t * 7 + 1] = float(atomic_load_explicit(&counter, memory_order_relaxed));
        out[t * 7 + 2] = float(exp(half(x[t])));
        out[t * 7 + 3] = as_type<float>(as_type<uint>(x[t]) ^ 0x80000000u);
        out[t * 7 + 4] = float(popcount(t) + clz(t) * 100);
        out[t * 7 + 5] = Limits<float>::max;
        out[t * 7 + 6] = metal::numeric_limits<half>::max();
    """
    x = np.linspace(-2, 2, 40).astype(np.float32)
    kernel = metal_kernel("misc", ["x"], ["out"], source)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(40, 1, 1),
        threadgroup=(40, 1, 1),
        output_shapes=[(40, 7)],
        output_dtypes=[mx.float32],
    )
    got = np.asarray(out)
    t = np.arange(40)
    clz = np.array([32 if v == 0 else 32 - int(v).bit_length() for v in t])
    popcount = np.array([bin(v).count("1") for v in t])
    half_exp = np.exp(x.astype(np.float16).astype(np.float64)).astype(np.float16)
    np.testing.assert_array_equal(got[:, 0], np.where(t < 32, 32, 8))
    np.testing.assert_array_equal(got[:, 1], t.sum())
    np.testing.assert_array_max_ulp(got[:, 2].astype(np.float16), half_exp, maxulp=1)
    np.testing.assert_array_equal(got[:, 3], -x)
    np.testing.assert_array_equal(got[:, 4], popcount + clz * 100)
    assert np.isposinf(got[:, 5]).all() and (got[:, 6] == 65504).all()


def test_quad_functions() -> None:
    """quad_sum/max, quad_shuffle/_xor/_down over groups of 4 lanes."""
    source = """
        uint i = thread_position_in_grid.x;
        int v = inp[i];
        out[i * 5 + 0] = quad_sum(v);
        out[i * 5 + 1] = quad_max(v);
        out[i * 5 + 2] = quad_shuffle(v, 2);
        out[i * 5 + 3] = quad_shuffle_xor(v, 1);
        out[i * 5 + 4] = quad_shuffle_down(v, 1);
    """
    x = np.random.default_rng(8).integers(-20, 20, 64).astype(np.int32)
    kernel = metal_kernel("quads", ["inp"], ["out"], source)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(64, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(64, 5)],
        output_dtypes=[mx.int32],
    )
    got = np.asarray(out)
    q = x.reshape(16, 4)
    i = np.arange(64)
    np.testing.assert_array_equal(got[:, 0], np.repeat(q.sum(1), 4))
    np.testing.assert_array_equal(got[:, 1], np.repeat(q.max(1), 4))
    np.testing.assert_array_equal(got[:, 2], np.repeat(q[:, 2], 4))
    np.testing.assert_array_equal(got[:, 3], x[i ^ 1])
    np.testing.assert_array_equal(got[:, 4], np.where(i % 4 < 3, x[np.minimum(i + 1, 63)], x))


def test_init_value_fills_every_dtype_and_empty_grid_runs_nothing() -> None:
    """init_value is converted to each output dtype; a grid with a zero axis runs no thread."""
    kernel = metal_kernel("noop", ["x"], ["f", "i", "b"], "f[0] = 5.0f;")
    dtypes = [mx.float32, mx.int32, mx.bfloat16]
    f, i, b = kernel(
        inputs=[mx.zeros((1,))],
        grid=(0, 1, 1),
        threadgroup=(1, 1, 1),
        output_shapes=[(3,), (2, 2), (4,)],
        output_dtypes=dtypes,
        init_value=-2.5,
    )
    assert np.asarray(f).tolist() == [-2.5] * 3
    assert np.asarray(i).tolist() == [[-2, -2], [-2, -2]]
    assert b.dtype == mx.bfloat16 and b.astype(mx.float32).tolist() == [-2.5] * 4
    (f,) = metal_kernel("one", ["x"], ["f"], "f[0] = 5.0f;")(
        inputs=[mx.zeros((1,))],
        grid=(1, 1, 1),
        threadgroup=(1, 1, 1),
        output_shapes=[(2,)],
        output_dtypes=[mx.float32],
        init_value=7,
    )
    assert np.asarray(f).tolist() == [5.0, 7.0]


def test_rms_norm_with_metal_stdlib_header_and_late_threadgroup_declaration() -> None:
    """A typical MLX custom kernel: `#include <metal_stdlib>` in the header, a
    threadgroup array declared mid-body, simd_sum + barrier two-level reduction."""
    header = "#include <metal_stdlib>\n#include <metal_simdgroup>\nusing namespace metal;\n"
    source = """
        uint row = threadgroup_position_in_grid.x;
        uint tid = thread_index_in_threadgroup;
        uint lane = thread_index_in_simdgroup;
        uint sg = simdgroup_index_in_threadgroup;
        uint D = x_shape[x_ndim - 1];
        float acc = 0.0f;
        for (uint i = tid; i < D; i += threads_per_threadgroup.x) {
            float v = float(x[row * D + i]);
            acc += v * v;
        }
        acc = simd_sum(acc);
        threadgroup float partial[32];
        if (lane == 0) {
            partial[sg] = acc;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        if (sg == 0) {
            float p = lane < simdgroups_per_threadgroup ? partial[lane] : 0.0f;
            partial[0] = simd_sum(p);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        float scale = metal::rsqrt(partial[0] / float(D) + eps);
        for (uint i = tid; i < D; i += threads_per_threadgroup.x) {
            out[row * D + i] = T(float(x[row * D + i]) * scale * float(w[i]));
        }
    """
    rng = np.random.default_rng(9)
    x = rng.integers(-4, 5, (6, 300)).astype(np.float32)
    w = rng.integers(1, 4, 300).astype(np.float32)
    kernel = metal_kernel("rms_norm", ["x", "w", "eps"], ["out"], source, header=header)
    (out,) = kernel(
        inputs=[mx.array(x), mx.array(w), 1e-5],
        template=[("T", mx.float32)],
        grid=(6 * 128, 1, 1),
        threadgroup=(128, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[mx.float32],
    )
    mean_sq = (x.astype(np.float64) ** 2).mean(axis=1, keepdims=True)
    expected = x * w / np.sqrt(mean_sq + 1e-5)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=2e-6)


def test_unsuffixed_literals_are_float_as_in_metal() -> None:
    """Metal has no double: `x * 0.1` is a float multiplication by 0.1f (computing it in
    double and rounding differs for about a fifth of inputs)."""
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    kernel = metal_kernel(
        "literal", ["x"], ["out"], "uint i = thread_position_in_grid.x;\nout[i] = x[i] * 0.1;\n"
    )
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(1000, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[(1000,)],
        output_dtypes=[mx.float32],
    )
    np.testing.assert_array_equal(np.asarray(out), x * np.float32(0.1))
