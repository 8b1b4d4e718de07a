"""References of chunk_tri_solve_invert: ``(inputs, sizes) -> {"a_inv": array}``.

The float32 references are the golden values written into fixture folders;
the float64 oracle (:func:`unit_lower_oracle`) is the exact maths the
comparison also reports against, so a report can tell the kernel's error from
the float32 reference's own.  The oracle uses a different algorithm (forward
substitution in float64, fixed summation order, no BLAS/LAPACK) from the
seed's LAPACK inverse.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fixturepipe.kernel_lib import chunks


def _substitution64(a_strict: np.ndarray, bt: int) -> np.ndarray:
    """(I + tril(A, -1))^-1 per block by forward substitution in float64, fixed order.

    Row i of X is e_i - sum_{k<i} L[i, k] X[k, :], accumulated for k = 0, 1, ...
    with elementwise IEEE operations only, so the bytes are the same everywhere.
    """
    lower = np.tril(chunks.padded_chunks(a_strict, bt).astype(np.float64), k=-1)
    x = np.zeros_like(lower)
    for i in range(bt):
        row = np.zeros((*lower.shape[:-2], bt), dtype=np.float64)
        row[..., i] = 1.0
        for k in range(i):
            row -= lower[..., i, k, None] * x[..., k, :]
        x[..., i, :] = row
    return chunks.unchunk(x, a_strict.shape[1])


def unit_lower_inverse(
    inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """``numpy.linalg.inv(I + tril(A, -1))`` block by block in float32, exactly as the seed does.

    Keeps the seed script's calls (a fresh ``eye + block`` per block, ``inv``,
    ``astype``) so the ``seed`` fixture's reference is byte-identical.  The
    diagonal and upper triangle of the input are ignored, as FLA does.
    """
    a = inputs["a_strict"]
    bt = sizes["BT"]
    out = np.zeros_like(a, dtype=np.float32)
    for b, rows, head in chunks.chunk_slices(a.shape[0], a.shape[1], a.shape[2], bt):
        m_strict = np.tril(a[b, rows, head, :], k=-1)
        m_full = np.eye(bt, dtype=np.float32) + m_strict
        out[b, rows, head, :] = np.linalg.inv(m_full).astype(np.float32)
    return {"a_inv": out}


def unit_lower_substitution(
    inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """Forward substitution in float64, rounded to float32.

    For inputs where LAPACK's pivoting is wrong-headed (``nilpotent_block``:
    entries up to 1e30 below a unit diagonal, where ``inv`` loses everything but
    substitution is exact), this gives the exact I - A.
    """
    return {"a_inv": _substitution64(inputs["a_strict"], sizes["BT"]).astype(np.float32)}


def unit_lower_oracle(
    inputs: Mapping[str, np.ndarray], sizes: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """The float64 oracle: forward substitution, never rounded to float32."""
    return {"a_inv": _substitution64(inputs["a_strict"], sizes["BT"])}
