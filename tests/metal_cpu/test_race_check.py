"""race_check=True: unordered accesses by different threads, reported as .metal lines."""

from __future__ import annotations

import re
from pathlib import Path

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe.metal_cpu import RaceDetectedError, metal_kernel

KERNEL = (Path(__file__).resolve().parents[2] / "kernels" / "chunk_tri_solve_invert"
          / "chunk_tri_solve_invert.metal")
BARRIER = "threadgroup_barrier(mem_flags::mem_threadgroup);"


def _strict_lower() -> np.ndarray:
    return np.tril(np.random.default_rng(7).standard_normal((64, 64)).astype(np.float32) * 0.1, -1)


def _tri_solve(source: str, race_check: bool = True) -> np.ndarray:
    a = _strict_lower()
    kernel = metal_kernel(
        "chunk_tri_solve_invert",
        ["a_strict"],
        ["a_inv"],
        source,
        source_path="kernels/chunk_tri_solve_invert/chunk_tri_solve_invert.metal",
        race_check=race_check,
    )
    (out,) = kernel(
        inputs=[mx.array(np.stack([a, a]).reshape(2, 64, 1, 64))],
        grid=(64, 1, 2),
        threadgroup=(64, 1, 1),
        output_shapes=[(2, 64, 1, 64)],
        output_dtypes=[mx.float32],
        init_value=float("nan"),
    )
    return np.asarray(out)


def test_deleted_barrier_is_reported_with_its_lines() -> None:
    source = KERNEL.read_text()
    assert source.count(BARRIER) == 1
    lines = source.splitlines()
    store = next(i for i, s in enumerate(lines, 1) if "L[i * BT + j] =" in s)
    load = next(i for i, s in enumerate(lines, 1) if "acc -= L[i * BT + k]" in s)
    with pytest.raises(RaceDetectedError) as info:
        _tri_solve(source.replace(BARRIER, ""))
    msg = str(info.value)
    assert f"write at kernels/chunk_tri_solve_invert/chunk_tri_solve_invert.metal:{store}:" in msg
    assert f"read at kernels/chunk_tri_solve_invert/chunk_tri_solve_invert.metal:{load}:" in msg
    assert "races with" in msg
    assert "of threadgroup (" in msg


def test_correct_kernel_passes_race_check() -> None:
    """No race reported, and the traced build computes the plain build's bits, which are the
    inverse: a race-checked fixture verifies the same numbers as an unchecked one."""
    checked = _tri_solve(KERNEL.read_text())
    plain = _tri_solve(KERNEL.read_text(), race_check=False)
    np.testing.assert_array_equal(checked.view(np.uint32), plain.view(np.uint32))
    inverse = np.linalg.inv(np.eye(64) + _strict_lower().astype(np.float64))
    for block in checked.reshape(2, 64, 64):
        assert np.abs(block - inverse).max() <= 4 * np.spacing(np.float32(np.abs(inverse).max()))


def test_device_memory_race_between_threadgroups() -> None:
    """Two threadgroups writing the same output element without atomics is a race."""
    source = "out[0] = float(threadgroup_position_in_grid.x);\n"
    kernel = metal_kernel(
        "same_slot",
        ["x"],
        ["out"],
        source,
        source_path="same_slot.metal",
        race_check=True,
        workers=2,
    )
    with pytest.raises(
        RaceDetectedError,
        match=r"write at same_slot.metal:1:.*\n.*races with "
        r"write at same_slot.metal:1:",
    ):
        kernel(
            inputs=[mx.zeros((1,))],
            grid=(2, 1, 1),
            threadgroup=(1, 1, 1),
            output_shapes=[(1,)],
            output_dtypes=[mx.float32],
        )


