"""Input generators of chunk_tri_solve_invert: ``(rng, sizes, params) -> {"a_strict": array}``.

Named, with their parameter schemas, under ``generators:`` in spec.yaml; params
arrive with the schema's defaults filled in.  Determinism across machines
matters (inputs are checksummed), so they use only the seeded
``numpy.random.Generator`` and correctly rounded arithmetic (IEEE + - * /,
``math.fsum``, ``sqrt``); no BLAS and no vectorised transcendental functions,
whose last bits depend on the CPU's SIMD path.

Blocks of ``[B, T, H, BT]`` are drawn chunk by chunk in FLA order; for
``H = 1, T = BT`` that is the seed script's order, which keeps the ``seed``
fixture byte-identical to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from fixturepipe.kernel_lib import chunks


def _blocks(sizes: Mapping[str, int]) -> Iterator[tuple[int, slice, int]]:
    """(batch, row slice, head) of every [BT, BT] block, in draw order."""
    return chunks.chunk_slices(sizes["B"], sizes["T"], sizes["H"], sizes["BT"])


def _empty(sizes: Mapping[str, int]) -> np.ndarray:
    return np.zeros((sizes["B"], sizes["T"], sizes["H"], sizes["BT"]), dtype=np.float32)


def random_strict_lower(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Standard normal * ``magnitude`` in the strict lower triangle of every block (the seed's).

    ``dirty_upper: true`` then fills the diagonal and upper triangle with garbage
    (large values, NaN, +-inf) drawn *after* all lower draws, so the strict lower
    part is the same as without it and a correct kernel gives the same result.
    """
    bt = sizes["BT"]
    a = _empty(sizes)
    for b, rows, head in _blocks(sizes):
        m = rng.standard_normal((bt, bt)).astype(np.float32) * params["magnitude"]
        a[b, rows, head, :] = np.tril(m, k=-1)
    if params["dirty_upper"]:
        upper = np.triu(np.ones((bt, bt), dtype=bool))
        for b, rows, head in _blocks(sizes):
            garbage = (rng.standard_normal((bt, bt)) * 1.0e3).astype(np.float32)
            kind = rng.integers(0, 20, size=(bt, bt))
            garbage[kind == 0] = np.nan
            garbage[kind == 1] = np.inf
            garbage[kind == 2] = -np.inf
            block = a[b, rows, head, :]
            a[b, rows, head, :] = np.where(upper, garbage, block)
    return {"a_strict": a}


def fla_kkt(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """A = beta_i * (k_i . k_j) for j < i within each chunk, k L2-normalised over ``K``.

    This is how FLA's own solve_tril tests build A (chunk_scaled_dot_kkt): a
    realistic, well-conditioned distribution, unlike random strict-lower blocks.
    Draw order: k [B, T, H, K] standard normal, then beta [B, T, H] uniform in
    [0.05, 0.95).  Dot products and norms use ``math.fsum`` of exact float64
    products, so the bytes do not depend on the BLAS build.
    """
    bt, dim = sizes["BT"], int(params["K"])
    k = rng.standard_normal((sizes["B"], sizes["T"], sizes["H"], dim)).astype(np.float32)
    beta = (0.05 + 0.9 * rng.random((sizes["B"], sizes["T"], sizes["H"]))).astype(np.float32)
    k64 = k.astype(np.float64)
    norms = np.array(
        [math.sqrt(math.fsum(row * row)) for row in k64.reshape(-1, dim)], dtype=np.float64
    ).reshape(k.shape[:-1])
    kn = (k64 / norms[..., None]).astype(np.float32).astype(np.float64)
    a = _empty(sizes)
    for b, rows, head in _blocks(sizes):
        kc = kn[b, rows, head, :]
        bc = beta[b, rows, head].astype(np.float64)
        block = np.zeros((bt, bt), dtype=np.float64)
        for i in range(1, bt):
            products = kc[i] * kc[:i]  # exact: f32 x f32 fits in f64
            block[i, :i] = [bc[i] * math.fsum(row) for row in products]
        a[b, rows, head, :] = block.astype(np.float32)
    return {"a_strict": a}


def zeros(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """All-zero input: the inverse must be exactly the identity."""
    return {"a_strict": _empty(sizes)}


def nilpotent_block(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Nonzero only where row >= ``split`` and col < ``split``, magnitudes 10**lo .. 10**hi.

    Such an A satisfies A @ A = 0, so (I + A)^-1 = I - A exactly and finitely,
    however large A is: a substitution kernel that forms no product of two
    entries of A must return it bit-exactly.  Magnitudes are a uniform mantissa
    in [1, 10) times an exact power of ten (no ``pow``), signs random.
    ``split`` defaults to BT / 2 (a default the schema cannot state).
    """
    bt = sizes["BT"]
    split, lo, hi = int(params.get("split", bt // 2)), params["min_exp"], params["max_exp"]
    if not 0 < split < bt or lo > hi:
        raise ValueError(
            f"generator 'nilpotent_block' needs 0 < split < BT={bt} and min_exp <= max_exp; "
            f"got split={split}, min_exp={lo}, max_exp={hi}"
        )
    powers = np.array([float(10**e) for e in range(lo, hi + 1)], dtype=np.float64)
    a = _empty(sizes)
    for b, rows, head in _blocks(sizes):
        shape = (bt - split, split)
        mantissa = rng.uniform(1.0, 10.0, size=shape)
        exponent = rng.integers(0, hi - lo + 1, size=shape)
        sign = np.where(rng.integers(0, 2, size=shape) == 1, 1.0, -1.0)
        block = np.zeros((bt, bt), dtype=np.float32)
        block[split:, :split] = (sign * mantissa * powers[exponent]).astype(np.float32)
        a[b, rows, head, :] = block
    return {"a_strict": a}
