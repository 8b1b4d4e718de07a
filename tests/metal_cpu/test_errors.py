"""Every error of the CPU executor, with the message a kernel author acts on."""

from __future__ import annotations

from pathlib import Path

import mlx.core as mx
import pytest

from fixturepipe.metal_cpu import (
    BarrierDivergenceError,
    KernelCrashError,
    KernelTimeoutError,
    LaunchError,
    MetalCompileError,
    MetalCpuError,
    UnsupportedMetalError,
    metal_kernel,
)


def _run(source: str, *, grid=(64, 1, 1), threadgroup=(64, 1, 1), n_out=64, **kw):
    kernel = metal_kernel(
        name=kw.pop("name", "k"), input_names=["inp"], output_names=["out"], source=source, **kw
    )
    return kernel(
        inputs=[mx.zeros((n_out,))],
        grid=grid,
        threadgroup=threadgroup,
        output_shapes=[(n_out,)],
        output_dtypes=[mx.float32],
        init_value=0.0,
    )


def test_more_than_1024_threads_per_threadgroup() -> None:
    with pytest.raises(LaunchError, match=r"2048 threads, more than the 1024"):
        _run("out[0] = 1.0f;", grid=(4096, 1, 1), threadgroup=(32, 64, 1))


def test_threadgroup_memory_over_32_kib_names_the_declarations() -> None:
    source = """
        threadgroup float a[4096];
        threadgroup float b[4096];
        threadgroup float c[1];
        a[0] = b[0] = c[0] = 1.0f;
        out[0] = a[0];
    """
    with pytest.raises(LaunchError) as info:
        _run(source, source_path="kernels/big.metal")
    msg = str(info.value)
    assert "32772 bytes" in msg and "32 KiB" in msg
    assert "threadgroup a: 16384 bytes (kernels/big.metal:2)" in msg
    assert "threadgroup c: 4 bytes (kernels/big.metal:4)" in msg


def test_barrier_divergence_names_the_lines() -> None:
    source = """uint t = thread_position_in_threadgroup.x;
if (t < 16) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
} else {
    threadgroup_barrier(mem_flags::mem_threadgroup);
}
out[t] = 1.0f;
"""
    with pytest.raises(BarrierDivergenceError) as info:
        _run(source, source_path="kernels/diverge.metal", timeout=20)
    msg = str(info.value)
    assert "16 thread(s) (first: thread 0) at kernels/diverge.metal:3" in msg
    assert "48 thread(s) (first: thread 16) at kernels/diverge.metal:5" in msg


def test_endless_loop_times_out() -> None:
    source = """
        while (inp[0] == 0.0f) {
            out[0] += 1.0f;
        }
    """
    with pytest.raises(KernelTimeoutError, match=r"did not finish within 1 s"):
        _run(source, timeout=1.0)


@pytest.mark.parametrize(
    ("snippet", "what"),
    [
        ("texture2d<float> t;", "texture"),
        ("discard_fragment();", "discard_fragment"),
        ("float x = quad_reduce_add(1.0f);", "quadgroup function"),
        ("float x = simd_reduce_add(1.0f);", "simdgroup function"),
        ("imageblock<float> b;", "imageblock"),
        ("threadgroup float s = 1.0f;", "initializer"),
    ],
)
def test_unsupported_constructs_are_refused(snippet: str, what: str) -> None:
    with pytest.raises(
        UnsupportedMetalError,
        match=rf"kernels/u.metal:2: not supported by the "
        rf"CPU executor: .*{what}",
    ):
        metal_kernel(
            name="u",
            input_names=["inp"],
            output_names=["out"],
            source=f"// line 1\n{snippet}\nout[0] = 1.0f;\n",
            source_path="kernels/u.metal",
        )


def test_compile_error_points_into_the_metal_file() -> None:
    source = "uint i = thread_position_in_grid.x;\n\nout[i] = undefined_name * 2.0f;\n"
    with pytest.raises(MetalCompileError) as info:
        _run(source, source_path="kernels/broken.metal")
    msg = str(info.value)
    assert "kernels/broken.metal:3:" in msg
    assert "undefined_name" in msg and "error:" in msg


def test_compile_error_in_header_points_into_the_header_file() -> None:
    kernel = metal_kernel(
        name="hdr",
        input_names=["inp"],
        output_names=["out"],
        source="out[0] = twice(inp[0]);",
        header="inline float twice(float x) {\n  return x * nope;\n}\n",
        header_path="kernels/hdr.header.metal",
    )
    with pytest.raises(MetalCompileError, match=r"kernels/hdr.header.metal:2:"):
        kernel(
            inputs=[mx.zeros((4,))],
            grid=(1, 1, 1),
            threadgroup=(1, 1, 1),
            output_shapes=[(1,)],
            output_dtypes=[mx.float32],
        )


def test_out_of_bounds_write_crashes_with_a_message() -> None:
    """A guard page follows every buffer: writing past the end names the buffer."""
    source = "out[thread_position_in_grid.x + 100] = 1.0f;"
    with pytest.raises(KernelCrashError) as info:
        _run(source, grid=(1, 1, 1), threadgroup=(1, 1, 1))
    assert str(info.value).endswith(
        "crashed with SIGSEGV in threadgroup (0, 0, 0), thread_index_in_threadgroup 0 "
        "(out of bounds: 144 bytes past the end of output `out`, which has 256 bytes)"
    )


@pytest.mark.parametrize(("line", "named"), [
    ("out[i + 100000000u] = inp[i];", "writing `out`"),
    ("out[i] = inp[i + 100000000u];", "reading `inp`"),
])
def test_far_out_of_bounds_access_names_line_and_buffer(
    tmp_path: Path, line: str, named: str
) -> None:
    """Far past every guard page the address names nothing; the faulting line does."""
    source = f"const uint i = thread_position_in_grid.x;\n{line}\n"
    path = tmp_path / "far.metal"
    path.write_text(source)
    with pytest.raises(KernelCrashError) as info:
        _run(source, grid=(1, 1, 1), threadgroup=(1, 1, 1), source_path=str(path))
    assert str(info.value).endswith(
        f"crashed with SIGSEGV in threadgroup (0, 0, 0), thread_index_in_threadgroup 0 "
        f"(far out of bounds, at {path}:2, {named}: `{line}`)"
    )


def test_wrong_argument_counts_are_launch_errors() -> None:
    kernel = metal_kernel(name="k", input_names=["a", "b"], output_names=["out"], source="")
    with pytest.raises(LaunchError, match=r"Expected `inputs` to have size 2 but got size 1"):
        kernel(
            inputs=[mx.zeros((1,))],
            grid=(1, 1, 1),
            threadgroup=(1, 1, 1),
            output_shapes=[(1,)],
            output_dtypes=[mx.float32],
        )


def test_all_errors_share_the_base_class() -> None:
    for cls in (
        BarrierDivergenceError,
        KernelCrashError,
        KernelTimeoutError,
        LaunchError,
        MetalCompileError,
        UnsupportedMetalError,
    ):
        assert issubclass(cls, MetalCpuError)


def test_integer_division_by_zero_is_a_crash_with_a_hint() -> None:
    source = "int d = int(inp[0]);\nout[0] = float(7 / d);\n"
    with pytest.raises(
        KernelCrashError,
        match=r"crashed with SIGFPE in threadgroup \(0, 0, 0\), "
        r"thread_index_in_threadgroup 0 \(an integer "
        r"division by zero\?\)",
    ):
        _run(source, grid=(1, 1, 1), threadgroup=(1, 1, 1))
