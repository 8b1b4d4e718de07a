"""Conformance of simdgroup matrices: Apple's lane layout, load/store origin and transpose,
the stated multiply-accumulate numerics against float64 matmul, and divergence errors."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe.metal_cpu import BarrierDivergenceError, ThreadgroupBoundsError, metal_kernel

TYPES = {"float": mx.float32, "half": mx.float16, "bfloat": mx.bfloat16}
EPS = {"float": 2.0**-23, "half": 2.0**-10, "bfloat": 2.0**-7}


def _round(x: np.ndarray, name: str) -> np.ndarray:
    """float64 values rounded (to nearest even) to the named type, held as float64."""
    if name == "bfloat":
        bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)
    return x.astype(np.float32 if name == "float" else np.float16).astype(np.float64)


def _to_mx(a: np.ndarray, name: str) -> mx.array:
    return mx.array(a.astype(np.float32)).astype(TYPES[name])


def _to_np(a: mx.array) -> np.ndarray:
    return np.asarray(a.astype(mx.float32)).astype(np.float64)


def _apple_lane_elements(lane: int) -> list[tuple[int, int]]:
    """The note's (and MLX's BaseMMAFrag::get_coord) layout, written independently."""
    qid = lane // 4
    fm = (qid & 4) + ((lane // 2) % 4)
    fn = (qid & 2) * 2 + (lane % 2) * 2
    return [(fm, fn), (fm, fn + 1)]


LAYOUT_SOURCE = """
    simdgroup_matrix<float, 8, 8> m;
    simdgroup_load(m, inp, 8);
    uint l = thread_index_in_simdgroup;
    lanes[2 * l] = m.thread_elements()[0];
    lanes[2 * l + 1] = m.thread_elements()[1];
    simdgroup_float8x8 w;
    w.thread_elements() = float2(1000.0f + l, 2000.0f + l);
    simdgroup_store(w, written, 8);
    simdgroup_float8x8 diag = simdgroup_float8x8(3.0f);
    simdgroup_store(diag, diagonal, 8);
    simdgroup_float8x8 filled = make_filled_simdgroup_matrix<float, 8, 8>(2.5f);
    simdgroup_store(filled, filled_out, 8);
