"""Inputs of simdgroup_gemm: normal matrices, and rows made distinct so that every
mistake in which rows or columns a tile reads changes the product."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def normal(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """A [M, K] and B [N, K] with N(0, scale^2) entries (drawn in float64, rounded once)."""
    m, n, k = sizes["M"], sizes["N"], sizes["K"]
    a = (rng.standard_normal((m, k)) * params["scale"]).astype(np.float32)
    b = (rng.standard_normal((n, k)) * params["scale"]).astype(np.float32)
    return {"A": a, "B": b}


def distinct_rows(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Like ``normal`` plus a per-row offset (row i of A gains i, row j of B gains -j / 2):
    no two rows or columns of C are alike, so a shifted or swapped tile cannot hide."""
    base = normal(rng, sizes, {"scale": 1.0})
    a = base["A"] + np.arange(sizes["M"], dtype=np.float32)[:, None]
    b = base["B"] - np.arange(sizes["N"], dtype=np.float32)[:, None] / np.float32(2)
    return {"A": a.astype(np.float32), "B": b.astype(np.float32)}
