"""chunk_gated_delta_rule_fwd (the composite): its generator, its float64 token-recurrence
oracle, the six stage kernels chained on the CPU executor against that oracle, and the
tolerances of every end-to-end fixture in config/config.yaml (they must fail an all-zero
output and the same chain with the initial state ignored).

Each stage runs on the previous stage's *kernel* output (cumsum -> kkt -> solve -> w/u ->
fwd_h -> o), and the final o and state are compared with FLA's naive recurrence in
float64 (decay, residual against the decayed state, update, then the query reads the
updated state). This pins the stages' conventions (pre-gate v_new, inclusive causal mask,
[V, K] state, which g each stage takes) against the maths they implement together; the
remaining difference is the bf16 casts of the chunked algorithm.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
import yaml

from fixturepipe import compare, kernel_python, plan
from fixturepipe.composite_reference import chain_reference

from .kernel_folder import KERNELS, error, load

NAME = "chunk_gated_delta_rule_fwd"
FOLDER = load(NAME)  # no .metal: a composite's code is its stages'
REPO = KERNELS.parent
CONFIG = "config/config.yaml"


def sizes(b, t, h, hg, k, v):
    return {"B": b, "T": t, "H": h, "Hg": hg, "K": k, "V": v, "BT": 64}


def generate(seed, s, **params):
    return FOLDER.generate("gdn_fwd", seed, s, **params)


def oracle(inputs, s):
    return FOLDER.oracle(inputs, s)


def naive_recurrence(inputs, s):
    """FLA's naive_recurrent_gated_delta_rule written independently: FLA's [K, V] state
    (h0 transposed in, the final state transposed out), the closed form
    S_t = exp(g_t) (I - beta_t k_t k_t^T) S_{t-1} + beta_t k_t v_t^T, one head at a time."""
    group = s["H"] // s["Hg"]
    o = np.zeros(inputs["v"].shape)
    final = np.zeros(inputs["h0"].shape)
    eye = np.eye(s["K"])
    for b in range(s["B"]):
        for h in range(s["H"]):
            state = inputs["h0"][b, h].astype(np.float64).T  # [K, V]
            for t in range(s["T"]):
                q, k = (x[b, t, h // group].astype(np.float64) for x in (inputs["q"],
                                                                          inputs["k"]))
                q, k = q / math.sqrt(q @ q + 1e-6), k / math.sqrt(k @ k + 1e-6)
                beta = float(inputs["beta"][b, t, h])
                v = inputs["v"][b, t, h].astype(np.float64)
                decay = math.exp(float(inputs["g"][b, t, h]))
                state = decay * (eye - beta * np.outer(k, k)) @ state + beta * np.outer(k, v)
                o[b, t, h] = float(inputs["scale"][0]) * q @ state
            final[b, h] = state.T
    return o, final


def chain(inputs, s):
    """The six stage kernels on the CPU executor, each on the previous stage's output."""
    g_c = load("chunk_local_cumsum").run({"g": inputs["g"]}, s)["g_c"]
    a = load("chunk_scaled_dot_kkt").run(
        {"k": inputs["k"], "beta": inputs["beta"], "g": g_c}, s)["A"]
    a_inv = load("chunk_tri_solve_invert").run({"a_strict": a}, s)["a_inv"]
    wu = load("recompute_w_u").run({"k": inputs["k"], "v": inputs["v"], "beta": inputs["beta"],
                                    "a_inv": a_inv, "g": g_c}, s)
    state = load("chunk_gated_delta_rule_fwd_h").run(
        {"k": inputs["k"], "w": wu["w"], "u": wu["u"], "g": g_c, "h0": inputs["h0"]}, s)
    o = load("chunk_fwd_o").run({"q": inputs["q"], "k": inputs["k"], "v": state["v_new"],
                                 "h": state["h"], "g": g_c, "scale": inputs["scale"]}, s)["o"]
    return o, state["final_state"]


def test_generator_dtypes_shapes_and_bytes_are_deterministic():
    s = sizes(2, 70, 4, 2, 32, 48)
    a, b = generate(7, s), generate(7, s)
    bf16 = np.dtype(ml_dtypes.bfloat16)
    want = {"q": ((2, 70, 2, 32), bf16), "k": ((2, 70, 2, 32), bf16),
            "v": ((2, 70, 4, 48), bf16), "g": ((2, 70, 4), np.float32),
            "beta": ((2, 70, 4), np.float32), "h0": ((2, 4, 48, 32), np.float32),
            "scale": ((1,), np.float32)}
    assert set(a) == set(want)
    for name, (shape, dtype) in want.items():
        assert a[name].shape == shape and a[name].dtype == dtype, name
        assert a[name].tobytes() == b[name].tobytes(), name
    assert generate(8, s)["q"].tobytes() != a["q"].tobytes()
    assert float(a["scale"][0]) == np.float32(1 / math.sqrt(32))


def test_generator_normalises_qk_and_draws_a_nonzero_state():
    s = sizes(1, 64, 2, 1, 64, 64)
    inputs = generate(1, s)
    for name in ("q", "k"):
        norms = np.linalg.norm(inputs[name].astype(np.float64), axis=-1)
        np.testing.assert_allclose(norms, 1.0, atol=1e-2, err_msg=name)  # bf16 rounding
    assert np.std(inputs["h0"]) == pytest.approx(0.5, rel=0.1)
    assert not generate(1, s, initial_state="zeros")["h0"].any()
    assert not generate(1, s, decay="none")["g"].any()
    strong, weak = generate(1, s, decay="strong")["g"], inputs["g"]
    assert strong.max() < 0 and strong.mean() < 5 * weak.mean() < 0


