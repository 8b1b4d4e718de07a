"""Inputs of chunk_scaled_dot_kkt: FLA's test distribution (normalised bf16 keys, sigmoid-range
beta, chunk-cumsummed log decay)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib.draws import (
    bf16_normal,
    chunk_cumsum,
    l2_normalised_bf16,
    log_decay,
    uniform_f32,
)


def fla_keys(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """k [B, T, Hg, K] (L2-normalised rows, or randn * 0.1), beta U[0.5, 0.75) as
    sigmoid(U[0, 1)) spans, g the chunk cumsum of a ``decay``-regime log decay.
    Draw order: k, beta, g."""
    b, t, h, hg, d = sizes["B"], sizes["T"], sizes["H"], sizes["Hg"], sizes["K"]
    if params["normalise"]:
        k = l2_normalised_bf16(rng, (b, t, hg, d))
    else:
        k = bf16_normal(rng, (b, t, hg, d), 0.1)
    beta = uniform_f32(rng, (b, t, h), 0.5, 0.75)
    g = chunk_cumsum(log_decay(rng, (b, t, h), params["decay"]), sizes["BT"])
    return {"k": k, "beta": beta, "g": g}
