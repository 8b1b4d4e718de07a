"""Chunk views of flash-linear-attention's ``[B, T, H, ...]`` layout.

FLA keeps a sequence as ``[B, T, H, D]`` row-major and processes it in chunks
of ``BT`` time steps per (batch, head).  Generators draw per chunk in the order
``for batch: for chunk: for head`` (the seed script's order), and references
work on a ``[B, NT, H, BT, ...]`` view of the same array.  Nothing here names
an input or a size of a particular kernel: callers pass the numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def chunks(batches: int, length: int, heads: int, chunk: int) -> Iterator[tuple[int, slice, int]]:
    """(batch, time slice of the chunk, head) of every chunk, in draw order.

    ``length`` must be a multiple of ``chunk``; a partial last chunk is the
    caller's business (its spec constraint says whether the kernel allows one).
    """
    if length % chunk:
        raise ValueError(f"length {length} is not a multiple of the chunk size {chunk}")
    for b in range(batches):
        for c in range(length // chunk):
            for h in range(heads):
                yield b, slice(c * chunk, (c + 1) * chunk), h


def chunk_view(a: np.ndarray, chunk: int) -> np.ndarray:
    """``[B, T, H, *rest]`` -> ``[B, T // chunk, H, chunk, *rest]`` (a transposed view)."""
    b, t, h, *rest = a.shape
    blocked = a.reshape(b, t // chunk, chunk, h, *rest)
    return blocked.transpose(0, 1, 3, 2, *range(4, 4 + len(rest)))


def unchunk(blocks: np.ndarray) -> np.ndarray:
    """Inverse of :func:`chunk_view`: ``[B, NT, H, chunk, *rest]`` -> ``[B, T, H, *rest]``."""
    b, nt, h, chunk, *rest = blocks.shape
    order = (0, 1, 3, 2, *range(4, 4 + len(rest)))
    return np.ascontiguousarray(blocks.transpose(order)).reshape(b, nt * chunk, h, *rest)
