"""Where the error is: signed per-element error in ULPs and the max error of every block.

The unit is the one tolerances use (``compare.max_ulp``): the float spacing at the
output's scale, ``spacing(max |ref|)``, so a block map reads directly against the
fixture's ``max_ulp``.  The compare job stores each output's block map in compare.json
(small: one number per block); the report's figures recompute the per-element errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fixturepipe import blocks


def ulp_unit(ref: np.ndarray, dtype: np.dtype) -> float:
    """The spacing of ``dtype`` at the scale of ``ref`` (max |finite ref|), 1.0 if all zero."""
    finite = np.abs(ref[np.isfinite(ref)]).astype(np.float64)
    scale = float(finite.max()) if finite.size else 0.0
    if not scale:
        return 1.0
    try:
        return float(np.spacing(np.asarray(scale, dtype=dtype)))
    except TypeError:  # bfloat16: 8 significant bits
        return scale * 2.0**-7


def signed_ulps(out: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """(out - ref) in ULPs at the output's scale; +inf where one side is non-finite and the
    other is not (or they differ), 0 where both hold the same non-finite value."""
    o, r = out.astype(np.float64), ref.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = o - r
    err /= ulp_unit(ref, out.dtype)
    bad = ~np.isfinite(err)
    if bad.any():  # only then pay for the non-finite bookkeeping
        same = (np.isnan(o) & np.isnan(r)) | (np.isinf(o) & (o == r))
        err[bad] = np.where(same[bad], 0.0, np.inf)
    return err


def block_map(out: np.ndarray, ref: np.ndarray, shape: Sequence[str | int],
              sizes: Mapping[str, int]) -> dict[str, Any]:
    """Max |error| in ULPs per block over the leading axes, and the worst block's index."""
    b = blocks.view(np.abs(signed_ulps(out, ref)), shape, sizes)
    per_block = b.array.max(axis=(-1, -2)) if b.array.size else np.zeros(b.array.shape[:-2])
    worst = np.unravel_index(int(np.argmax(per_block)), per_block.shape) if per_block.size else ()
    return {
        "lead": list(b.lead),
        "block": [b.rows, b.cols],
        "max_ulp": np.round(per_block, 3).tolist(),
        "worst": [int(i) for i in worst],
    }


def add_block_maps(verdict: dict[str, Any], outputs: Mapping[str, np.ndarray],
                   references: Mapping[str, np.ndarray],
                   shapes: Mapping[str, Sequence[str | int]], sizes: Mapping[str, int]) -> None:
    """Store each output's :func:`block_map` in ``verdict["outputs"][name]["block_map"]``."""
    for name, entry in verdict["outputs"].items():
        entry["block_map"] = block_map(outputs[name], references[name], shapes[name], sizes)
