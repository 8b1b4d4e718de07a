"""Inputs of chunk_fwd_o: bf16 q, k, v_new and per-chunk states h, cumsummed decay, scale."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib.chunks import num_chunks
from fixturepipe.kernel_lib.draws import bf16_normal, chunk_cumsum, l2_normalised_bf16, log_decay


def fla_output(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """q, k L2-normalised (as with use_qk_l2norm), v randn, h randn * ``state_scale`` in
    [.., V, K] (every chunk's state non-zero, unlike the hand-made fixtures' zero first
    state), g a chunk cumsum of the ``decay`` regime, scale K^-0.5 unless given.
    Draw order: q, k, v, h, g (not drawn when ``constant``).

    ``decay: constant`` is a synthetic gate: g = ln(``gate``) at every token (all of a
    chunk's decay at its first token), so A's gates exp(g_i - g_j) are 1 and every row's
    state term is scaled by the same exp(g). With ``gate`` just under a rounding midpoint
    of half, a kernel holding exp(g) in half is off by nearly 2^-11 on every row alike."""
    b, t, h, hg, dk, dv = (sizes[n] for n in ("B", "T", "H", "Hg", "K", "V"))
    q = l2_normalised_bf16(rng, (b, t, hg, dk))
    k = l2_normalised_bf16(rng, (b, t, hg, dk))
    v = bf16_normal(rng, (b, t, h, dv), 1.0)
    states = bf16_normal(rng, (b, num_chunks(t, sizes["BT"]), h, dv, dk), params["state_scale"])
    if params["decay"] == "constant":
        g = np.full((b, t, h), math.log(params["gate"]), np.float32)
    else:
        g = chunk_cumsum(log_decay(rng, (b, t, h), params["decay"]), sizes["BT"])
    scale = params.get("scale", 1.0 / math.sqrt(dk))
    return {"q": q, "k": k, "v": v, "h": states, "g": g,
            "scale": np.array([scale], dtype=np.float32)}
