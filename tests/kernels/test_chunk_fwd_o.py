"""chunk_fwd_o on the CPU executor against its float32 reference and float64 oracle."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from .kernel_folder import assert_close, assert_matches_reference_and_oracle, error, load

FOLDER = load("chunk_fwd_o")
BF16 = ml_dtypes.bfloat16


def sizes(b, t, h, hg, k, v):
    return {"B": b, "T": t, "H": h, "Hg": hg, "K": k, "V": v, "BT": 64}


CASES = [  # GQA ratios 1, 2, 4; K = V = 128, 64, masked 100 / 48; partial chunks; decays
    (sizes(1, 128, 2, 2, 128, 128), "weak", {}),
    (sizes(2, 100, 4, 2, 64, 64), "strong", {"scale": 0.1}),
    (sizes(1, 70, 4, 1, 100, 48), "none", {"scale": 1.0}),
]


@pytest.mark.parametrize(("sizes", "decay", "params"), CASES, ids=str)
def test_kernel_matches_reference_and_oracle(sizes, decay, params):
    inputs = FOLDER.generate("fla_output", 6, sizes, decay=decay, **params)
    ref = FOLDER.reference(inputs, sizes)["o"]
    out = FOLDER.run(inputs, sizes)["o"]
    oracle = FOLDER.oracle(inputs, sizes)["o"]
    assert_matches_reference_and_oracle(out, ref, oracle, BF16, 2, 1e-3, 5e-3)


def test_kernel_is_race_free():
    s = sizes(1, 100, 2, 1, 64, 64)
    inputs = FOLDER.generate("fla_output", 3, s)
    out = FOLDER.run(inputs, s, race_check=True)["o"]
    assert_close(out, FOLDER.reference(inputs, s)["o"], BF16, 2, 1e-3, "race-checked run")


def test_both_terms_matter():
    """Zeroing the state (inter-chunk term) or v (intra-chunk term) fails the tolerance, and
    so does an all-zero output."""
    s = sizes(1, 128, 2, 1, 64, 64)
    inputs = FOLDER.generate("fla_output", 5, s)
    ref = FOLDER.reference(inputs, s)["o"]
    for name in ("h", "v"):
        cut = FOLDER.reference({**inputs, name: np.zeros_like(inputs[name])}, s)["o"]
        assert error(cut, ref, BF16).rel_rms > 1e-2, name
    assert error(np.zeros_like(ref), ref, BF16).rel_rms > 1e-3
