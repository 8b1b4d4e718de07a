"""chunk_gated_delta_rule_fwd_h on the CPU executor against its float32 reference and oracle."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from fixturepipe import backends, kernel_stage

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


def test_fixed_decay_catches_a_decay_held_in_half():
    """fwd_h_fixed_decay's case (config/config.yaml): every chunk decays by 0.5002319, just
    under half's rounding midpoint, so a kernel that holds exp(g_last) in half (mutant
    precision_loss_cb1b825d) is off by 4.6e-4 in every chunk and fails rel_rms 1e-3 on all
    three outputs, while the real kernel matches its reference bit for bit."""
    s = sizes(1, 384, 2, 1, 64, 32)
    inputs = FOLDER.generate("fla_state", 0x5EED4006, s, decay="fixed",
                             chunk_decay=0.50023193359375)
    chunk_decay = np.exp(inputs["g"][:, 63::64].astype(np.float64))
    assert np.all(np.abs(chunk_decay / 0.50023193359375 - 1) < 1e-6)
    assert abs(float(np.float16(chunk_decay[0, 0, 0])) / chunk_decay[0, 0, 0] - 1) > 4e-4
    ref = FOLDER.reference(inputs, s)
    out = FOLDER.run(inputs, s)
    source = FOLDER.spec.source_path.read_text(encoding="utf-8")
    in_half = source.replace("const float decay = exp(g_last);", "const half decay = exp(g_last);")
    assert in_half != source
    mutant = kernel_stage.run(FOLDER.spec, FOLDER.fixture(s), backends.resolve("cpu"), inputs,
                              source_text=in_half)
    for name, dtype in DTYPES.items():
        assert error(out[name], ref[name], dtype).rel_rms == 0.0, name
        assert error(mutant[name], ref[name], dtype).rel_rms > 1e-3, name  # the spec tolerance
