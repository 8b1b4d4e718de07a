"""References of chunk_gated_delta_rule_fwd_h: the kernel's float32/bf16 recurrence and the
float64 oracle (the same recurrence without rounding)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib.chunks import padded_chunks, unchunk, valid_rows
from fixturepipe.kernel_lib.numerics import exp32, exp64, ordered_matmul, round_bf16, to_bf16


def _recurrence(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], dtype: type):
    """h per chunk, v_new and the final state; bf16 rounding where the kernel rounds when
    ``dtype`` is float32, none for float64."""
    bt, t, h, hg = sizes["BT"], sizes["T"], sizes["H"], sizes["Hg"]
    rounded = dtype == np.float32
    exp = exp32 if rounded else exp64
    cast = round_bf16 if rounded else (lambda x: x)
    k = np.repeat(padded_chunks(inputs["k"].astype(dtype), bt), h // hg, axis=2)
    w = padded_chunks(inputs["w"].astype(dtype), bt)  # [B, NT, H, BT, K]
    u = padded_chunks(inputs["u"].astype(dtype), bt)  # [B, NT, H, BT, V]
    g = padded_chunks(inputs["g"][..., None].astype(dtype), bt)[..., 0]  # [B, NT, H, BT]
    valid = valid_rows(t, bt)
    state = inputs["h0"].astype(dtype)  # [B, H, V, K]
    states, v_new = [], np.zeros_like(u)
    for c in range(valid.shape[0]):
        n = int(valid[c].sum())
        sb = cast(state)
        states.append(sb)
        vp = u[:, c] - ordered_matmul(w[:, c], np.swapaxes(sb, -1, -2), dtype)  # [B, H, BT, V]
        v_new[:, c] = vp
        g_last = g[:, c, :, n - 1]  # [B, H]
        gate = exp((g_last[..., None] - g[:, c]).astype(dtype))  # [B, H, BT]
        vpp = cast(np.where(valid[c][None, None, :, None], vp * gate[..., None], 0).astype(dtype))
        update = ordered_matmul(np.swapaxes(vpp, -1, -2), k[:, c], dtype)  # [B, H, V, K]
        state = state * exp(g_last)[..., None, None] + update
    return np.stack(states, axis=1), unchunk(v_new, t), state


def state_ordered(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float32 in the kernel's order: S rounded to bf16 for h and the w dot, v'' rounded to
    bf16 before the k update, h and v_new stored as bf16, the final state float32."""
    h, v_new, final = _recurrence(inputs, sizes, np.float32)
    return {"h": to_bf16(h), "v_new": to_bf16(v_new), "final_state": final}


def state_oracle(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float64: the same recurrence, no rounding."""
    h, v_new, final = _recurrence(inputs, sizes, np.float64)
    return {"h": h, "v_new": v_new, "final_state": final}
