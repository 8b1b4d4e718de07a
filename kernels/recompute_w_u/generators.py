"""Inputs of recompute_w_u: bf16 keys and values, beta, a unit-lower a_inv, cumsummed decay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib.chunks import num_chunks
from fixturepipe.kernel_lib.draws import (
    bf16_normal,
    chunk_cumsum,
    l2_normalised_bf16,
    log_decay,
    uniform_f32,
)


def fla_wu(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """FLA's test inputs: k L2-normalised, v randn, beta U[0.5, 0.75), a_inv = I +
    tril(randn * 0.1, -1) on each chunk's valid tokens (FLA's synthetic Ai), g a chunk
    cumsum. ``dirty_tail`` puts NaN in the columns of a partial last chunk that belong to
    no token (which the kernel must not read). Draw order: k, v, beta, a_inv, g."""
    b, t, h, hg = sizes["B"], sizes["T"], sizes["H"], sizes["Hg"]
    bt = sizes["BT"]
    k = l2_normalised_bf16(rng, (b, t, hg, sizes["K"]))
    v = bf16_normal(rng, (b, t, h, sizes["V"]), 1.0)
    beta = uniform_f32(rng, (b, t, h), 0.5, 0.75)
    a_inv = np.zeros((b, t, h, bt), dtype=np.float32)
    for batch in range(b):
        for c in range(num_chunks(t, bt)):
            n = min(bt, t - c * bt)
            for head in range(h):
                block = np.tril(rng.standard_normal((n, n)) * 0.1, k=-1) + np.eye(n)
                a_inv[batch, c * bt : c * bt + n, head, :n] = block.astype(np.float32)
                if params["dirty_tail"]:
                    a_inv[batch, c * bt : c * bt + n, head, n:] = np.nan
    g = chunk_cumsum(log_decay(rng, (b, t, h), params["decay"]), bt)
    return {"k": k, "v": v, "beta": beta, "a_inv": a_inv, "g": g}
