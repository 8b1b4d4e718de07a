"""Chunked views of flash-linear-attention's ``[B, T, H, ...]`` layout with a partial last chunk.

FLA processes a sequence in chunks of ``BT`` tokens; when ``T`` is not a
multiple of ``BT`` the last chunk holds ``T % BT`` valid tokens and a kernel
masks the rest.  References work on a zero-padded ``[B, NT, H, BT, ...]`` copy
(``NT = ceil(T / BT)``), whose padding rows a kernel's masked loads also see
as zeros, and cut the padding off again on the way out.  Generators draw chunk
by chunk in the order of :func:`chunk_slices` (the seed script's order).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def num_chunks(length: int, chunk: int) -> int:
    """``ceil(length / chunk)``: the chunks of a sequence, the last one possibly partial."""
    return -(-length // chunk)


def padded_chunks(a: np.ndarray, chunk: int) -> np.ndarray:
    """``[B, T, H, *rest]`` -> ``[B, NT, H, chunk, *rest]``, rows past ``T`` zero (a copy)."""
    b, t, h, *rest = a.shape
    nt = num_chunks(t, chunk)
    padded = np.zeros((b, nt * chunk, h, *rest), dtype=a.dtype)
    padded[:, :t] = a
    blocked = padded.reshape(b, nt, chunk, h, *rest)
    return np.ascontiguousarray(blocked.transpose(0, 1, 3, 2, *range(4, 4 + len(rest))))


def unchunk(blocks: np.ndarray, length: int) -> np.ndarray:
    """Inverse of :func:`padded_chunks`: ``[B, NT, H, chunk, *rest]`` -> ``[B, length, H, ...]``."""
    b, nt, h, chunk, *rest = blocks.shape
    order = (0, 1, 3, 2, *range(4, 4 + len(rest)))
    flat = np.ascontiguousarray(blocks.transpose(order)).reshape(b, nt * chunk, h, *rest)
    return np.ascontiguousarray(flat[:, :length])


def valid_rows(length: int, chunk: int) -> np.ndarray:
    """``[NT, chunk]`` booleans: which rows of each chunk are real tokens (``< length``)."""
    nt = num_chunks(length, chunk)
    return (np.arange(nt * chunk) < length).reshape(nt, chunk)


def chunk_slices(
    batches: int, length: int, heads: int, chunk: int
) -> Iterator[tuple[int, slice, int]]:
    """(batch, token slice, head) of every chunk in draw order: batch, then chunk, then head
    (for one head and one chunk per batch, the seed script's order).  The last slice of a
    sequence may be partial."""
    for b in range(batches):
        for c in range(num_chunks(length, chunk)):
            for h in range(heads):
                yield b, slice(c * chunk, min((c + 1) * chunk, length)), h
