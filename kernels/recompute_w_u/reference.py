"""References of recompute_w_u: the kernel's float32/bf16 arithmetic and the float64 oracle."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib.chunks import padded_chunks, unchunk, valid_rows
from fixturepipe.kernel_lib.numerics import exp32, exp64, ordered_matmul, round_bf16, to_bf16


def _operands(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], dtype: type):
    """a_inv masked to valid columns, and the chunked k (per value head), v, beta, g."""
    bt, t, h, hg = sizes["BT"], sizes["T"], sizes["H"], sizes["Hg"]
    valid = valid_rows(t, bt)  # [NT, BT]
    a = padded_chunks(inputs["a_inv"], bt).astype(dtype)  # [B, NT, H, BT, BT]
    a = np.where(valid[None, :, None, None, :], a, 0).astype(dtype)
    k = np.repeat(padded_chunks(inputs["k"].astype(dtype), bt), h // hg, axis=2)
    v = padded_chunks(inputs["v"].astype(dtype), bt)
    beta = padded_chunks(inputs["beta"][..., None].astype(dtype), bt)  # [B, NT, H, BT, 1]
    g = padded_chunks(inputs["g"][..., None].astype(dtype), bt)
    return a, k, v, beta, g


def wu_ordered(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float32 as the kernel: operands v * beta and (k * beta) * exp(g) rounded to bf16,
    one fused multiply-add per token of the chunk in order (the executor's SIMD-group
    matrix product), outputs rounded to bf16."""
    a, k, v, beta, g = _operands(inputs, sizes, np.float32)
    u = ordered_matmul(a, round_bf16(v * beta), fused=True)
    w = ordered_matmul(a, round_bf16(k * beta * exp32(g)), fused=True)
    t = sizes["T"]
    return {"w": to_bf16(unchunk(w, t)), "u": to_bf16(unchunk(u, t))}


def wu_oracle(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float64: u = a_inv (beta v), w = a_inv (beta exp(g) k), no rounding."""
    a, k, v, beta, g = _operands(inputs, sizes, np.float64)
    t = sizes["T"]
    u = ordered_matmul(a, v * beta, np.float64)
    w = ordered_matmul(a, k * beta * exp64(g), np.float64)
    return {"w": unchunk(w, t), "u": unchunk(u, t)}
