"""chunk_local_cumsum through the CPU executor against its float32 reference and float64 oracle."""

from __future__ import annotations

import numpy as np
import pytest

from .kernel_folder import assert_matches_reference_and_oracle, error, load

FOLDER = load("chunk_local_cumsum")
CASES = [  # (B, T, H), decay: partial last chunk (100 = 64 + 36, 40 < 32 + 32 lanes), full
    ({"B": 2, "T": 100, "H": 3, "BT": 64}, "weak"),
    ({"B": 1, "T": 128, "H": 4, "BT": 64}, "strong"),
    ({"B": 3, "T": 20, "H": 2, "BT": 64}, "strong"),
]


@pytest.mark.parametrize(("sizes", "decay"), CASES, ids=lambda x: str(x))
def test_kernel_matches_reference_and_oracle(sizes, decay):
    inputs = FOLDER.generate("log_decay", 7, sizes, decay=decay)
    ref = FOLDER.reference(inputs, sizes)["g_c"]
    out = FOLDER.run(inputs, sizes)["g_c"]
    oracle = FOLDER.oracle(inputs, sizes)["g_c"]
    assert_matches_reference_and_oracle(out, ref, oracle, np.float32, max_ulp=4, rel_rms=1e-6,
                                        oracle_rel_rms=1e-6)


def test_kernel_is_race_free():
    sizes = {"B": 1, "T": 100, "H": 2, "BT": 64}
    inputs = FOLDER.generate("log_decay", 3, sizes)
    out = FOLDER.run(inputs, sizes, race_check=True)["g_c"]
    np.testing.assert_array_equal(out, FOLDER.reference(inputs, sizes)["g_c"])


def test_all_zero_output_fails_the_tolerance():
    sizes = {"B": 1, "T": 64, "H": 1, "BT": 64}
    inputs = FOLDER.generate("log_decay", 1, sizes)
    ref = FOLDER.reference(inputs, sizes)["g_c"]
    assert error(np.zeros_like(ref), ref, np.float32).rel_rms > 1e-6


def test_generator_is_byte_deterministic():
    sizes = {"B": 2, "T": 100, "H": 3, "BT": 64}
    first = FOLDER.generate("log_decay", 11, sizes)["g"]
    assert first.tobytes() == FOLDER.generate("log_decay", 11, sizes)["g"].tobytes()
    assert np.all(first <= 0)
