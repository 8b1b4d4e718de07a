"""Input distributions shared by gated linear-attention kernels, drawn deterministically.

Everything here uses the caller's seeded ``numpy.random.Generator`` and
correctly rounded IEEE operations only, so the same seed gives the same bytes
on every machine.
"""

from __future__ import annotations

import math

import numpy as np

from fixturepipe.kernel_lib.chunks import num_chunks
from fixturepipe.kernel_lib.numerics import to_bf16

# Per-token log decay ranges [low, high): "weak" is mlx-native's fixtures' U[-0.05, -0.005);
# "strong" makes exp(g) over a 64-token chunk about 1e-8, so stale state must vanish.
DECAY_RANGES = {"none": (0.0, 0.0), "weak": (-0.05, -0.005), "strong": (-0.5, -0.05)}


def log_decay(rng: np.random.Generator, shape: tuple[int, ...], regime: str) -> np.ndarray:
    """Per-token log decay (<= 0) as float32: ``none`` is exactly 0 (no gate)."""
    if regime not in DECAY_RANGES:
        raise ValueError(f"decay regime {regime!r} is not one of {sorted(DECAY_RANGES)}")
    low, high = DECAY_RANGES[regime]
    if low == high:
        return np.zeros(shape, dtype=np.float32)
    return rng.uniform(low, high, size=shape).astype(np.float32)


def chunk_cumsum(g: np.ndarray, chunk: int) -> np.ndarray:
    """Inclusive prefix sum of ``g [B, T, H]`` restarting every ``chunk`` tokens (float64, exact
    to float64 rounding, summed in token order) rounded once to float32."""
    g64 = np.asarray(g, dtype=np.float64)
    out = np.zeros_like(g64)
    for c in range(num_chunks(g.shape[1], chunk)):
        rows = slice(c * chunk, (c + 1) * chunk)
        out[:, rows] = np.cumsum(g64[:, rows], axis=1)
    return out.astype(np.float32)


def bf16_normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Standard normal times ``scale``, rounded to bfloat16."""
    return to_bf16(rng.standard_normal(shape) * scale)


def l2_normalised_bf16(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal rows of the last axis scaled to unit L2 norm (``math.fsum``), in bfloat16:
    FLA's tests feed normalised keys to the kkt and solve stages."""
    x = rng.standard_normal(shape)
    rows = x.reshape(-1, shape[-1])
    norms = np.array([math.sqrt(math.fsum(r * r)) for r in rows], dtype=np.float64)
    return to_bf16((rows / norms[:, None]).reshape(shape))


def uniform_f32(rng: np.random.Generator, shape: tuple[int, ...], low: float, high: float):
    """``U[low, high)`` as float32 (beta gates)."""
    return rng.uniform(low, high, size=shape).astype(np.float32)
