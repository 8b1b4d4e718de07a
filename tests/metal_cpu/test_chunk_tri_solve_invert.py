"""The project's real kernel on the seed fixture, through the CPU executor."""

from __future__ import annotations

from pathlib import Path

import mlx.core as mx
import numpy as np

from fixturepipe.metal_cpu import metal_kernel

KERNEL = (Path(__file__).resolve().parents[2] / "kernels" / "chunk_tri_solve_invert"
          / "chunk_tri_solve_invert.metal")
SEED, B, T, H, BT = 0xC0FFEE, 4, 64, 1, 64


def seed_fixture() -> tuple[np.ndarray, np.ndarray]:
    """The seed script's inputs and numpy.linalg.inv reference, same RNG calls."""
    rng = np.random.default_rng(SEED)
    a_strict = np.zeros((B, T, H, BT), dtype=np.float32)
    for b in range(B):
        m = rng.standard_normal((BT, BT)).astype(np.float32) * 0.1
        a_strict[b, :, 0, :] = np.tril(m, k=-1)
    ref = np.zeros_like(a_strict)
    for b in range(B):
        full = np.eye(BT, dtype=np.float32) + a_strict[b, :, 0, :]
        ref[b, :, 0, :] = np.linalg.inv(full).astype(np.float32)
    return a_strict, ref


def forward_substitution_in_kernel_order(a_strict: np.ndarray) -> np.ndarray:
    """The kernel's float32 operations in its order (k ascending from j), vectorised
    over columns: the executor must reproduce these bits exactly."""
    L = a_strict[:, :, 0, :]
    X = np.zeros_like(L)
    cols = np.arange(BT)
    for i in range(BT):
        acc = np.where(cols == i, np.float32(1), np.float32(0)).astype(np.float32)
        acc = np.broadcast_to(acc, (B, BT)).copy()
        for k in range(i):
            live = cols <= k
            acc[:, live] = acc[:, live] - L[:, i, k, None] * X[:, k, live]
        X[:, i, :] = acc
    return X[:, :, None, :]


def test_seed_fixture_within_4_ulp_and_bit_exact() -> None:
    a_strict, ref = seed_fixture()
    kernel = metal_kernel(
        "chunk_tri_solve_invert",
        ["a_strict"],
        ["a_inv"],
        KERNEL.read_text(),
        source_path="kernels/chunk_tri_solve_invert/chunk_tri_solve_invert.metal",
    )
    (out,) = kernel(
        inputs=[mx.array(a_strict)],
        grid=(T, H, B),
        threadgroup=(BT, 1, 1),
        output_shapes=[a_strict.shape],
        output_dtypes=[mx.float32],
        init_value=float("nan"),
    )
    got = np.asarray(out)
    assert not np.isnan(got).any(), "unwritten (NaN-poisoned) elements"
    # ULP at the output's scale, the metric of the pipeline's tolerances.
    max_ulp = np.abs(got.astype(np.float64) - ref).max() / np.spacing(np.abs(ref).max())
    assert max_ulp <= 4, f"max error {max_ulp:.2f} ULP"
    np.testing.assert_array_equal(
        got.view(np.int32), forward_substitution_in_kernel_order(a_strict).view(np.int32)
    )
