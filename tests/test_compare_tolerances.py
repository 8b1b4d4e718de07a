"""Where a verdict is decided: tolerances vs the float32 reference and vs the float64 oracle.

Each test pins one decision of ``compare.compare`` that a wrong PASS would slip
through: the oracle tolerance is enforced on its own, a metric equal to its
tolerance passes and the next representable value fails.
"""

from __future__ import annotations

import numpy as np

from fixturepipe import compare

EPS = float(np.finfo(np.float32).eps)


def test_oracle_tolerance_fails_an_output_that_matches_only_the_float32_reference() -> None:
    # The float32 reference is itself 8 ULP off the exact result; the kernel copies it.
    oracle = {"y": np.ones(8, dtype=np.float64)}
    ref = {"y": np.full(8, 1.0 + 8 * EPS, dtype=np.float32)}
    out = {"y": ref["y"].copy()}

    lenient = compare.compare(out, ref, oracle, {"max_ulp": 4})
    strict = compare.compare(out, ref, oracle, {"max_ulp": 4}, {"max_ulp": 4})

    assert lenient["passed"], "no oracle tolerance: only the reference decides"
    assert not strict["passed"], "oracle_tolerance max_ulp 4 must fail an 8 ULP oracle error"
    assert strict["failing_metric"] == "y.max_ulp"
    assert strict["failures"] == [
        "y.max_ulp = 8 exceeds tolerance 4 (vs float64 oracle)"
    ]
    assert strict["outputs"]["y"]["vs_oracle"]["max_ulp"] == 8.0
    assert strict["outputs"]["y"]["reference_vs_oracle"]["max_ulp"] == 8.0


def test_oracle_tolerance_passes_an_output_close_to_the_oracle() -> None:
    oracle = {"y": np.ones(8, dtype=np.float64)}
    ref = {"y": np.full(8, 1.0 + 2 * EPS, dtype=np.float32)}
    out = {"y": np.ones(8, dtype=np.float32)}
    result = compare.compare(out, ref, oracle, {"max_ulp": 4}, {"max_ulp": 1})
    assert result["passed"], result["failures"]


def test_a_metric_equal_to_its_tolerance_passes_and_one_step_more_fails() -> None:
    ref = {"y": np.ones(8, dtype=np.float32)}
    at = {"y": np.full(8, 1.0 + 4 * EPS, dtype=np.float32)}  # exactly 4 ULP at scale 1
    above = {"y": np.full(8, 1.0 + 5 * EPS, dtype=np.float32)}

    assert compare.metrics(at["y"], ref["y"])["max_ulp"] == 4.0
    assert compare.compare(at, ref, None, {"max_ulp": 4})["passed"]
    assert not compare.compare(above, ref, None, {"max_ulp": 4})["passed"]


def test_zero_tolerances_pass_exact_outputs_and_fail_one_ulp() -> None:
    # The `zeros` and `large_magnitude` fixtures: max_abs 0 and max_ulp_elementwise 0.
    exact = {"y": np.array([1.0, -3.0e30, 0.0], dtype=np.float32)}
    tolerance = {"max_abs": 0.0, "max_ulp_elementwise": 0}
    assert compare.compare({"y": exact["y"].copy()}, exact, None, tolerance)["passed"]

    one_off = exact["y"].copy()
    one_off[2] = np.nextafter(np.float32(0), np.float32(1))
    result = compare.compare({"y": one_off}, exact, None, tolerance)
    assert not result["passed"]
    assert result["failing_metric"] == "y.max_abs"
    assert any("y.max_ulp_elementwise = 1 exceeds tolerance 0" in f for f in result["failures"])
