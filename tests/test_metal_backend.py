"""The `metal` backend's logic that Linux can check without a GPU: why Metal is
unavailable, how MLX's errors are classed, and the `#line` mapping of compile errors
to kernels/<k>.metal lines. The launch on a GPU itself is not run by this project."""

from __future__ import annotations

import re
import subprocess
import sys

import mlx.core as mx
import pytest

from fixturepipe import backends, metal_backend
from fixturepipe.metal_backend import classify, unavailable_reason
from fixturepipe.metal_cpu import generated_signature
from fixturepipe.metal_cpu.toolchain import zig_command, zig_env


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (("linux", "x86_64", "", True, None), "only on macOS; this is linux"),
        (("darwin", "x86_64", "14.5", True, None), "an Intel Mac, or a Python under Rosetta"),
        (("darwin", "arm64", "13.6.1", True, None), "macOS 13.6.1: MLX's wheels need macOS 14"),
        (("darwin", "arm64", "15.1", False, None), "MLX is not installed for this Python"),
        (("darwin", "arm64", "15.1", True, 0), "finds no Metal GPU (a headless or virtualised"),
        (("darwin", "arm64", "14.0", True, 1), None),
        (("darwin", "arm64", "26.0", True, 1), None),
    ],
)
def test_unavailable_reason(facts: tuple, expected: str | None) -> None:
    reason = unavailable_reason(*facts)
    assert reason == expected if expected is None else expected in reason


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (("darwin", "x86_64", "14.5"), "cannot be: this Python runs as x86_64 (an Intel Mac"),
        (("darwin", "arm64", "13.6"), "cannot be: macOS 13.6: MLX's wheels need macOS 14"),
        (("darwin", "arm64", "15.0"), "not installed for this Python: run `make install`"),
        (("linux", "x86_64", ""), "not installed for this Python: run `make install`"),
    ],
)
def test_mlx_missing_sentence_for_unsupported_macs(facts: tuple, expected: str) -> None:
    assert expected in metal_backend.mlx_missing_sentence(*facts)


def test_this_linux_host_resolves_auto_to_cpu_and_says_why() -> None:
    if sys.platform == "darwin":
        pytest.skip("checks the Linux answer")
    assert backends.resolve_name("auto") == "cpu"
    with pytest.raises(backends.BackendUnavailable, match="only on macOS; this is linux"):
        backends.resolve_name("metal")
    chosen = backends.resolve("auto")
    assert chosen.provenance["auto_chose_cpu_because"].startswith("MLX has a Metal back-end only")


# MLX v0.32.1's messages, built from its format strings (file:line in metal_backend.py).
COMPILE = (
    "[metal::Device] Unable to build metal library from source\n"
    "kernels/k.metal:3:5: error: use of undeclared identifier 'nope'\n"
)
CASES = [
    (COMPILE, "MetalCompileError"),
    ("[metal::Device] Unable to load kernel custom_kernel_k_float\nCompiler encountered an "
     "internal error\n", "LaunchError"),
    ("[metal::Device] Unable to load function custom_kernel_k_float\n", "LaunchError"),
    ("Thread group size (2048) is greater than  the maximum allowed threads per threadgroup "
     "(1024).", "LaunchError"),
    ("[METAL] Command buffer execution failed: Caused GPU Timeout Error "
     "(00000002:kIOGPUCommandBufferCallbackErrorTimeout).", "KernelTimeoutError"),
    ("[METAL] Command buffer execution failed: Caused GPU Address Fault Error "
     "(0000000b:kIOGPUCommandBufferCallbackErrorPageFault).", "KernelCrashError"),
    ("[metal_kernel] Only supports the GPU.", None),
    ("[Primitive::output_shapes] unexpected", None),
]


@pytest.mark.parametrize(("message", "kind"), CASES)
def test_classify_mlx_errors_as_the_cpu_executor_does(message: str, kind: str | None) -> None:
    assert classify(message) == kind


def test_mlx_no_metal_error_is_not_a_kernel_fault() -> None:
    """The real error MLX raises here (no Metal back-end) is the pipeline's problem."""
    kernel = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["y"],
                                  source="y[0] = x[0];")
    with pytest.raises(RuntimeError) as info:
        kernel(inputs=[mx.zeros((8,))], grid=(1, 1, 1), threadgroup=(1, 1, 1),
               output_shapes=[(8,)], output_dtypes=[mx.float32])
    assert "No Metal back-end" in str(info.value)
    assert classify(str(info.value)) is None


def test_compile_error_text_keeps_the_diagnostics() -> None:
    text = metal_backend.compile_error_text(COMPILE)
    assert text == "kernels/k.metal:3:5: error: use of undeclared identifier 'nope'"


BODY = "uint i = thread_position_in_grid.x;\nfloat v = x[i];\nMARK_BODY_3 y[i] = v;\n"
HEADER = "constexpr int K = 4;\nMARK_HDR_2 inline float f(float a) { return a; }\n"


def test_line_directives_map_errors_to_kernel_files() -> None:
    """MLX's generated source for a body and header carrying #line directives, run
    through clang's preprocessor (the Metal compiler is clang): body line 3 is
    kernels/k.metal:3 and header line 2 is kernels/k.header.metal:2, and the
    signature MLX derives is the same as without the directives."""
    body = metal_backend.with_line_directive(BODY, "kernels/k.metal")
    header = metal_backend.header_with_line_directives(HEADER, "kernels/k.header.metal")
    args = dict(inputs=[mx.zeros((64,))], output_dtypes=[mx.float32])
    text = generated_signature("k", ["x"], ["y"], body, header=header, **args)
    plain = generated_signature("k", ["x"], ["y"], BODY, header=HEADER, **args)
    assert text.replace(body, BODY).replace(header, HEADER) == plain
    out = subprocess.run(
        [*zig_command(), "-E", "-x", "c", "-"], input=text, capture_output=True, text=True,
        check=True, env=zig_env(),
    ).stdout
    where = {}
    file, line = "?", 0
    for row in out.splitlines():
        marker = re.match(r'# (\d+) "([^"]+)"', row)
        if marker:
            line, file = int(marker.group(1)), marker.group(2)
            continue
        for token in ("MARK_BODY_3", "MARK_HDR_2"):
            if token in row:
                where[token] = (file, line)
        line += 1
    assert where == {"MARK_BODY_3": ("kernels/k.metal", 3),
                     "MARK_HDR_2": ("kernels/k.header.metal", 2)}


def test_metal_kernel_sources_carry_the_line_directive() -> None:
    kernel = metal_backend.MetalGpuKernel("k", ["x"], ["y"], BODY, HEADER,
                                          source_path="kernels/k.metal")
    assert kernel.spec["source"].startswith('#line 1 "kernels/k.metal"\n')
    assert kernel.spec["header"].startswith('#line 1 "k.header.metal"\n')
    with pytest.raises(ValueError, match="quotes or backslashes"):
        metal_backend.with_line_directive(BODY, 'kernels/a"b.metal')
