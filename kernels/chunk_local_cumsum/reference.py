"""References of chunk_local_cumsum: the kernel's float32 sums and the float64 oracle."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib.chunks import padded_chunks, unchunk

SIMD = 32


def chunk_cumsum_simd(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float32 prefix sums in the kernel's order: each 32-token simdgroup adds its lanes in
    order (simd_prefix_inclusive_sum), then adds the totals of the simdgroups before it."""
    bt = sizes["BT"]
    g = padded_chunks(inputs["g"][..., None].astype(np.float32), bt)[..., 0]  # [B, NT, H, BT]
    prefix = np.zeros_like(g)
    for lane0 in range(0, bt, SIMD):
        run = np.zeros(g.shape[:-1], dtype=np.float32)
        for i in range(lane0, lane0 + SIMD):
            run = run + g[..., i]
            prefix[..., i] = run
    out = prefix.copy()
    for lane0 in range(SIMD, bt, SIMD):
        for before in range(0, lane0, SIMD):
            total = prefix[..., before + SIMD - 1 : before + SIMD]
            out[..., lane0 : lane0 + SIMD] = out[..., lane0 : lane0 + SIMD] + total
    return {"g_c": unchunk(out[..., None], sizes["T"])[..., 0]}


def chunk_cumsum_oracle(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float64 inclusive prefix sums per chunk, in token order."""
    bt = sizes["BT"]
    g = padded_chunks(inputs["g"][..., None].astype(np.float64), bt)[..., 0]
    return {"g_c": unchunk(np.cumsum(g, axis=-1)[..., None], sizes["T"])[..., 0]}
