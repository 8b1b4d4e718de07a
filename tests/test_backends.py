"""Backend resolution and the launch's fault handling, with real MLX (no Metal on Linux)."""

from __future__ import annotations

import sys
from pathlib import Path

import kernel_specs
import mlx.core as mx
import pytest

from fixturepipe import backends, kernel_stage, metal_backend, metal_cpu
from fixturepipe.config_checks import Fixture

REPO = Path(__file__).resolve().parents[1]
KERNEL = "chunk_tri_solve_invert"
SIZES = {"B": 1, "T": 64, "H": 1, "BT": 64}
linux_only = pytest.mark.skipif(sys.platform == "darwin", reason="MLX has Metal on macOS")


def test_cpu_is_always_the_cpu_executor() -> None:
    assert backends.resolve_name("cpu") == "cpu"
    backend = backends.resolve("cpu")
    assert backend.name == "cpu" and backend.metal_kernel is metal_cpu.metal_kernel
    assert backend.device.startswith("cpu:")


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(backends.BackendUnavailable) as info:
        backends.resolve_name("gpu")
    assert str(info.value) == "unknown backend 'gpu'; choose one of auto, metal, cpu."


@linux_only
def test_without_metal_auto_is_cpu_and_metal_is_refused() -> None:
    assert backends.metal_available() is False
    assert backends.resolve_name("auto") == "cpu"
    with pytest.raises(backends.BackendUnavailable) as info:
        backends.resolve("metal")
    message = str(info.value)
    assert message.startswith("backend 'metal' was requested but MLX has no Metal device on "
                              "this machine (")
    assert message.endswith("); use backend: cpu (or auto) to run the kernel on the CPU "
                            "executor.")


def test_race_check_is_refused_on_metal() -> None:
    metal = backends.Backend("metal", metal_backend.MetalGpuKernel, "metal")
    with pytest.raises(backends.BackendUnavailable, match="race_check needs the cpu backend"):
        metal.metal_kernel("k", ["a"], ["o"], "o[0] = a[0];", race_check=True)


def test_cpu_options_reach_the_executor() -> None:
    cpu = backends.resolve("cpu")
    kernel = cpu.metal_kernel("k", ["a"], ["o"], "o[0] = a[0];", source_path="x/k.metal",
                              header_path="x/k.header.metal", race_check=True, timeout=7.5)
    assert (kernel.source_path, kernel.header_path, kernel.race_check, kernel.timeout) == (
        "x/k.metal", "x/k.header.metal", True, 7.5)
    assert kernel.input_names == ["a"] and kernel.output_names == ["o"]


def test_single_threaded_runs_the_cpu_executor_on_one_worker(monkeypatch) -> None:
    # Mutation cells name the first fault; one worker makes it the same on every host.
    monkeypatch.setenv("FIXTUREPIPE_METAL_CPU_THREADS", "4")
    args = ("k", ["a"], ["o"], "o[0] = a[0];")
    assert backends.resolve("cpu").metal_kernel(*args).workers == 4
    serial = backends.single_threaded(backends.resolve("cpu"))
    assert serial.name == "cpu" and serial.metal_kernel(*args, timeout=3.0).workers == 1


def test_single_threaded_leaves_metal_as_it_is() -> None:
    metal = backends.Backend("metal", metal_backend.MetalGpuKernel, "metal")
    assert backends.single_threaded(metal) is metal


def fixture(**params) -> Fixture:
    return Fixture.from_params(KERNEL, "f", {"sizes": SIZES, **params})


def test_a_compile_error_is_a_kernel_fault_naming_the_relative_source_path() -> None:
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
    inputs = {"a_strict": mx.zeros((1, 64, 1, 64))}
    with pytest.raises(kernel_stage.KernelFault) as info:
        kernel_stage.run(kernel_spec, fixture(), backends.resolve("cpu"), inputs,
                         source_text="a_inv[0] = oops;\n", source_path=REPO / "kernels/bad.metal")
    assert info.value.kind == "MetalCompileError"
    assert str(info.value).startswith("MetalCompileError: ")
    assert "kernels/bad.metal:1:" in info.value.message
    assert str(REPO) not in info.value.message, "messages hold no absolute paths"
    assert isinstance(info.value.__cause__, metal_cpu.MetalCpuError)


def test_backend_unavailable_is_not_a_kernel_fault() -> None:
    kernel_spec = kernel_specs.load_all(REPO / "kernels")[KERNEL]
    metal = backends.Backend("metal", metal_backend.MetalGpuKernel, "metal")
    with pytest.raises(backends.BackendUnavailable):
        kernel_stage.run(kernel_spec, fixture(race_check=True), metal,
                         {"a_strict": mx.zeros((1, 64, 1, 64))})


def test_the_cpu_backend_records_its_executor_and_why_auto_did_not_choose_metal() -> None:
    """The provenance run.json carries: which executor built the kernels, and for ``auto``
    on a machine without Metal, the reason (never a silent fallback)."""
    import platform

    from fixturepipe.metal_cpu import toolchain

    executor = toolchain.host_target().describe()
    cpu = backends.resolve("cpu")
    assert (cpu.name, cpu.device) == ("cpu", f"cpu:{platform.machine()}")
    assert cpu.provenance == {"executor": executor}
    auto = backends.resolve("auto")
    assert auto.name == "cpu" and auto.provenance == {
        "executor": executor,
        "auto_chose_cpu_because": metal_backend.metal_unavailable_reason()}
    assert auto.provenance["auto_chose_cpu_because"], "this machine has no Metal device"


def test_without_mlx_no_backend_resolves_and_the_sentence_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both backends take and return mx.arrays. MLX is installed here, so its absence is
    made by the one check ``mlx_missing`` makes: ``importlib.util.find_spec("mlx")``."""
    import importlib.util
    import platform

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "mlx" else real(name, *args))
    sentence = metal_backend.mlx_missing_sentence(sys.platform, platform.machine(),
                                                  platform.mac_ver()[0])
    for name in backends.NAMES:
        with pytest.raises(backends.BackendUnavailable) as info:
            backends.resolve_name(name)
        assert str(info.value) == sentence


def test_cpu_stays_cpu_and_auto_picks_metal_where_a_metal_device_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The choice itself, on a machine whose device check finds a Metal GPU (Apple Silicon;
    here that check's answer is set: no test on this machine can have a real one)."""
    monkeypatch.setattr(metal_backend, "metal_unavailable_reason", lambda: None)
    assert [backends.resolve_name(n) for n in ("cpu", "auto", "metal")] == [
        "cpu", "metal", "metal"]
