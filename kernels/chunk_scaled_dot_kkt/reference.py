"""References of chunk_scaled_dot_kkt: the kernel's float32 arithmetic and the float64 oracle."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib.chunks import padded_chunks, unchunk, valid_rows
from fixturepipe.kernel_lib.numerics import exp32, exp64, ordered_matmul


def _kkt(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int], dtype: type) -> np.ndarray:
    bt, t, h, hg = sizes["BT"], sizes["T"], sizes["H"], sizes["Hg"]
    exp = exp32 if dtype == np.float32 else exp64
    k = padded_chunks(inputs["k"].astype(dtype), bt)  # [B, NT, Hg, BT, K]
    dots = ordered_matmul(k, np.swapaxes(k, -1, -2), dtype)  # [B, NT, Hg, BT, BT]
    dots = np.repeat(dots, h // hg, axis=2)  # value head h reads key head h // (H / Hg)
    g = padded_chunks(inputs["g"][..., None].astype(dtype), bt)  # [B, NT, H, BT, 1]
    beta = padded_chunks(inputs["beta"][..., None].astype(dtype), bt)
    valid = valid_rows(t, bt)[None, :, None, :, None]  # row i is a real token
    mask = np.tril(np.ones((bt, bt), dtype=bool), k=-1) & valid
    diff = np.where(mask, g - np.swapaxes(g, -1, -2), 0).astype(dtype)
    a = np.where(mask, dots * exp(diff) * beta, 0).astype(dtype)
    return unchunk(a, t)


def kkt_ordered(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float32: k.k accumulated over K in index order, times exp(g_i - g_j), times beta_i."""
    return {"A": _kkt(inputs, sizes, np.float32)}


def kkt_oracle(inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]) -> dict:
    """float64: the same formula on the exact (bf16-valued) inputs."""
    return {"A": _kkt(inputs, sizes, np.float64)}
