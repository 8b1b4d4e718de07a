"""Kernel outputs do not depend on the CPU: the executor's binaries run on this host,
under qemu with an older x86_64 CPU (Nehalem: no AVX, AVX2 or AVX-512) and under qemu
aarch64, and every output byte is the same.

The kernels: the half/bfloat rounding conformance kernels (whose float -> bfloat
conversion was one AVX512-BF16 instruction on the CI host, flushing subnormals),
the project's kernel, chunk_tri_solve_invert, on the seed fixture, and the simdgroup
GEMM, whose 8x8 multiply takes the vector-FMA path on this host and the libm fmaf path
on the emulated CPU without FMA (runtime/metal_simdgroup_matrix.h).
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from pathlib import Path

import mlx.core as mx
import numpy as np
import pytest
import qemu_user

from fixturepipe.kernel_lib.numerics import ordered_matmul
from fixturepipe.metal_cpu import metal_kernel
from fixturepipe.metal_cpu.toolchain import host_target, target_named

from .test_chunk_tri_solve_invert import (
    BT,
    B,
    H,
    T,
    forward_substitution_in_kernel_order,
    seed_fixture,
)
from .test_half_bfloat_rounding import ARITH, CONVERT, bf16_bits, special_floats

KERNEL = (Path(__file__).resolve().parents[2] / "kernels" / "chunk_tri_solve_invert"
          / "chunk_tri_solve_invert.metal")
GEMM = Path(__file__).resolve().parents[2] / "kernels" / "simdgroup_gemm" / "simdgroup_gemm.metal"

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"),
    reason="the emulated runs compare with an x86_64 Linux host",
)


@pytest.fixture(scope="module", autouse=True)
def _qemu() -> None:
    qemu_user.ensure_qemu()


def _launches() -> list[tuple[str, dict]]:
    """(label, MetalKernel keyword arguments) of each way to run: host, old x86, aarch64."""
    return [
        ("host", {}),
        ("qemu-x86_64 -cpu Nehalem", {"emulator": qemu_user.old_x86_64()}),
        ("qemu-aarch64", {"target": target_named("aarch64-linux-gnu"),
                          "emulator": qemu_user.aarch64()}),
    ]


def _same_bytes_everywhere(run: Callable[[dict], Sequence[np.ndarray]]) -> list[np.ndarray]:
    results = {label: run(kwargs) for label, kwargs in _launches()}
    host = results["host"]
    for label, outs in results.items():
        for i, (got, want) in enumerate(zip(outs, host, strict=True)):
            assert got.tobytes() == want.tobytes(), f"output {i} differs on {label} from the host"
    return host


def _bits(a: mx.array) -> np.ndarray:
    return np.asarray(a.view(mx.uint16) if a.dtype in (mx.bfloat16, mx.float16) else a).copy()


def test_host_binary_is_the_fixed_baseline_and_runs_on_an_old_cpu() -> None:
    assert host_target().cpu == "x86_64_v2"


def test_bfloat_and_half_conversions_identical_under_qemu() -> None:
    x = special_floats()

    def run(kwargs: dict) -> list[np.ndarray]:
        kernel = metal_kernel(
            name="convert_rne", input_names=["x"], output_names=["b_out", "h_out"],
            source=CONVERT, timeout=300, **kwargs,
        )
        outs = kernel(inputs=[mx.array(x)], grid=(x.size, 1, 1), threadgroup=(64, 1, 1),
                      output_shapes=[x.shape] * 2, output_dtypes=[mx.bfloat16, mx.float16])
        return [_bits(o) for o in outs]

    host = _same_bytes_everywhere(run)
    np.testing.assert_array_equal(host[0], bf16_bits(x))  # and the host is right


def test_half_and_bfloat_arithmetic_identical_under_qemu() -> None:
    rng = np.random.default_rng(16)
    n = 1024
    ab = bf16_bits(rng.standard_normal(2 * n).astype(np.float32)
                   * np.exp2(rng.integers(-30, 30, 2 * n)).astype(np.float32))
    ch = (rng.standard_normal(2 * n) * np.exp2(rng.integers(-14, 8, 2 * n))).astype(np.float16)

    def run(kwargs: dict) -> list[np.ndarray]:
        kernel = metal_kernel(
            name="arith_rounding", input_names=["ab", "ch"],
            output_names=["b_sum", "b_prod", "b_chain", "h_sum", "h_prod", "h_chain"],
            source=ARITH, timeout=300, **kwargs,
        )
        outs = kernel(inputs=[mx.array(ab).view(mx.bfloat16), mx.array(ch)],
                      grid=(n, 1, 1), threadgroup=(256, 1, 1), output_shapes=[(n,)] * 6,
                      output_dtypes=[mx.bfloat16] * 3 + [mx.float16] * 3)
        return [_bits(o) for o in outs]

    _same_bytes_everywhere(run)


def test_chunk_tri_solve_invert_seed_fixture_identical_under_qemu() -> None:
    a_strict, _ = seed_fixture()

    def run(kwargs: dict) -> list[np.ndarray]:
        kernel = metal_kernel(
            "chunk_tri_solve_invert", ["a_strict"], ["a_inv"], KERNEL.read_text(),
            source_path="kernels/chunk_tri_solve_invert/chunk_tri_solve_invert.metal",
            timeout=300, **kwargs,
        )
        (out,) = kernel(inputs=[mx.array(a_strict)], grid=(T, H, B), threadgroup=(BT, 1, 1),
                        output_shapes=[a_strict.shape], output_dtypes=[mx.float32],
                        init_value=float("nan"))
        return [np.asarray(out).copy()]

    (host,) = _same_bytes_everywhere(run)
    np.testing.assert_array_equal(  # and the host is right
        host.view(np.int32), forward_substitution_in_kernel_order(a_strict).view(np.int32)
    )


def test_simdgroup_gemm_identical_under_qemu() -> None:
    """Both builds of the 8x8 multiply (vector FMA where the CPU has it, libm's fmaf on
    the Nehalem model, NEON on aarch64) give the same bits: one correctly rounded fma
    per k. Magnitudes spread over 2^-20..2^20 so a product rounded before the add, or
    a sum in another order, changes the result."""
    rng = np.random.default_rng(1408)
    m, n, k = 32, 16, 64
    a = (rng.standard_normal((m, k)) * np.exp2(rng.integers(-20, 20, (m, k)))).astype(np.float32)
    b = (rng.standard_normal((n, k)) * np.exp2(rng.integers(-20, 20, (n, k)))).astype(np.float32)

    def run(kwargs: dict) -> list[np.ndarray]:
        kernel = metal_kernel(
            "simdgroup_gemm", ["A", "B"], ["C"], GEMM.read_text(),
            source_path="kernels/simdgroup_gemm/simdgroup_gemm.metal", timeout=300, **kwargs,
        )
        (out,) = kernel(inputs=[mx.array(a), mx.array(b)], template=[("K", k), ("N", n)],
                        grid=(128 * (n // 16), m // 16, 1), threadgroup=(128, 1, 1),
                        output_shapes=[(m, n)], output_dtypes=[mx.float32])
        return [np.asarray(out).copy()]

    (host,) = _same_bytes_everywhere(run)
    want = ordered_matmul(a, b.T, np.float32, fused=True)  # and the host is right
    np.testing.assert_array_equal(host.view(np.int32), want.view(np.int32))
