"""The kernel launch itself (kernel_stage.run), through the real CPU executor and MLX arrays."""

from __future__ import annotations

from pathlib import Path

import mlx.core as mx
import numpy as np

from fixturepipe import backends, kernel_stage, poison, spec
from fixturepipe.fixture import Fixture
from fixturepipe.metal_cpu import metal_kernel

REPO = Path(__file__).resolve().parents[1]
KERNEL = "chunk_tri_solve_invert"
SIZES = {"B": 1, "T": 64, "H": 1, "BT": 64}
# For B = H = 1 the grid is (64, 1, 1): this writes row 0 and leaves the other 63 unwritten.
FIRST_ROW_ONLY = "a_inv[thread_position_in_grid.x] = 1.0f;\n"


def mlx_poison_fill_bits() -> int:
    """The float32 bits MLX writes for ``init_value=poison.OUTPUT_POISON`` (its own conversion)."""
    return int(np.array(mx.full((1,), poison.OUTPUT_POISON, mx.float32)).view(np.uint32)[0])


def test_launch_poisons_outputs_with_the_output_poison_init_value() -> None:
    """Unwritten elements hold exactly MLX's fill of the output poison (a NaN), so the launch
    asked for ``init_value=poison.OUTPUT_POISON``.

    On Metal an output without ``init_value`` is uninitialised memory (zeros or
    stale results, which can pass); the CPU executor fills it with 0xFF bytes
    instead (also a NaN, but another bit pattern), so the bits tell which happened.
    """
    kernel_spec = spec.load_all(REPO / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "unwritten", {"sizes": SIZES, "backend": "cpu"})
    a = np.zeros((1, 64, 1, 64), dtype=np.float32)
    out = kernel_stage.run(kernel_spec, fixture, backends.resolve("cpu"), {"a_strict": a},
                           source_text=FIRST_ROW_ONLY, source_path="first_row_only.metal")

    bits = out["a_inv"].reshape(64, 64).view(np.uint32)
    assert (out["a_inv"].reshape(64, 64)[0] == 1.0).all(), "the written row must come through"
    poison_bits = mlx_poison_fill_bits()
    unwritten = np.unique(bits[1:])
    assert unwritten.tolist() == [poison_bits], (
        f"unwritten elements hold {[hex(b) for b in unwritten]}, not MLX's fill of the output "
        f"poison {poison_bits:#x}: the launch did not ask for init_value=poison.OUTPUT_POISON"
    )


def test_without_init_value_the_executor_leaves_other_bits() -> None:
    """What makes the test above able to fail: no init_value gives a different pattern."""
    kernel = metal_kernel("first_row_only", ["a_strict"], ["a_inv"], FIRST_ROW_ONLY)
    (out,) = kernel(inputs=[mx.zeros((1, 64, 1, 64))], grid=(64, 1, 1), threadgroup=(64, 1, 1),
                    output_shapes=[(1, 64, 1, 64)], output_dtypes=[mx.float32])
    bits = np.array(out).reshape(64, 64).view(np.uint32)
    assert mlx_poison_fill_bits() not in set(np.unique(bits[1:]).tolist())
