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