@pytest.mark.parametrize("s", [sizes(1, 40, 2, 2, 16, 8), sizes(2, 33, 4, 1, 8, 12)], ids=str)
def test_oracle_is_flas_naive_recurrence(s):
    """The oracle (state [V, K], decay then residual then update then read) equals the
    closed form in FLA's [K, V] layout, with GQA and a non-zero initial state."""
    inputs = generate(3, s, decay="strong")
    got = oracle(inputs, s)
    o, final = naive_recurrence(inputs, s)
    assert got["o"].dtype == got["final_state"].dtype == np.float64
    np.testing.assert_allclose(got["o"], o, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got["final_state"], final, rtol=1e-12, atol=1e-13)


def test_oracle_with_no_tokens_of_update_keeps_the_state():
    """beta = 0 and no decay: the state stays h0 and o_t = h0 (scale q_t)."""
    s = sizes(1, 5, 2, 1, 8, 4)
    inputs = generate(4, s, decay="none") | {"beta": np.zeros((1, 5, 2), np.float32)}
    got = oracle(inputs, s)
    np.testing.assert_array_equal(got["final_state"], inputs["h0"].astype(np.float64))
    q = inputs["q"].astype(np.float64)
    q = q / np.sqrt(np.sum(q * q, axis=-1, keepdims=True) + 1e-6)
    want = np.einsum("bhvk,btk->bthv", inputs["h0"].astype(np.float64), q[:, :, 0])
    np.testing.assert_allclose(got["o"], want * float(inputs["scale"][0]), rtol=1e-12)


@pytest.mark.parametrize(("s", "decay"), [(sizes(1, 128, 2, 1, 64, 64), "strong"),
                                          (sizes(1, 128, 4, 2, 32, 48), "weak")], ids=str)
def test_chain_of_kernels_matches_the_token_recurrence(s, decay):
    inputs = generate(0x5EED6001, s, decay=decay)
    o, final = chain(inputs, s)
    want = oracle(inputs, s)
    o_err = error(o, want["o"], np.float32)
    final_err = error(final, want["final_state"], np.float32)
    # Measured 3.3e-3 and 4.1e-3 (o), 2.8e-3 and 3.6e-3 (final); FLA's end-to-end ratio is 5e-3.
    assert o_err.rel_rms < 5e-3, f"o: {o_err}"
    assert final_err.rel_rms < 5e-3, f"final state: {final_err}"
    # The same recurrence with the initial state ignored is far off: h0 is really used.
    ignored = oracle(inputs | {"h0": np.zeros_like(inputs["h0"])}, s)
    assert error(ignored["o"], want["o"], np.float32).rel_rms > 10 * o_err.rel_rms


def end_to_end_fixtures():
    """The composite's spec and its fixtures in the committed config, as the pipeline sees
    them (tolerances merged over the spec's)."""
    config = yaml.safe_load((REPO / CONFIG).read_text(encoding="utf-8"))
    built = plan.build(config, REPO, [CONFIG])
    return built.specs[NAME], [f for f in built.fixtures if f.kernel == NAME]


SPEC, END_TO_END = end_to_end_fixtures()


def test_the_config_has_the_end_to_end_fixtures_the_issue_asks_for():
    """Random non-zero h0 everywhere, decay none to strong, GQA, a long sequence."""
    assert {f.generator_params.get("decay", "weak") for f in END_TO_END} >= {"none", "weak",
                                                                              "strong"}
    assert all(f.generator_params.get("initial_state", "random") == "random"
               for f in END_TO_END)
    assert {f.sizes["H"] // f.sizes["Hg"] for f in END_TO_END} >= {1, 2, 4}
    assert max(f.sizes["T"] for f in END_TO_END) >= 256
    assert all(f.oracle_tolerance.get("rel_rms") for f in END_TO_END)


@pytest.mark.parametrize("fixture", END_TO_END, ids=[f.name for f in END_TO_END])
def test_tolerances_reject_zeros_and_the_chain_without_its_initial_state(fixture):
    """The fixture's own tolerances (vs the chained float32 reference and the oracle) pass
    the reference, and fail an all-zero output (the pipeline's vacuous-tolerance check) and
    the same chain run with h0 = 0 (a chain that ignored its initial state)."""
    inputs = kernel_python.generate(SPEC, fixture)
    refs = chain_reference(SPEC, fixture, inputs)
    oracle = kernel_python.oracle(SPEC, fixture, inputs)
    tolerances = (fixture.tolerance, fixture.oracle_tolerance)
    assert compare.compare(refs, refs, oracle, *tolerances)["passed"]
    assert compare.vacuous(refs, oracle, *tolerances) == []
    ignored = chain_reference(SPEC, fixture, inputs | {"h0": np.zeros_like(inputs["h0"])})
    verdict = compare.compare(ignored, refs, oracle, *tolerances)
    assert not verdict["passed"]
    assert "o.rel_rms" in verdict["outputs"]["o"]["failing_metrics"], verdict["failures"]
