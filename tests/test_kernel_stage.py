"""The kernel launch itself (kernel_stage.run), through the real CPU executor and MLX arrays."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe import backends, binio, kernel_stage, poison, spec
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


def test_run_as_result_records_an_unreadable_input_and_poisons_the_outputs(
    tmp_path: Path, caplog
) -> None:
    """The kernel rule's view: a fault is data (status and poisoned outputs), not a crash."""
    kernel_spec = spec.load_all(REPO / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "short", {"sizes": SIZES, "backend": "cpu"})
    short = tmp_path / "a.bin"
    short.write_bytes(bytes(12))

    def read_inputs() -> dict[str, np.ndarray]:
        return {"a_strict": binio.read_array(short, (1, 64, 1, 64), "float32")}

    with pytest.raises(binio.FixtureFileError) as info:
        read_inputs()
    with caplog.at_level(logging.ERROR):
        outputs, status = kernel_stage.run_as_result(kernel_spec, fixture,
                                                     backends.resolve("cpu"), read_inputs)
    assert status == {"status": "error", "error": "FixtureFileError", "message": str(info.value)}
    assert list(outputs) == ["a_inv"] and outputs["a_inv"].shape == (1, 64, 1, 64)
    assert outputs["a_inv"].dtype == np.float32 and np.isnan(outputs["a_inv"]).all()
    assert caplog.messages == [
        f"kernel {KERNEL} on {fixture.key} failed: FixtureFileError: {info.value}"]


def test_run_as_result_gives_a_compile_error_s_kind_and_message(tmp_path: Path) -> None:
    folder = tmp_path / "kernels" / KERNEL
    shutil.copytree(REPO / "kernels" / KERNEL, folder)
    (folder / f"{KERNEL}.metal").write_text("a_inv[0] = oops;\n")
    kernel_spec = spec.load_all(tmp_path / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "bad", {"sizes": SIZES, "backend": "cpu"})
    a = np.zeros((1, 64, 1, 64), dtype=np.float32)
    outputs, status = kernel_stage.run_as_result(kernel_spec, fixture, backends.resolve("cpu"),
                                                 lambda: {"a_strict": a})
    assert (status["status"], status["error"]) == ("error", "MetalCompileError")
    assert not status["message"].startswith("MetalCompileError"), "the kind is said once"
    assert "oops" in status["message"] and np.isnan(outputs["a_inv"]).all()


def test_run_as_result_of_a_clean_run_is_the_run() -> None:
    kernel_spec = spec.load_all(REPO / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "zeros", {"sizes": SIZES, "backend": "cpu"})
    a = np.zeros((1, 64, 1, 64), dtype=np.float32)
    outputs, status = kernel_stage.run_as_result(kernel_spec, fixture, backends.resolve("cpu"),
                                                 lambda: {"a_strict": a})
    assert status == {"status": "ok", "error": None, "message": None}
    np.testing.assert_array_equal(outputs["a_inv"][0, :, 0, :], np.eye(64, dtype=np.float32))


def test_bfloat16_outputs_come_back_bit_exact_as_ml_dtypes_bfloat16() -> None:
    """numpy has no bfloat16, so MLX's bf16 outputs are read through their 16-bit patterns."""
    import ml_dtypes

    bits = np.array([0x3FC0, 0xBF80, 0x7F80, 0x0001, 0x7FEB], np.uint16)  # 1.5 -1 inf tiny NaN
    out = kernel_stage._to_numpy(mx.array(bits).view(mx.bfloat16), mx)
    assert out.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(out.view(np.uint16), bits)
    f32 = kernel_stage._to_numpy(mx.array([1.5, -2.0], mx.float32), mx)
    assert f32.dtype == np.float32 and f32.tolist() == [1.5, -2.0]
