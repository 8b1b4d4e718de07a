"""The kernel launch itself (kernel_stage.run), through the real CPU executor and MLX arrays."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import kernel_specs
import mlx.core as mx
import numpy as np
import pytest

from fixturepipe import backends, binio, kernel_stage, metal_backend, poison, spec
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
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
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
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
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
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
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


# Row 0 of a_inv through a header function and both kinds of template argument: a dtype
# (T_OUT) and an integer from a size expression (ROWS = BT). No configured kernel has a
# header or a dtype template, so this copy of chunk_tri_solve_invert gets both.
HELPERS = "inline float plus_one(float x) {\n    return x + 1.0f;\n}\n"
THROUGH_HEADER = ("uint i = thread_position_in_grid.x;\n"
                  "a_inv[i] = T_OUT(plus_one(a_strict[i]) * float(ROWS));\n")


def header_kernel(tmp_path: Path, helpers: str = HELPERS) -> tuple[spec.KernelSpec, Path]:
    """chunk_tri_solve_invert with THROUGH_HEADER as its body, ``helpers`` as its header
    (helpers.metal) and template {T_OUT: float32, ROWS: BT}; (its spec, the header's path)."""
    folder = tmp_path / "kernels" / KERNEL
    shutil.copytree(REPO / "kernels" / KERNEL, folder)
    (folder / f"{KERNEL}.metal").write_text(THROUGH_HEADER)
    (folder / "helpers.metal").write_text(helpers)
    spec_file = folder / "spec.yaml"
    text = spec_file.read_text()
    assert "  template: {}\n" in text
    spec_file.write_text(
        text.replace("  template: {}\n", "  template: {T_OUT: float32, ROWS: BT}\n")
        .replace(f"source: {KERNEL}.metal\n", f"source: {KERNEL}.metal\nheader: helpers.metal\n"))
    return spec.load_all(tmp_path / "kernels")[KERNEL], folder / "helpers.metal"


def test_the_launch_passes_the_header_and_the_template_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kernel_spec, _ = header_kernel(tmp_path)
    fixture = Fixture.from_params(KERNEL, "header", {"sizes": SIZES, "backend": "cpu"})
    a = np.arange(64 * 64, dtype=np.float32).reshape(1, 64, 1, 64) / 64
    out = kernel_stage.run(kernel_spec, fixture, backends.resolve("cpu"), {"a_strict": a})
    row = out["a_inv"].reshape(-1)[:64]
    np.testing.assert_array_equal(row, (a.reshape(-1)[:64] + 1) * 64)
    assert capsys.readouterr().out == "", "the launch is not verbose: the rule's log stays clean"


def test_a_compile_error_in_the_header_names_the_header_file(tmp_path: Path) -> None:
    kernel_spec, header = header_kernel(tmp_path, HELPERS.replace("1.0f", "one"))
    fixture = Fixture.from_params(KERNEL, "header", {"sizes": SIZES, "backend": "cpu"})
    a = np.zeros((1, 64, 1, 64), dtype=np.float32)
    with pytest.raises(kernel_stage.KernelFault) as info:
        kernel_stage.run(kernel_spec, fixture, backends.resolve("cpu"), {"a_strict": a})
    assert info.value.kind == "MetalCompileError"
    assert f"{os.path.relpath(header)}:2:" in info.value.message, info.value.message


# Thread 0 spins through a float recurrence no compiler may shorten (no fast math): 2e9
# dependent multiply-adds, seconds of CPU on any machine, far beyond the fixture's timeout.
SPIN = """if (thread_position_in_grid.x == 0) {
    float x = a_strict[0];
    for (uint i = 0; i < 2000000000u; ++i) {
        x = x * 0.999999f + 1.0f;
    }
    a_inv[0] = x;
}
"""


def test_the_fixture_s_timeout_stops_a_slow_kernel_as_a_timeout_fault() -> None:
    """The launch uses the fixture's ``timeout``: the spinning kernel is stopped after
    0.2 s. Without it (the default 60 s, or none) the kernel finishes and no fault is raised."""
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "slow",
                                  {"sizes": SIZES, "backend": "cpu", "timeout": 0.2})
    a = np.zeros((1, 64, 1, 64), dtype=np.float32)
    with pytest.raises(kernel_stage.KernelFault) as info:
        kernel_stage.run(kernel_spec, fixture, backends.resolve("cpu"), {"a_strict": a},
                         source_text=SPIN, source_path="spin.metal")
    assert info.value.kind == "KernelTimeoutError"
    assert "did not finish within 0.2 s" in info.value.message, info.value.message


def test_mlx_s_own_metal_kernel_accepts_the_launch_s_arguments(tmp_path: Path) -> None:
    """The metal backend (a child process calling ``mx.fast.metal_kernel``) with a header
    and both kinds of template argument. MLX checks every argument's type before it needs a
    device, so on a machine without Metal the child gets as far as "No Metal back-end";
    an argument of the wrong type (``verbose=None``, a dtype given by name) stops it sooner
    with a TypeError. Where Metal exists the kernel runs and row 0 is checked."""
    kernel_spec, _ = header_kernel(tmp_path)
    fixture = Fixture.from_params(KERNEL, "header", {"sizes": SIZES, "backend": "metal"})
    gpu = backends.Backend("metal", metal_backend.MetalGpuKernel, "metal")
    a = np.ones((1, 64, 1, 64), dtype=np.float32)
    if backends.metal_available():
        out = kernel_stage.run(kernel_spec, fixture, gpu, {"a_strict": a})
        np.testing.assert_array_equal(out["a_inv"].reshape(-1)[:64], 128.0)
        return
    with pytest.raises(RuntimeError) as info:
        kernel_stage.run(kernel_spec, fixture, gpu, {"a_strict": a})
    assert str(info.value) == ("the metal backend failed outside the kernel: RuntimeError: "
                               "[metal_kernel] No Metal back-end.")


def stand_in_gpu(result: object) -> backends.Backend:
    """A metal backend for a machine without Metal: its kernel returns ``result``, or raises
    it when it is an exception (the real one runs MLX on the GPU in a child process)."""

    def metal_kernel(*args: object, **kwargs: object):
        def launch(**launch_args: object):
            if isinstance(result, BaseException):
                raise result
            return result
        return launch

    return backends.Backend("metal", metal_kernel, "stand-in")


def test_a_metal_fault_keeps_its_kind() -> None:
    """The metal backend classes MLX's errors by the CPU executor's names (``kind``), so a
    GPU timeout is recorded as ``KernelTimeoutError`` as on the CPU, not as ``MetalFault``."""
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "gpu", {"sizes": SIZES, "backend": "metal"})
    fault = metal_backend.MetalFault("KernelTimeoutError", "kernel k did not finish within 1 s")
    with pytest.raises(kernel_stage.KernelFault) as info:
        kernel_stage.run(kernel_spec, fixture, stand_in_gpu(fault),
                         {"a_strict": np.zeros((1, 64, 1, 64), np.float32)})
    assert (info.value.kind, info.value.message) == (
        "KernelTimeoutError", "kernel k did not finish within 1 s")
    assert info.value.__cause__ is fault


def test_a_backend_that_returns_fewer_outputs_than_the_spec_names_is_a_pipeline_bug() -> None:
    """Never a result with an output missing: the pairing of outputs and names is strict."""
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
    fixture = Fixture.from_params(KERNEL, "gpu", {"sizes": SIZES, "backend": "metal"})
    with pytest.raises(ValueError, match="zip"):
        kernel_stage.run(kernel_spec, fixture, stand_in_gpu([]),
                         {"a_strict": np.zeros((1, 64, 1, 64), np.float32)})
