"""recompute_w_u on the CPU executor against its float32 reference and float64 oracle."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from .kernel_folder import assert_close, assert_matches_reference_and_oracle, error, load

FOLDER = load("recompute_w_u")
BF16 = ml_dtypes.bfloat16


def sizes(b, t, h, hg, k, v):
    return {"B": b, "T": t, "H": h, "Hg": hg, "K": k, "V": v, "BT": 64}


CASES = [  # GQA ratios 1, 2, 4; K = V = 128, 64, and masked 100 / 48; partial chunks; decays
    (sizes(1, 128, 2, 2, 128, 128), "weak", False),
    (sizes(2, 100, 4, 2, 64, 64), "strong", True),
    (sizes(1, 70, 4, 1, 100, 48), "none", True),
]


@pytest.mark.parametrize(("sizes", "decay", "dirty_tail"), CASES, ids=str)
def test_kernel_matches_reference_and_oracle(sizes, decay, dirty_tail):
    inputs = FOLDER.generate("fla_wu", 9, sizes, decay=decay, dirty_tail=dirty_tail)
    ref = FOLDER.reference(inputs, sizes)
    out = FOLDER.run(inputs, sizes)
    oracle = FOLDER.oracle(inputs, sizes)
    for name in ("w", "u"):
        assert_matches_reference_and_oracle(out[name], ref[name], oracle[name], BF16, 1, 1e-3,
                                            4e-3, name)


def test_kernel_is_race_free():
    s = sizes(1, 100, 2, 1, 64, 64)
    inputs = FOLDER.generate("fla_wu", 3, s, dirty_tail=True)
    out = FOLDER.run(inputs, s, race_check=True)
    ref = FOLDER.reference(inputs, s)
    for name in ("w", "u"):
        assert_close(out[name], ref[name], BF16, 1, 1e-3, f"race-checked {name}")


def test_all_zero_output_fails_the_tolerance():
    s = sizes(1, 64, 1, 1, 64, 64)
    ref = FOLDER.reference(FOLDER.generate("fla_wu", 1, s), s)
    for name in ("w", "u"):
        assert error(np.zeros_like(ref[name]), ref[name], BF16).rel_rms > 1e-3
