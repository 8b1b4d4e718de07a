"""Inputs of chunk_local_cumsum: per-token log decay g [B, T, H] (float32, <= 0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib.draws import log_decay as draw_log_decay


def log_decay(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """g uniform in the regime's range (kernel_lib.draws.DECAY_RANGES). No ``none`` regime:
    an all-zero g has an all-zero sum, which an all-zero kernel output would pass."""
    return {"g": draw_log_decay(rng, (sizes["B"], sizes["T"], sizes["H"]), params["decay"])}
