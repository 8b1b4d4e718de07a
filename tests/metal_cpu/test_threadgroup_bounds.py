"""Out-of-bounds indices into `threadgroup` arrays are an error naming the array, in
every mode: without the check they silently hit the neighbouring threadgroup allocation."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe.metal_cpu import MetalCpuError, ThreadgroupBoundsError, metal_kernel

# `guard` sits right after `buf` in the arena: an unchecked buf[64] would land in it.
ONE_D = """threadgroup float buf[64];
threadgroup float guard[64];
uint t = thread_position_in_threadgroup.x;
buf[t] = float(t);
guard[t] = 0.0f;
threadgroup_barrier(mem_flags::mem_threadgroup);
{access}
out[t] = buf[t] + guard[t];
"""
TWO_D = """threadgroup float tile[8][9];
uint t = thread_position_in_threadgroup.x;
uint r = t / 8, c = t % 8;
tile[r][c] = float(t);
threadgroup_barrier(mem_flags::mem_threadgroup);
{access}
out[t] = tile[r][c];
"""


def _run(source: str, *, race_check: bool = False) -> np.ndarray:
    kernel = metal_kernel(
        "tg_bounds", ["inp"], ["out"], source, source_path="kernels/tg.metal",
        race_check=race_check,
    )
    (out,) = kernel(
        inputs=[mx.zeros((64,))],
        grid=(64, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(64,)],
        output_dtypes=[mx.float32],
        init_value=0.0,
    )
    return np.asarray(out)


@pytest.mark.parametrize(
    ("template", "access", "expected"),
    [
        (
            ONE_D,
            "if (t == 3) buf[t + 61] = 1.0f;",
            r"index 64 is out of bounds of threadgroup array `buf` at kernels/tg.metal:7:17: "
            r"dimension 1 has extent 64 \(valid indices 0\.\.63\); `threadgroup float buf\[64\]` "
            r"is declared at kernels/tg.metal:1; in threadgroup \(0, 0, 0\), "
            r"thread_index_in_threadgroup 3$",
        ),
        (
            ONE_D,
            "float x = buf[int(t) - 64];\nguard[t] = x;",
            r"index -64 is out of bounds of threadgroup array `buf` at kernels/tg.metal:7:15: "
            r"dimension 1 has extent 64 .*thread_index_in_threadgroup 0$",
        ),
        (
            TWO_D,
            "if (t == 10) tile[r][c + 7] = 0.0f;",
            r"index 9 is out of bounds of threadgroup array `tile` at kernels/tg.metal:6:22: "
            r"dimension 2 has extent 9 \(valid indices 0\.\.8\); "
            r"`threadgroup float tile\[8\]\[9\]` is declared at kernels/tg.metal:1; "
            r"in threadgroup \(0, 0, 0\), thread_index_in_threadgroup 10$",
        ),
        (
            TWO_D,
            "float y = tile[r + 1][c];\ntile[r][c] = y;",
            r"index 8 is out of bounds of threadgroup array `tile` at kernels/tg.metal:6:16: "
            r"dimension 1 has extent 8 .*thread_index_in_threadgroup 56$",
        ),
    ],
    ids=["1d-write", "1d-read-negative", "2d-write-inner", "2d-read-outer"],
)
@pytest.mark.parametrize("race_check", [False, True], ids=["plain", "race_check"])
def test_out_of_bounds_index_names_array_extent_index_and_line(
    template: str, access: str, expected: str, race_check: bool
) -> None:
    prefix = r"^kernel custom_kernel_tg_bounds_float_float: "
    with pytest.raises(ThreadgroupBoundsError, match=prefix + expected):
        _run(template.format(access=access), race_check=race_check)


def test_out_of_bounds_without_barriers_on_the_plain_thread_loop() -> None:
    """A kernel without barriers runs its threads as a loop, not fibers: checked too."""
    source = "threadgroup int hist[4];\nuint t = thread_position_in_grid.x;\nhist[t % 5] = 1;\n"
    with pytest.raises(
        ThreadgroupBoundsError,
        match=r"index 4 is out of bounds of threadgroup array `hist` at kernels/tg.metal:3:6: "
        r".* in threadgroup \(0, 0, 0\), thread_index_in_threadgroup 4$",
    ):
        _run(source)


def test_in_bounds_arrays_still_decay_to_pointers() -> None:
    source = """threadgroup float tile[8][8];
threadgroup float row[64];
uint t = thread_position_in_threadgroup.x;
threadgroup float* flat = &tile[0][0];
threadgroup float* r = tile[t / 8];
flat[t] = float(t);
threadgroup_barrier(mem_flags::mem_threadgroup);
threadgroup const float* p = row;
*(row + t) = r[t % 8] * 2.0f;
threadgroup_barrier(mem_flags::mem_threadgroup);
out[t] = p[t] + float(sizeof(tile) / sizeof(float));
"""
    np.testing.assert_array_equal(_run(source), np.arange(64) * 2.0 + 64.0)


def test_bounds_error_is_a_metal_cpu_error() -> None:
    assert issubclass(ThreadgroupBoundsError, MetalCpuError)


def test_ping_pong_buffers_of_one_shape_select_with_a_conditional() -> None:
    """Arrays of one shape share a type, so `flip ? a : b` still picks a buffer."""
    source = """threadgroup float a[64], b[64];
uint t = thread_position_in_threadgroup.x;
a[t] = float(t);
b[t] = -1.0f;
threadgroup_barrier(mem_flags::mem_threadgroup);
threadgroup float* dst = (t % 2 == 0) ? a : b;
out[t] = dst[t];
if (t == 63) { b[t + 1] = 0.0f; }
"""
    with pytest.raises(ThreadgroupBoundsError, match=r"array `b` at kernels/tg.metal:8:18:"):
        _run(source)


@pytest.mark.parametrize("dims", ["[2 / BT]", "[4][2 / BT]"])
def test_zero_length_threadgroup_array_is_an_error(dims: str) -> None:
    """`buf[2 / BT]` with BT = 4 has no element: without the check buf[0] wrote `guard`."""
    source = f"""threadgroup float buf{dims};
threadgroup float guard[64];
uint t = thread_position_in_threadgroup.x;
guard[t] = 1.0f;
threadgroup_barrier(mem_flags::mem_threadgroup);
if (t == 0) *(&guard[0] - 1) = 5.0f;
out[t] = guard[t];
"""
    kernel = metal_kernel("tg_zero", ["inp"], ["out"], source, source_path="kernels/z.metal")
    with pytest.raises(ThreadgroupBoundsError) as info:
        kernel(inputs=[mx.zeros((64,))], template=[("BT", 4)], grid=(64, 1, 1),
               threadgroup=(64, 1, 1), output_shapes=[(64,)], output_dtypes=[mx.float32])
    msg = str(info.value)
    assert "threadgroup array `buf` has zero elements" in msg
    assert "declared at kernels/z.metal:1" in msg and "out of bounds" in msg
    # The same source with a non-empty array runs.
    (out,) = kernel(inputs=[mx.zeros((64,))], template=[("BT", 1)], grid=(64, 1, 1),
                    threadgroup=(64, 1, 1), output_shapes=[(64,)], output_dtypes=[mx.float32])
    assert (np.asarray(out) == 1.0).all()
