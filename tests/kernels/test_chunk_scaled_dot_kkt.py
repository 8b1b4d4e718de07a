"""chunk_scaled_dot_kkt on the CPU executor against its float32 reference and float64 oracle."""

from __future__ import annotations

import numpy as np
import pytest

from .kernel_folder import assert_close, assert_matches_reference_and_oracle, error, load

FOLDER = load("chunk_scaled_dot_kkt")


def sizes(b, t, h, hg, k):
    return {"B": b, "T": t, "H": h, "Hg": hg, "K": k, "BT": 64}


CASES = [  # GQA ratios 1, 2, 4; K = 128 and 64 and a masked 100; partial last chunks; decays
    (sizes(2, 128, 2, 2, 128), "weak", True),
    (sizes(1, 100, 4, 2, 64), "strong", True),
    (sizes(2, 70, 4, 1, 128), "none", False),
    (sizes(1, 64, 2, 1, 100), "weak", False),
]


@pytest.mark.parametrize(("sizes", "decay", "normalise"), CASES, ids=str)
def test_kernel_matches_reference_and_oracle(sizes, decay, normalise):
    inputs = FOLDER.generate("fla_keys", 5, sizes, decay=decay, normalise=normalise)
    ref = FOLDER.reference(inputs, sizes)["A"]
    out = FOLDER.run(inputs, sizes)["A"]
    oracle = FOLDER.oracle(inputs, sizes)["A"]
    assert_matches_reference_and_oracle(out, ref, oracle, np.float32, max_ulp=4, rel_rms=1e-6,
                                        oracle_rel_rms=1e-6)


def test_strict_lower_and_zero_past_the_diagonal():
    s = sizes(1, 100, 2, 1, 64)
    out = FOLDER.run(FOLDER.generate("fla_keys", 2, s), s)["A"]
    for t in range(100):
        i = t % 64
        assert np.all(out[0, t, :, i:] == 0), t
        assert np.all(out[0, t, :, :i] != 0), t


def test_kernel_is_race_free():
    s = sizes(1, 100, 2, 1, 64)
    inputs = FOLDER.generate("fla_keys", 3, s)
    out = FOLDER.run(inputs, s, race_check=True)["A"]
    assert_close(out, FOLDER.reference(inputs, s)["A"], np.float32, 4, 1e-6, "race-checked run")


def test_all_zero_output_fails_the_tolerance():
    s = sizes(1, 64, 1, 1, 64)
    ref = FOLDER.reference(FOLDER.generate("fla_keys", 1, s), s)["A"]
    assert error(np.zeros_like(ref), ref, np.float32).rel_rms > 1e-6
