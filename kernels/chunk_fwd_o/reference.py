"""References of chunk_fwd_o: the kernel's float32/bf16 arithmetic and the float64 oracle."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib.chunks import padded_chunks, unchunk, valid_rows
from fixturepipe.kernel_lib.numerics import exp32, exp64, ordered_matmul, round_bf16, to_bf16


def _output(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], dtype: type):
    bt, t, h, hg = sizes["BT"], sizes["T"], sizes["H"], sizes["Hg"]
    rounded = dtype == np.float32
    exp = exp32 if rounded else exp64
    q = np.repeat(padded_chunks(inputs["q"].astype(dtype), bt), h // hg, axis=2)
    k = np.repeat(padded_chunks(inputs["k"].astype(dtype), bt), h // hg, axis=2)
    v = padded_chunks(inputs["v"].astype(dtype), bt)  # [B, NT, H, BT, V]
    states = inputs["h"].astype(dtype)  # [B, NT, H, V, K]
    g = padded_chunks(inputs["g"][..., None].astype(dtype), bt)  # [B, NT, H, BT, 1]
    scale = inputs["scale"].astype(dtype)[0]
    valid = valid_rows(t, bt)[None, :, None, :, None]
    mask = np.tril(np.ones((bt, bt), dtype=bool)) & valid  # inclusive causal, valid rows
    diff = np.where(mask, g - np.swapaxes(g, -1, -2), 0).astype(dtype)
    a = np.where(mask, ordered_matmul(q, np.swapaxes(k, -1, -2), dtype) * exp(diff), 0)
    a = round_bf16(a) if rounded else a
    inter = ordered_matmul(q, np.swapaxes(states, -1, -2), dtype)  # [B, NT, H, BT, V]
    intra = ordered_matmul(a.astype(dtype), v, dtype)
    o = inter * exp(g) * scale + intra * scale
    return unchunk(o.astype(dtype), t)


def output_ordered(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float32 in the kernel's order: q k^T * exp(g_i - g_j) masked and rounded to bf16,
    then (q h^T) * exp(g) * scale + (A v) * scale, stored as bf16."""
    return {"o": to_bf16(_output(inputs, sizes, np.float32))}


def output_oracle(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float64: the same formula, no rounding."""
    return {"o": _output(inputs, sizes, np.float64)}
