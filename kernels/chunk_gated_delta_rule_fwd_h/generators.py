"""Inputs of chunk_gated_delta_rule_fwd_h: bf16 k, w, u, cumsummed decay, an initial state."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib.draws import bf16_normal, chunk_cumsum, l2_normalised_bf16, log_decay


def fla_state(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """k L2-normalised, w randn * 0.1 (the scale of A_inv beta exp(g) k), u randn, g a chunk
    cumsum of the ``decay`` regime, h0 randn * 0.1 in [.., V, K] (or zeros, the hand-made
    fixtures' only case). Draw order: k, w, u, g (not drawn when ``fixed``), h0.

    ``decay: fixed`` is a data-independent decay (RetNet's or Mamba-2's per-head gamma
    instead of a gate): every token's log decay is ln(chunk_decay) / BT, so every full
    chunk decays the state by ``chunk_decay`` (up to float32 rounding of the cumsum)."""
    b, t, h, hg, dk, dv = (sizes[n] for n in ("B", "T", "H", "Hg", "K", "V"))
    k = l2_normalised_bf16(rng, (b, t, hg, dk))
    w = bf16_normal(rng, (b, t, h, dk), 0.1)
    u = bf16_normal(rng, (b, t, h, dv), 1.0)
    if params["decay"] == "fixed":
        per_token = np.full((b, t, h), math.log(params["chunk_decay"]) / sizes["BT"], np.float32)
    else:
        per_token = log_decay(rng, (b, t, h), params["decay"])
    g = chunk_cumsum(per_token, sizes["BT"])
    if params["initial_state"] == "random":
        h0 = (rng.standard_normal((b, h, dv, dk)) * 0.1).astype(np.float32)
    else:
        h0 = np.zeros((b, h, dv, dk), dtype=np.float32)
    return {"k": k, "w": w, "u": u, "g": g, "h0": h0}
