"""simdgroup_gemm (the simdgroup-matrix proof kernel) on the CPU executor: bit for bit
against the float32 reference of the stated MMA numerics, and close to the float64 oracle."""

from __future__ import annotations

import numpy as np
import pytest

from .kernel_folder import assert_close, load

FOLDER = load("simdgroup_gemm")

CASES = [  # square and rectangular, one and several blocks, short and long K
    ({"M": 16, "N": 16, "K": 8}, "normal"),
    ({"M": 32, "N": 48, "K": 64}, "normal"),
    ({"M": 48, "N": 32, "K": 24}, "distinct_rows"),
]


@pytest.mark.parametrize(("sizes", "generator"), CASES, ids=str)
def test_kernel_matches_reference_bitwise_and_oracle(sizes, generator):
    inputs = FOLDER.generate(generator, 14, sizes)
    out = FOLDER.run(inputs, sizes)["C"]
    ref = FOLDER.reference(inputs, sizes)["C"]
    np.testing.assert_array_equal(out, ref)
    oracle = FOLDER.oracle(inputs, sizes)["C"]
    bound = sizes["K"] * 2.0**-24 * (np.abs(inputs["A"]).astype(np.float64)
                                      @ np.abs(inputs["B"]).astype(np.float64).T)
    assert (np.abs(out - oracle) <= bound).all()
    assert_close(out, oracle, np.float32, max_ulp=4, rel_rms=1e-6, what="kernel vs oracle")


def test_kernel_is_race_free():
    sizes = {"M": 16, "N": 32, "K": 16}
    inputs = FOLDER.generate("normal", 3, sizes)
    out = FOLDER.run(inputs, sizes, race_check=True)["C"]
    np.testing.assert_array_equal(out, FOLDER.reference(inputs, sizes)["C"])
