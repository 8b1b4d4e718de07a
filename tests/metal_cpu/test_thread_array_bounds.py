"""An index outside a per-thread array of simdgroup matrices (`simdgroup_float8x8
acc[2][8]`) is a `bounds` error naming the .metal line: the array lives on the thread's
fiber stack, where a write one past the end silently overwrites a neighbour (on a GPU it
is undefined). Two chunk_scaled_dot_kkt mutants wrote past `acc[ROW_TILES][COL_TILES]`
unseen before the check."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe.metal_cpu import ThreadgroupBoundsError, metal_kernel

# The kkt kernel's accumulator: a 2-D per-thread array of simdgroup matrices; COLS = 7
# is one column short of the loop that reaches tile 7.
MATRICES = """uint t = thread_position_in_threadgroup.x;
simdgroup_float8x8 acc[2][{cols}];
for (uint a = 0; a < 2; ++a)
    for (uint b = 0; b < {cols}; ++b) acc[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(1.0f);
for (uint b = 0; b <= {last}; ++b) acc[1][b] = make_filled_simdgroup_matrix<float, 8, 8>(2.0f);
simdgroup_half8x8 tiles[3], one;
out[t] = acc[0][0].thread_elements()[0] + acc[1][{cols} - 1].thread_elements()[1];
"""


def _run(source: str, *, race_check: bool = False) -> np.ndarray:
    kernel = metal_kernel(
        "thread_bounds", ["inp"], ["out"], source, source_path="kernels/thr.metal",
        race_check=race_check,
    )
    (out,) = kernel(
        inputs=[mx.zeros((32,))],
        grid=(32, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(32,)],
        output_dtypes=[mx.float32],
        init_value=0.0,
    )
    return np.asarray(out)


@pytest.mark.parametrize("race_check", [False, True], ids=["plain", "race_check"])
def test_one_past_the_end_of_a_matrix_array_names_dimension_extent_and_line(
    race_check: bool,
) -> None:
    with pytest.raises(
        ThreadgroupBoundsError,
        match=r"^kernel custom_kernel_thread_bounds_float_float: index 7 is out of bounds of a "
        r"per-thread array at kernels/thr.metal:5:38: dimension 2 has extent 7 "
        r"\(valid indices 0\.\.6\); in threadgroup \(0, 0, 0\), thread_index_in_threadgroup 0$",
    ):
        _run(MATRICES.format(cols=7, last=7), race_check=race_check)


def test_in_bounds_matrix_arrays_run_unchanged() -> None:
    np.testing.assert_array_equal(_run(MATRICES.format(cols=8, last=7)), np.full(32, 3.0))


# A lane's two elements of a simdgroup matrix, read through a copy one past the end: the
# chunk_fwd_o mutant `e <= 2` that survived while vector subscripts went unchecked.
VECTOR_READ = """uint t = thread_position_in_threadgroup.x;
simdgroup_float8x8 m = make_filled_simdgroup_matrix<float, 8, 8>(1.0f);
const auto el = m.thread_elements();
float s = 0.0f;
for (uint e = 0; e < {end}; ++e) s += el[e];
out[t] = s;
"""
# The same through the reference thread_elements() returns, written by some lanes only.
VECTOR_WRITE = """uint t = thread_position_in_threadgroup.x;
simdgroup_float8x8 m = make_filled_simdgroup_matrix<float, 8, 8>(1.0f);
for (uint e = 0; e < t % {end}; ++e) m.thread_elements()[e] = 2.0f;
out[t] = m.thread_elements()[0];
"""
PLAIN_ARRAY = """uint t = thread_position_in_threadgroup.x;
float x[4] = {{1.0f, 2.0f, 3.0f, 4.0f}};
out[t] = x[t % {end}];
"""


@pytest.mark.parametrize("race_check", [False, True], ids=["plain", "race_check"])
def test_a_subscript_past_a_lanes_thread_elements_is_a_bounds_error(race_check: bool) -> None:
    with pytest.raises(
        ThreadgroupBoundsError,
        match=r"^kernel custom_kernel_thread_bounds_float_float: index 2 is out of bounds of "
        r"'const vec<float, 2>' \(vector of 2 'float' values\) at kernels/thr.metal:5:35; "
        r"in threadgroup \(0, 0, 0\), thread_index_in_threadgroup 0$",
    ):
        _run(VECTOR_READ.format(end=3), race_check=race_check)


def test_a_write_past_thread_elements_names_the_lane_that_made_it() -> None:
    with pytest.raises(
        ThreadgroupBoundsError,
        match=r"index 2 is out of bounds of 'vec<float, 2>' \(vector of 2 'float' values\) "
        r"at kernels/thr.metal:3:36; in threadgroup \(0, 0, 0\), "
        r"thread_index_in_threadgroup 3$",
    ):
        _run(VECTOR_WRITE.format(end=4))


def test_a_constant_size_per_thread_array_is_checked_too() -> None:
    with pytest.raises(
        ThreadgroupBoundsError,
        match=r"index 4 is out of bounds of 'float\[4\]' at kernels/thr.metal:3:10; "
        r"in threadgroup \(0, 0, 0\), thread_index_in_threadgroup 4$",
    ):
        _run(PLAIN_ARRAY.format(end=5))


def test_in_bounds_vector_and_array_subscripts_run_unchanged() -> None:
    np.testing.assert_array_equal(_run(VECTOR_READ.format(end=2)), np.full(32, 2.0))
    lanes = np.arange(32)
    np.testing.assert_array_equal(_run(VECTOR_WRITE.format(end=3)),
                                  np.where(lanes % 3 > 0, 2.0, 1.0))
    np.testing.assert_array_equal(_run(PLAIN_ARRAY.format(end=4)), (lanes % 4 + 1.0))
