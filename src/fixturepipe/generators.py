"""Input generators: ``(rng, sizes, params) -> {input_name: ndarray}``, named in kernel specs.

Determinism across machines matters (inputs are checksummed), so generators use
only the seeded ``numpy.random.Generator`` and correctly rounded arithmetic
(IEEE + - * /, ``math.fsum``, ``sqrt``); no BLAS and no vectorised
transcendental functions, whose last bits depend on the CPU's SIMD path.

Blocks of the FLA layout ``[B, T, H, BT]`` are drawn in the order
``for b: for chunk: for head``; for ``H = 1, T = BT`` that is the seed script's
order, which keeps the ``seed`` fixture byte-identical to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

Generator = Callable[[np.random.Generator, Mapping[str, int], Mapping[str, Any]], dict]


class GeneratorParamError(ValueError):
    """A generator was given a parameter it does not know or cannot use."""


def _blocks(sizes: Mapping[str, int]) -> Iterator[tuple[int, slice, int]]:
    """(batch, row slice of the chunk, head) for every [BT, BT] block, in draw order."""
    bt = sizes["BT"]
    for b in range(sizes["B"]):
        for chunk in range(sizes["T"] // bt):
            for head in range(sizes["H"]):
                yield b, slice(chunk * bt, (chunk + 1) * bt), head


def _params(name: str, params: Mapping[str, Any], allowed: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(params) - set(allowed)
    if unknown:
        raise GeneratorParamError(
            f"generator {name!r} does not take {', '.join(sorted(unknown))}; "
            f"it takes {', '.join(sorted(allowed)) or 'no parameters'}"
        )
    return {**allowed, **params}


def random_strict_lower(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Standard normal * ``magnitude`` in the strict lower triangle of every block (the seed's).

    ``dirty_upper: true`` then fills the diagonal and upper triangle with garbage
    (large values, NaN, +-inf) drawn *after* all lower draws, so the strict lower
    part is the same as without it and a correct kernel gives the same result.
    """
    p = _params("random_strict_lower", params, {"magnitude": 0.1, "dirty_upper": False})
    bt = sizes["BT"]
    a = np.zeros((sizes["B"], sizes["T"], sizes["H"], bt), dtype=np.float32)
    for b, rows, head in _blocks(sizes):
        m = rng.standard_normal((bt, bt)).astype(np.float32) * p["magnitude"]
        a[b, rows, head, :] = np.tril(m, k=-1)
    if p["dirty_upper"]:
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
    p = _params("fla_kkt", params, {"K": 64})
    bt, dim = sizes["BT"], int(p["K"])
    if dim <= 0:
        raise GeneratorParamError(f"generator 'fla_kkt' needs K > 0, got {dim}")
    k = rng.standard_normal((sizes["B"], sizes["T"], sizes["H"], dim)).astype(np.float32)
    beta = (0.05 + 0.9 * rng.random((sizes["B"], sizes["T"], sizes["H"]))).astype(np.float32)
    k64 = k.astype(np.float64)
    norms = np.array(
        [math.sqrt(math.fsum(row * row)) for row in k64.reshape(-1, dim)], dtype=np.float64
    ).reshape(k.shape[:-1])
    kn = (k64 / norms[..., None]).astype(np.float32).astype(np.float64)
    a = np.zeros((sizes["B"], sizes["T"], sizes["H"], bt), dtype=np.float32)
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
    _params("zeros", params, {})
    return {"a_strict": np.zeros((sizes["B"], sizes["T"], sizes["H"], sizes["BT"]), np.float32)}


def nilpotent_block(
    rng: np.random.Generator, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Nonzero only where row >= ``split`` and col < ``split``, magnitudes 10**lo .. 10**hi.

    Such an A satisfies A @ A = 0, so (I + A)^-1 = I - A exactly and finitely,
    however large A is: a substitution kernel that forms no product of two
    entries of A must return it bit-exactly.  Magnitudes are a uniform mantissa
    in [1, 10) times an exact power of ten (no ``pow``), signs random.
    """
    bt = sizes["BT"]
    p = _params("nilpotent_block", params, {"split": bt // 2, "min_exp": 4, "max_exp": 30})
    split, lo, hi = int(p["split"]), int(p["min_exp"]), int(p["max_exp"])
    if not 0 < split < bt or lo > hi or hi > 37:
        raise GeneratorParamError(
            f"generator 'nilpotent_block' needs 0 < split < BT={bt}, min_exp <= max_exp <= 37; "
            f"got split={split}, min_exp={lo}, max_exp={hi}"
        )
    powers = np.array([float(10**e) for e in range(lo, hi + 1)], dtype=np.float64)
    a = np.zeros((sizes["B"], sizes["T"], sizes["H"], bt), dtype=np.float32)
    for b, rows, head in _blocks(sizes):
        shape = (bt - split, split)
        mantissa = rng.uniform(1.0, 10.0, size=shape)
        exponent = rng.integers(0, hi - lo + 1, size=shape)
        sign = np.where(rng.integers(0, 2, size=shape) == 1, 1.0, -1.0)
        block = np.zeros((bt, bt), dtype=np.float32)
        block[split:, :split] = (sign * mantissa * powers[exponent]).astype(np.float32)
        a[b, rows, head, :] = block
    return {"a_strict": a}


GENERATORS: dict[str, Generator] = {
    "random_strict_lower": random_strict_lower,
    "fla_kkt": fla_kkt,
    "zeros": zeros,
    "nilpotent_block": nilpotent_block,
}


def generate(
    name: str, seed: int, sizes: Mapping[str, int], params: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Run generator ``name`` with a fresh ``default_rng(seed)`` (the seed script's RNG)."""
    return GENERATORS[name](np.random.default_rng(seed), sizes, params)
