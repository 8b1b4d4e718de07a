"""References of chunk_local_cumsum: the float32 sum in the kernel's order, and the exact sum."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib import chunks


def _cumsum(g: np.ndarray, bt: int, dtype: type) -> np.ndarray:
    blocks = chunks.padded_chunks(g.astype(dtype), bt)  # [B, NT, H, BT]
    return chunks.unchunk(np.cumsum(blocks, axis=3, dtype=dtype), g.shape[1])


def sequential_cumsum(
    inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """float32 running sum in time order (numpy's cumsum adds sequentially, as the kernel)."""
    return {"o": _cumsum(inputs["g"], sizes["BT"], np.float32)}


def exact_cumsum(
    inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """The float64 oracle (exact for these few float32 terms up to rounding of the last bits)."""
    return {"o": _cumsum(inputs["g"], sizes["BT"], np.float64)}
