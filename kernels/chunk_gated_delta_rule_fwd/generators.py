"""Inputs of the composite chunk_gated_delta_rule_fwd: FLA's gated delta rule test inputs.

q and k are L2-normalised here (FLA's ``use_qk_l2norm_in_kernel`` runs ``l2norm_fwd``
on them first and stores them back in bf16; the stage kernels take them normalised).
The initial state is random and non-zero by default: the hand-made end-to-end fixture's
h0 = 0 could not tell a chain that ignores it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib.draws import bf16_normal, l2_normalised_bf16, log_decay, uniform_f32


def gdn_fwd(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """q, k unit rows (bf16) on Hg key heads, v randn (bf16) on H value heads, beta
    U[0.5, 0.75) (FLA's sigmoid(U[0, 1))), g the raw per-token log decay of the ``decay``
    regime (the chain cumsums it), h0 randn * ``state_scale`` in [B, H, V, K] (or zeros),
    scale 1 / sqrt(K) (FLA's default). Draw order: q, k, v, beta, g, h0."""
    b, t, h, hg = sizes["B"], sizes["T"], sizes["H"], sizes["Hg"]
    dk, dv = sizes["K"], sizes["V"]
    q = l2_normalised_bf16(rng, (b, t, hg, dk))
    k = l2_normalised_bf16(rng, (b, t, hg, dk))
    v = bf16_normal(rng, (b, t, h, dv), 1.0)
    beta = uniform_f32(rng, (b, t, h), 0.5, 0.75)
    g = log_decay(rng, (b, t, h), params["decay"])
    if params["initial_state"] == "random":
        h0 = (rng.standard_normal((b, h, dv, dk)) * params["state_scale"]).astype(np.float32)
    else:
        h0 = np.zeros((b, h, dv, dk), dtype=np.float32)
    # sqrt and division are correctly rounded (a float ** -0.5 goes through libm's pow).
    scale = np.array([1.0 / math.sqrt(dk)], dtype=np.float32)
    return {"q": q, "k": k, "v": v, "g": g, "beta": beta, "h0": h0, "scale": scale}
