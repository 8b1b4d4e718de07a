"""Inputs of chunk_local_cumsum: ``g`` standard normal times ``scale``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def normal(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """``g [B, T, H]``: standard normal draws times ``scale`` (an exact float32 product)."""
    g = rng.standard_normal((sizes["B"], sizes["T"], sizes["H"])).astype(np.float32)
    return {"g": g * np.float32(params["scale"])}
