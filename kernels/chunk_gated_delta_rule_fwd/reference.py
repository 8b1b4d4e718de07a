"""The float64 oracle of the composite chunk_gated_delta_rule_fwd: FLA's token recurrence.

A composite has no float32 reference of its own: the pipeline chains its stages'
default float32 references. The oracle is the maths the chunked algorithm implements,
token by token, without rounding: FLA's ``naive_recurrent_gated_delta_rule`` with
``use_qk_l2norm_in_kernel``, the state in the stage kernels' [V, K] layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

# FLA's l2norm_fwd: x / sqrt(sum(x^2) + eps).
L2NORM_EPS = 1e-6


def l2_normalised(x: np.ndarray) -> np.ndarray:
    """Rows of the last axis of ``x`` scaled as FLA's ``l2norm_fwd`` does, in float64."""
    x = np.asarray(x, dtype=np.float64)
    return x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True) + L2NORM_EPS)


def token_recurrence(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """o and the final state in float64. Per sequence and value head h (reading key head
    h // (H / Hg)), from S = h0 [V, K], for each token t: decay S = exp(g_t) S; residual
    r = v_t - S k_t against the decayed state; update S = S + beta_t r k_t^T; output
    o_t = S (scale q_t), the query reading the updated state."""
    b, t, h, hg = sizes["B"], sizes["T"], sizes["H"], sizes["Hg"]
    group = h // hg
    q, k = l2_normalised(inputs["q"]), l2_normalised(inputs["k"])
    v = np.asarray(inputs["v"], dtype=np.float64)
    g = np.asarray(inputs["g"], dtype=np.float64)
    beta = np.asarray(inputs["beta"], dtype=np.float64)
    scale = float(np.asarray(inputs["scale"], dtype=np.float64).reshape(-1)[0])
    state = np.array(inputs["h0"], dtype=np.float64)  # [B, H, V, K]
    o = np.zeros(v.shape, dtype=np.float64)
    for batch in range(b):
        for head in range(h):
            s = state[batch, head]
            for token in range(t):
                kt, qt = k[batch, token, head // group], q[batch, token, head // group]
                s = math.exp(g[batch, token, head]) * s
                r = v[batch, token, head] - s @ kt
                s = s + np.outer(beta[batch, token, head] * r, kt)
                o[batch, token, head] = s @ (scale * qt)
            state[batch, head] = s
    return {"o": o, "final_state": state}