def test_atomics_and_simd_exchanges_are_not_races() -> None:
    source = """
        threadgroup float shared[64];
        uint t = thread_position_in_threadgroup.x;
        shared[t] = float(t);
        float s = simd_sum(shared[t]);
        float neighbour = shared[t ^ 1];  // written by a lane of the same simdgroup
        atomic_fetch_add_explicit(&out[0], s + neighbour, memory_order_relaxed);
    """
    kernel = metal_kernel(
        "atomic_sum", ["x"], ["out"], source, atomic_outputs=True, race_check=True
    )
    (out,) = kernel(
        inputs=[mx.zeros((1,))],
        grid=(64, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(1,)],
        output_dtypes=[mx.float32],
        init_value=0.0,
    )
    lanes = np.arange(64)
    sums = np.concatenate([np.full(32, lanes[:32].sum()), np.full(32, lanes[32:].sum())])
    assert float(np.asarray(out)[0]) == float((sums + (lanes ^ 1)).sum())


def _narrow_writes(name: str, source: str, dtype: mx.Dtype, groups: int) -> None:
    """One thread per threadgroup (so no two are ordered), run one group at a time, in order."""
    kernel = metal_kernel(name, ["x"], ["out"], source, source_path=f"{name}.metal",
                          race_check=True, workers=1)
    kernel(
        inputs=[mx.zeros((1,))],
        grid=(groups, 1, 1),
        threadgroup=(1, 1, 1),
        output_shapes=[(8,)],
        output_dtypes=[dtype],
        init_value=0,
    )


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16])
def test_same_value_double_write_of_a_16_bit_element_with_a_neighbour_between(
    dtype: mx.Dtype,
) -> None:
    """Groups 0 and 2 write out[0] with the same value; group 1 writes out[1], which shares
    out[0]'s 4 bytes, in between. The pair (0, 2) is unordered: a race, whatever the values."""
    source = "uint g = threadgroup_position_in_grid.x;\nout[g == 1 ? 1 : 0] = 1.0f;\n"
    with pytest.raises(RaceDetectedError, match=r"write at pair16\.metal:2:.*\n.*races with "
                       r"write at pair16\.metal:2:"):
        _narrow_writes("pair16", source, dtype, 3)


def test_same_value_double_write_of_a_byte_with_its_three_neighbours_between() -> None:
    """Groups 0 and 4 write out[0]; groups 1-3 write the other three bytes of its granule
    in between, each by a different thread."""
    source = "uint g = threadgroup_position_in_grid.x;\nout[g % 4] = 7;\n"
    with pytest.raises(RaceDetectedError, match=r"write at pair8\.metal:2:"):
        _narrow_writes("pair8", source, mx.uint8, 5)


def test_neighbouring_narrow_elements_written_by_different_groups_are_not_a_race() -> None:
    source = "uint g = threadgroup_position_in_grid.x;\nout[g] = half(g);\n"
    _narrow_writes("neighbours16", source, mx.float16, 8)
    source = "uint g = threadgroup_position_in_grid.x;\nout[g] = uchar(g);\n"
    _narrow_writes("neighbours8", source, mx.uint8, 8)


def test_wide_store_is_tracked_on_every_granule_it_touches() -> None:
    """Group 0 stores out[0..7] as one 16-byte vector; group 2's half at out[4] races with it
    in the third granule, though group 1 wrote out[5] (the same granule) in between."""
    source = (
        "uint g = threadgroup_position_in_grid.x;\n"
        "if (g == 0) {\n"
        "  *((device float4*)out) = float4(0.0f);\n"
        "} else if (g == 1) {\n"
        "  out[5] = 0.0h;\n"
        "} else {\n"
        "  out[4] = 0.0h;\n"
        "}\n"
    )
    with pytest.raises(RaceDetectedError) as info:
        _narrow_writes("wide16", source, mx.float16, 3)
    pairs = {(a, b) for a, b in re.findall(
        r"write at wide16\.metal:(\d+):.*\n.*races with write at wide16\.metal:(\d+):",
        str(info.value))}
    assert {("3", "5"), ("3", "7")} <= {tuple(sorted(p)) for p in pairs}