"""


def test_thread_elements_use_apples_lane_layout() -> None:
    """Each lane sees exactly Apple's two elements, and writes through them land there."""
    values = np.arange(64, dtype=np.float32).reshape(8, 8)  # value = 8 * row + col
    kernel = metal_kernel(
        name="sgm_layout",
        input_names=["inp"],
        output_names=["lanes", "written", "diagonal", "filled_out"],
        source=LAYOUT_SOURCE,
    )
    lanes, written, diagonal, filled = kernel(
        inputs=[mx.array(values)],
        grid=(32, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(64,), (8, 8), (8, 8), (8, 8)],
        output_dtypes=[mx.float32] * 4,
    )
    lanes, written = np.asarray(lanes), np.asarray(written)
    for lane in range(32):
        (r0, c0), (r1, c1) = _apple_lane_elements(lane)
        assert lanes[2 * lane] == 8 * r0 + c0 and lanes[2 * lane + 1] == 8 * r1 + c1
        assert written[r0, c0] == 1000 + lane and written[r1, c1] == 2000 + lane
    np.testing.assert_array_equal(np.asarray(diagonal), 3.0 * np.eye(8, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(filled), np.full((8, 8), 2.5, np.float32))


# One 8x8 tile of C = op(A) @ op(B) (+ C0), every tile at a ragged origin of a larger
# row-major matrix, staged through threadgroup memory when flags[2] is set; flags[0]
# and flags[1] transpose A and B (run-time flags: one compilation per type pair).
MMA_SOURCE = """
    threadgroup T a_tg[16 * 13];
    threadgroup T b_tg[16 * 13];
    uint l = thread_index_in_simdgroup;
    for (uint i = l; i < 16 * 13; i += 32) { a_tg[i] = a[i]; b_tg[i] = b[i]; }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    simdgroup_matrix<T, 8, 8> ma, mb;
    bool TA = flags[0] != 0, TB = flags[1] != 0;
    if (flags[2] != 0) {
        simdgroup_load(ma, a_tg, 13, ulong2(A_X, A_Y), TA);
        simdgroup_load(mb, b_tg, 13, ulong2(B_X, B_Y), TB);
    } else {
        simdgroup_load(ma, a, 13, ulong2(A_X, A_Y), TA);
        simdgroup_load(mb, b, 13, ulong2(B_X, B_Y), TB);
    }
    simdgroup_matrix<U, 8, 8> acc;
    simdgroup_load(acc, c0, 8);
    simdgroup_multiply_accumulate(acc, ma, mb, acc);
    simdgroup_store(acc, out, 11, ulong2(2, 1));
    simdgroup_matrix<U, 8, 8> prod;
    simdgroup_multiply(prod, ma, mb);
    simdgroup_store(prod, prod_out, 8, ulong2(0, 0), true);
"""


def _tile(m: np.ndarray, x: int, y: int, transpose: bool) -> np.ndarray:
    t = m[y : y + 8, x : x + 8]
    return t.T if transpose else t


def _fma_chain(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The stated numerics where float64 is exact: one float32 rounding per k, in order."""
    acc = c.astype(np.float32)
    for k in range(8):
        acc = (acc.astype(np.float64) + np.outer(a[:, k], b[k, :]).astype(np.float64)).astype(
            np.float32
        )
    return acc


CASES = [(ta, tb, tg) for ta in (False, True) for tb in (False, True) for tg in (False, True)]


@pytest.mark.parametrize(("operand", "acc_type"), [("float", "float"), ("half", "half"),
                                                   ("half", "float"), ("bfloat", "bfloat"),
                                                   ("bfloat", "float")])
def test_multiply_accumulate_against_float64_matmul(operand: str, acc_type: str) -> None:
    """Both transposes, device and threadgroup sources, ragged origins; mixed types."""
    for ta, tb, tg in CASES:
        rng = np.random.default_rng(14)
        a = _round(rng.standard_normal((16, 13)), operand)
        b = _round(rng.standard_normal((16, 13)), operand)
        c0 = _round(rng.standard_normal((8, 8)), acc_type)
        origin = {"A_X": 5, "A_Y": 3, "B_X": 2, "B_Y": 7}  # ragged: no multiple of 8
        kernel = metal_kernel(
            name="sgm_mma", input_names=["a", "b", "c0", "flags"],
            output_names=["out", "prod_out"],
            source=MMA_SOURCE,
        )
        out, prod = kernel(
            inputs=[_to_mx(a, operand), _to_mx(b, operand), _to_mx(c0, acc_type),
                    mx.array([ta, tb, tg, 0, 0, 0, 0, 0], dtype=mx.uint32)],
            template=[("T", TYPES[operand]), ("U", TYPES[acc_type]), *origin.items()],
            grid=(32, 1, 1),
            threadgroup=(32, 1, 1),
            output_shapes=[(9, 11), (8, 8)],
            output_dtypes=[TYPES[acc_type]] * 2,
            init_value=-7.0,
        )
        out, prod = _to_np(out), _to_np(prod)
        at = _tile(a, origin["A_X"], origin["A_Y"], ta)
        bt = _tile(b, origin["B_X"], origin["B_Y"], tb)
        exact = at @ bt + c0
        got = out[1:9, 2:10]
        # Only the 8x8 tile at origin (2, 1) was written.
        mask = np.ones((9, 11), bool)
        mask[1:9, 2:10] = False
        assert (out[mask] == -7.0).all()
        # Bound of the stated order: 8 float32 roundings of partial sums, one final rounding.
        scale = np.abs(at) @ np.abs(bt) + np.abs(c0)
        bound = 8 * 2.0**-24 * scale + EPS[acc_type] / 2 * np.abs(exact) + 1e-30
        assert (np.abs(got - exact) <= bound).all(), np.abs(got - exact).max()
        if operand != "float":
            # Products of half/bfloat are exact in float: the chain is reproduced bit for bit.
            want = _round(_fma_chain(at, bt, c0).astype(np.float64), acc_type)
            np.testing.assert_array_equal(out[1:9, 2:10], want)
            want_prod = _round(_fma_chain(at, bt, np.zeros((8, 8))).astype(np.float64), acc_type)
            np.testing.assert_array_equal(prod, want_prod.T)
        else:
            np.testing.assert_allclose(prod.T, at @ bt, rtol=0, atol=(8 * 2.0**-24 *
                                       (np.abs(at) @ np.abs(bt))).max() + 1e-30)


GEMM_SOURCE = """
    // C[M, N] = A[M, K] @ B[K, N]; one 8x8 output tile per simdgroup, K staged in 8-wide steps.
    uint tile = thread_position_in_grid.x / 32;
    uint tiles_n = N / 8;
    uint tm = tile / tiles_n, tn = tile % tiles_n;
    if (tm * 8 >= M) return;
    simdgroup_float8x8 acc = simdgroup_float8x8(0.0f);
    for (uint k = 0; k < K; k += 8) {
        simdgroup_float8x8 ma, mb;
        simdgroup_load(ma, A, K, ulong2(k, tm * 8));
        simdgroup_load(mb, B, N, ulong2(tn * 8, k));
        simdgroup_multiply_accumulate(acc, ma, mb, acc);
    }
    simdgroup_store(acc, C, N, ulong2(tn * 8, tm * 8));
"""


def test_tiled_gemm_with_several_simdgroups_per_threadgroup() -> None:
    M, K, N = 24, 32, 40
    rng = np.random.default_rng(3)
    a = rng.standard_normal((M, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    kernel = metal_kernel(name="sgm_gemm", input_names=["A", "B"], output_names=["C"],
                          source=GEMM_SOURCE)
    tiles = (M // 8) * (N // 8)
    (c,) = kernel(
        inputs=[mx.array(a), mx.array(b)],
        template=[("M", M), ("K", K), ("N", N)],
        grid=(tiles * 32, 1, 1),
        threadgroup=(128, 1, 1),
        output_shapes=[(M, N)],
        output_dtypes=[mx.float32],
    )
    exact = a.astype(np.float64) @ b.astype(np.float64)
    bound = K * 2.0**-24 * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    assert (np.abs(np.asarray(c) - exact) <= bound).all()


def _run_divergent(source: str) -> None:
    kernel = metal_kernel(
        name="sgm_div", input_names=["inp"], output_names=["out"], source=source,
        source_path="kernels/sgm_div.metal",
    )
    kernel(
        inputs=[mx.zeros((64,))],
        grid=(64, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(64,)],
        output_dtypes=[mx.float32],
        init_value=0.0,
    )


def test_divergent_simdgroup_matrix_call_names_the_call_sites() -> None:
    source = """simdgroup_float8x8 m;
uint l = thread_index_in_simdgroup;
if (l < 16) {
    simdgroup_load(m, inp, 8);
} else {
    simdgroup_load(m, inp, 8, ulong2(0, 0), true);
}
simdgroup_store(m, out, 8);
"""
    with pytest.raises(BarrierDivergenceError) as info:
        _run_divergent(source)
    msg = str(info.value)
    assert "simdgroup matrix divergence" in msg and "simdgroup 0" in msg
    call = "at the simdgroup matrix call kernels/sgm_div.metal"
    assert f"16 lane(s) (first: thread 0) {call}:4:" in msg
    assert f"16 lane(s) (first: thread 16) {call}:6:" in msg


def test_lanes_that_returned_make_a_matrix_call_divergent() -> None:
    source = """simdgroup_float8x8 m = simdgroup_float8x8(0.0f);
if (thread_index_in_simdgroup == 31) return;
simdgroup_store(m, out, 8);
"""
    with pytest.raises(BarrierDivergenceError, match=r"1 lane\(s\) \(first: thread 31\) returned"):
        _run_divergent(source)


def test_simd_functions_in_a_branch_before_a_matrix_call_are_not_divergence() -> None:
    """Lanes busy in an ordinary simd function first reach the matrix call later: legal."""
    source = """uint l = thread_index_in_simdgroup;
float s = 0.0f;
if (l >= 16) s = simd_sum(1.0f);
simdgroup_float8x8 m = make_filled_simdgroup_matrix<float, 8, 8>(s);
simdgroup_store(m, out + 8 * (thread_index_in_threadgroup / 32), 0);
"""
    _run_divergent(source)


def test_load_past_a_threadgroup_array_is_a_bounds_error() -> None:
    """A tile that reaches past a 1-D threadgroup array is checked like a subscript."""
    source = """threadgroup float tile[8 * 12];
threadgroup float guard[64];
uint l = thread_index_in_threadgroup;
for (uint i = l; i < 8 * 12; i += 32) tile[i] = 1.0f;
guard[l] = 0.0f;
threadgroup_barrier(mem_flags::mem_threadgroup);
simdgroup_float8x8 m;
simdgroup_load(m, tile, 12, ulong2(ORIGIN_X, 0));
simdgroup_store(m, out, 8);
"""
    kernel = metal_kernel(name="sgm_bounds", input_names=["inp"], output_names=["out"],
                          source=source, source_path="kernels/sgm_bounds.metal")

    def run(origin_x: int) -> np.ndarray:
        (out,) = kernel(inputs=[mx.zeros((4,))], template=[("ORIGIN_X", origin_x)],
                        grid=(32, 1, 1), threadgroup=(32, 1, 1), output_shapes=[(64,)],
                        output_dtypes=[mx.float32])
        return np.asarray(out)

    assert (run(4) == 1.0).all()  # columns 4..11 of 12: inside
    with pytest.raises(ThreadgroupBoundsError) as info:
        run(5)  # row 7 reaches index 7 * 12 + 12 = 96: past the end
    msg = str(info.value)
    assert "index 96 is out of bounds of threadgroup array `tile`" in msg
    assert "kernels/sgm_bounds.metal:8:" in msg and "extent 96" in msg
