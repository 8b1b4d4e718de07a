"""The float64 oracle is float64-accurate: checked against exact rational arithmetic.

The comparison reports every kernel against the oracle to tell the kernel's
error from the float32 reference's own; an oracle quietly computed in float32
would be no better than the reference it is meant to judge.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from pipeline_project import reference

SIZES = {"B": 1, "T": 32, "H": 2, "BT": 16}


def exact_unit_lower_inverse(a_strict: np.ndarray, bt: int) -> np.ndarray:
    """(I + tril(A, -1))^-1 of every [BT, BT] block of the FLA layout, in exact rationals."""
    b_, t_, h_, _ = a_strict.shape
    out = np.zeros(a_strict.shape, dtype=np.float64)
    for b in range(b_):
        for chunk in range(t_ // bt):
            for h in range(h_):
                rows = slice(chunk * bt, (chunk + 1) * bt)
                block = a_strict[b, rows, h, :]
                lower = [[Fraction(float(block[i, k])) for k in range(bt)] for i in range(bt)]
                x: list[list[Fraction]] = []
                for i in range(bt):
                    row = [Fraction(int(i == j)) for j in range(bt)]
                    for k in range(i):
                        for j in range(bt):
                            row[j] -= lower[i][k] * x[k][j]
                    x.append(row)
                out[b, rows, h, :] = [[float(v) for v in row] for row in x]
    return out


@pytest.fixture(scope="module")
def a_strict() -> np.ndarray:
    rng = np.random.default_rng(20261130)
    a = (rng.standard_normal((1, 32, 2, 16)) * 0.5).astype(np.float32)
    a += np.float32(3.0) * np.triu(np.ones((16, 16), np.float32))[None, :, None, :].repeat(2, 1)
    return a  # the diagonal and upper triangle are garbage the references must ignore


def test_oracle_is_float64_accurate(a_strict: np.ndarray) -> None:
    exact = exact_unit_lower_inverse(a_strict, SIZES["BT"])
    oracle = reference("unit_lower_inverse", {"a_strict": a_strict}, SIZES, oracle=True)["a_inv"]
    assert oracle.dtype == np.float64 and oracle.shape == a_strict.shape
    error = float(np.abs(oracle - exact).max() / np.abs(exact).max())
    # float64 substitution on 16 x 16 blocks: ~1e-16; anything computed in float32: ~1e-7.
    assert error < 1e-13, f"the oracle is off the exact inverse by {error:.3g} (relative)"


def test_float32_reference_is_the_exact_inverse_rounded_within_a_few_ulp(
    a_strict: np.ndarray,
) -> None:
    exact = exact_unit_lower_inverse(a_strict, SIZES["BT"])
    ref = reference("unit_lower_inverse", {"a_strict": a_strict}, SIZES)
    assert ref["a_inv"].dtype == np.float32
    ulp = np.abs(ref["a_inv"] - exact).max() / np.spacing(np.float32(np.abs(exact).max()))
    assert 0 < ulp <= 8, f"float32 reference {ulp:.2f} ULP from the exact inverse"


def test_float32_references_are_float32_and_the_seed_s_lapack_inverse(a_strict: np.ndarray) -> None:
    """The float32 reference keeps the seed script's calls: inv(eye(float32) + block), which
    numpy inverts in float64 LAPACK and rounds to float32, so the `seed` fixture's reference
    stays byte-identical to the script's."""
    got = reference("unit_lower_inverse", {"a_strict": a_strict}, SIZES)
    for chunk in range(2):
        for h in range(2):
            rows = slice(chunk * 16, (chunk + 1) * 16)
            block = np.tril(a_strict[0, rows, h, :], k=-1)
            want = np.linalg.inv(np.eye(16, dtype=np.float32) + block).astype(np.float32)
            np.testing.assert_array_equal(got["a_inv"][0, rows, h, :].view(np.uint32),
                                          want.view(np.uint32))
    sub = reference("unit_lower_substitution", {"a_strict": a_strict}, SIZES)
    assert sub["a_inv"].dtype == np.float32
    oracle = reference("unit_lower_substitution", {"a_strict": a_strict}, SIZES, oracle=True)
    np.testing.assert_array_equal(sub["a_inv"], oracle["a_inv"].astype(np.float32))


def test_the_float32_reference_is_float32_whatever_dtype_its_input_arrives_in(
    a_strict: np.ndarray,
) -> None:
    """The reference's dtype is its own, not the input's: a float64 copy of the same values
    gives the same float32 bytes (numpy inverts in float64 either way)."""
    want = reference("unit_lower_inverse", {"a_strict": a_strict}, SIZES)["a_inv"]
    got = reference("unit_lower_inverse", {"a_strict": a_strict.astype(np.float64)}, SIZES)
    assert got["a_inv"].dtype == np.float32
    np.testing.assert_array_equal(got["a_inv"].view(np.uint32), want.view(np.uint32))


def test_the_oracle_of_a_partial_last_chunk_is_the_exact_inverse_of_its_zero_padded_block(
    a_strict: np.ndarray,
) -> None:
    """T = 24 with BT = 16: the last chunk holds 8 real rows.  The oracle pads it with zero
    rows (identity rows of I + A), inverts, and cuts the padding off again: the result has
    the input's shape and is the exact inverse of the padded block on the real rows."""
    sizes = {**SIZES, "T": 24}
    partial = a_strict[:, :24]
    padded = np.concatenate([partial, np.zeros_like(a_strict[:, 24:])], axis=1)
    exact = exact_unit_lower_inverse(padded, SIZES["BT"])[:, :24]
    oracle = reference("unit_lower_inverse", {"a_strict": partial}, sizes, oracle=True)["a_inv"]
    assert oracle.shape == partial.shape, f"oracle of T = 24 has shape {oracle.shape}"
    error = float(np.abs(oracle - exact).max() / np.abs(exact).max())
    assert error < 1e-13, f"the oracle is off the exact inverse by {error:.3g} (relative)"
