"""chunk_gated_delta_rule_fwd_h on the CPU executor against its float32 reference and oracle."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from .kernel_folder import assert_close, error, load

FOLDER = load("chunk_gated_delta_rule_fwd_h")
BF16 = ml_dtypes.bfloat16
DTYPES = {"h": BF16, "v_new": BF16, "final_state": np.float32}


def sizes(b, t, h, hg, k, v):
    return {"B": b, "T": t, "H": h, "Hg": hg, "K": k, "V": v, "BT": 64}


CASES = [  # GQA ratios 1, 2, 4; K = V = 128, 64, masked 100 / 40; partial chunks; decays
    (sizes(1, 128, 2, 2, 128, 128), "weak", "random"),
    (sizes(2, 100, 4, 2, 64, 64), "strong", "random"),
    (sizes(1, 150, 4, 1, 100, 40), "none", "random"),
    (sizes(1, 64, 2, 1, 64, 64), "weak", "zeros"),
]


@pytest.mark.parametrize(("sizes", "decay", "initial_state"), CASES, ids=str)
def test_kernel_matches_reference_and_oracle(sizes, decay, initial_state):
    inputs = FOLDER.generate("fla_state", 4, sizes, decay=decay, initial_state=initial_state)
    ref = FOLDER.reference(inputs, sizes)
    out = FOLDER.run(inputs, sizes)
    oracle = FOLDER.oracle(inputs, sizes)
    for name, dtype in DTYPES.items():
        ulp = 1 if dtype == BF16 else 4
        assert_close(out[name], ref[name], dtype, ulp, 1e-6, f"{name}: kernel vs reference")
        # FLA's bf16 casts of S and v'' put the reference ~2e-3 (relative RMS) from exact maths
        for what, got in (("reference", ref[name]), ("kernel", out[name])):
            err = error(got, oracle[name], dtype)
            assert err.rel_rms < 5e-3, f"{name}: {what} vs oracle: {err}"


def test_kernel_is_race_free():
    s = sizes(1, 100, 2, 1, 64, 32)
    inputs = FOLDER.generate("fla_state", 3, s)
    out = FOLDER.run(inputs, s, race_check=True)
    ref = FOLDER.reference(inputs, s)
    for name, dtype in DTYPES.items():
        assert_close(out[name], ref[name], dtype, 1, 1e-6, f"race-checked {name}")


def test_initial_state_matters():
    """A kernel that ignored h0 would fail the tolerance: the hand-made fixtures' h0 = 0 could
    not tell."""
    s = sizes(1, 128, 2, 1, 64, 64)
    inputs = FOLDER.generate("fla_state", 5, s)
    ref = FOLDER.reference(inputs, s)
    ignored = FOLDER.reference({**inputs, "h0": np.zeros_like(inputs["h0"])}, s)
    for name, dtype in DTYPES.items():
        assert error(ignored[name], ref[name], dtype).rel_rms > 1e-3, name
        assert error(np.zeros_like(ref[name]), ref[name], dtype).rel_rms > 1e-3, name
