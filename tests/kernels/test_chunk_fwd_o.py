"""chunk_fwd_o on the CPU executor against its float32 reference and float64 oracle."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from fixturepipe import backends, kernel_stage

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


def test_constant_gate_catches_a_gate_held_in_half():
    """fwd_o_const_gate's case (config/config.yaml): exp(g) = 0.5002319 on every row, just
    under half's rounding midpoint, and a state term that dominates the output, so a kernel
    that holds the gate in half (mutant precision_loss_434798b1) is off by 4.6e-4 on every
    row's state term and fails rel_rms 1e-3, while the real kernel matches its reference bit
    for bit."""
    s = sizes(1, 128, 2, 1, 64, 32)
    inputs = FOLDER.generate("fla_output", 0x5EED5007, s, decay="constant",
                             gate=0.50023193359375, state_scale=4.0, scale=1.0)
    gate = np.exp(inputs["g"].astype(np.float64))
    assert np.all(np.abs(gate / 0.50023193359375 - 1) < 1e-6)
    assert abs(float(np.float16(gate[0, 0, 0])) / gate[0, 0, 0] - 1) > 4e-4
    ref = FOLDER.reference(inputs, s)["o"]
    source = FOLDER.spec.source_path.read_text(encoding="utf-8")
    in_half = source.replace("const float gate = exp(g_s[i]);", "const half gate = exp(g_s[i]);")
    assert in_half != source
    mutant = kernel_stage.run(FOLDER.spec, FOLDER.fixture(s), backends.resolve("cpu"), inputs,
                              source_text=in_half)["o"]
    assert error(FOLDER.run(inputs, s)["o"], ref, BF16).rel_rms == 0.0
    assert error(mutant, ref, BF16).rel_rms > 1e-3  # the spec tolerance
