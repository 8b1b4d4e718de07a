"""race_check=True: unordered accesses by different threads, reported as .metal lines."""

from __future__ import annotations

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
