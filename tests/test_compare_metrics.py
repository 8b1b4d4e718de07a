"""compare.metrics pinned whole on small arrays: every key, the zero-scale and non-finite cases."""

from __future__ import annotations

import math
import warnings

import ml_dtypes
import numpy as np
import pytest

from fixturepipe import compare, poison


def test_every_metric_of_a_small_float32_output() -> None:
    ref = np.array([1.0, -2.0, 0.0, 4.0], np.float32)
    out = np.array([1.0, -2.0 + 2**-22, 2**-30, 4.0 - 2**-21], np.float32)
    assert compare.metrics(out, ref) == {
        "max_abs": 2**-21,                      # at 4.0
        "max_rel": 2**-23,                      # 2**-22 / 2 and 2**-21 / 4
        "rel_l2": math.sqrt(2**-44 + 2**-60 + 2**-42) / math.sqrt(21.0),
        "rel_rms": math.sqrt(2**-44 + 2**-60 + 2**-42) / math.sqrt(21.0),  # same on one set
        "max_ulp": 1.0,                         # 2**-21 over spacing(4.0) = 2**-21
        "max_ulp_elementwise": 813694976,       # 2**-30 is that many floats away from 0
        "scale": 4.0,
        "non_finite": 0, "unwritten": 0, "uninitialised_threadgroup": 0, "nan_written": 0,
        "inf_written": 0, "non_finite_mismatch": 0, "elements": 4,
    }


def test_nothing_comparable_gives_zeros_not_errors() -> None:
    nan = np.array([np.nan], np.float32)
    m = compare.metrics(nan, nan)
    m.pop("rel_rms")  # FLA's rel_rms of nothing: not pinned here
    assert m == {
        "max_abs": 0.0, "max_rel": 0.0, "rel_l2": 0.0, "max_ulp": 0.0,
        "max_ulp_elementwise": 0, "scale": 0.0, "non_finite": 1, "unwritten": 0,
        "uninitialised_threadgroup": 0, "nan_written": 0, "inf_written": 0,
        "non_finite_mismatch": 0, "elements": 1,
    }


def test_any_error_on_an_all_zero_reference_is_infinitely_many_ulp() -> None:
    m = compare.metrics(np.array([1.0, 0.5], np.float32), np.zeros(2, np.float32))
    assert (m["max_abs"], m["max_rel"], m["rel_l2"], m["max_ulp"], m["scale"]) == (
        1.0, 0.0, math.inf, math.inf, 0.0)
    exact = compare.metrics(np.zeros(2, np.float32), np.zeros(2, np.float32))
    assert (exact["max_ulp"], exact["rel_l2"]) == (0.0, 0.0)


def test_non_finite_values_agree_only_in_the_same_class() -> None:
    out = np.array([np.inf, np.inf, np.nan, 1.0, -np.inf, -np.inf], np.float32)
    ref = np.array([np.inf, -np.inf, np.nan, np.nan, 3.0, -np.inf], np.float32)
    m = compare.metrics(out, ref)
    # inf/inf, nan/nan and -inf/-inf agree; inf/-inf, 1/nan and -inf/3 do not.
    assert (m["non_finite"], m["non_finite_mismatch"], m["inf_written"], m["unwritten"]) == (
        5, 3, 1, 0)
    ref2 = np.array([1.0, 2.0], np.float32)
    poisoned = compare.metrics(np.array([poison.OUTPUT_POISON, 2.0], np.float32), ref2)
    assert (poisoned["unwritten"], poisoned["nan_written"], poisoned["non_finite_mismatch"]) == (
        1, 0, 1)
    computed = compare.metrics(np.array([np.nan, 2.0], np.float32), ref2)
    assert (computed["unwritten"], computed["nan_written"]) == (0, 1)


def test_integer_outputs_have_no_ulp_distance() -> None:
    m = compare.metrics(np.array([1, 2, 3], np.int32), np.array([1, 2, 5], np.int32))
    assert (m["max_abs"], m["max_rel"], m["max_ulp_elementwise"], m["scale"]) == (2.0, 0.4, 0, 5.0)


def test_a_float64_oracle_beyond_float32_range_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow / invalid-cast warnings would raise
        m = compare.metrics(np.array([np.inf, 1.0], np.float32), np.array([1e39, 1.0]))
        # A finite output against an oracle value float32 cannot hold: the oracle is cast
        # to the output's dtype for the ULP count, which overflows silently.
        finite = compare.metrics(np.array([3e38, 1.0], np.float32), np.array([1e39, 1.0]))
        for dtype, beyond in ((np.float16, 7e4), (ml_dtypes.bfloat16, 1e39)):  # spacing(inf)
            assert compare.metrics(np.array([6e4, 1.0], dtype), np.array([beyond, 1.0]))[
                "max_abs"] > 0
    assert (m["non_finite_mismatch"], m["max_abs"]) == (1, 0.0)
    assert finite["non_finite_mismatch"] == 0 and finite["max_abs"] > 6e38


def test_every_violated_tolerance_is_named_in_one_sentence_per_output() -> None:
    ref = {"y": np.array([1.0, 2.0, np.inf], np.float32),
           "z": np.array([1.0, 1.0], np.float32)}
    out = {"y": np.array([poison.OUTPUT_POISON, 2.5, 7.0], np.float32),
           "z": np.array([1.0, 1.0], np.float32)}
    result = compare.compare(out, ref, None, {"max_abs": 0.25, "rel_l2": 0.1})
    assert not result["passed"] and result["failing_metric"] == "y.unwritten"
    assert result["failures"] == [
        "y: 1 of 3 elements unwritten (still the output poison where the reference is finite); "
        "also 1 of 3 elements finite where the reference is not, or a different non-finite "
        "value; y.max_abs = 0.5 exceeds tolerance 0.25 (vs reference); "
        "y.rel_l2 = 0.25 exceeds tolerance 0.1 (vs reference)"]
    assert result["outputs"]["y"]["failing_metrics"] == [
        "y.unwritten", "y.non_finite", "y.max_abs", "y.rel_l2"]
    assert result["outputs"]["z"]["failure"] is None
    assert set(result["outputs"]) == {"y", "z"} and "vs_oracle" not in result["outputs"]["y"]


def test_non_finite_outputs_fail_unless_require_finite_is_false() -> None:
    both_nan = ({"y": np.array([np.nan, 2.0], np.float32)},
                {"y": np.array([np.nan, 2.0], np.float32)})
    assert compare.compare(*both_nan, None, {})["failures"] == [
        "y: 1 of 2 outputs non-finite (where the reference is too; require_finite)"]
    assert compare.compare(*both_nan, None, {"require_finite": False})["passed"]
    assert compare.compare(*both_nan, None, {"require_finite": True})["failing_metric"] == (
        "y.non_finite")


def test_oracle_metrics_are_reported_for_every_output() -> None:
    ref = {"y": np.ones(2, np.float32), "z": np.full(2, 2.0, np.float32)}
    oracle = {"y": np.ones(2), "z": np.full(2, 2.0)}
    result = compare.compare(ref, ref, oracle, {"max_ulp": 0}, {"max_ulp": 0})
    assert result["passed"] and result["failing_metric"] is None and result["failures"] == []
    for name in ("y", "z"):
        assert result["outputs"][name] == {
            "vs_reference": compare.metrics(ref[name], ref[name]),
            "vs_oracle": compare.metrics(ref[name], oracle[name]),
            "reference_vs_oracle": compare.metrics(ref[name], oracle[name]),
            "failing_metrics": [], "failure": None}
    worse = compare.compare({"y": np.full(2, 1.5, np.float32), "z": ref["z"]}, ref, oracle,
                            {"max_abs": 1.0}, {"max_abs": 0.25})
    assert worse["failures"] == ["y.max_abs = 0.5 exceeds tolerance 0.25 (vs float64 oracle)"]


def test_a_non_finite_cause_is_said_once_and_metrics_against_both() -> None:
    ref = {"y": np.array([1.0, 2.0, 4.0], np.float32)}
    oracle = {"y": np.array([1.0, 2.0, 4.0])}
    out = {"y": np.array([poison.OUTPUT_POISON, 2.5, 4.0], np.float32)}
    result = compare.compare(out, ref, oracle, {"max_abs": 0.25}, {"max_abs": 0.125})
    assert result["failures"] == [
        "y: 1 of 3 elements unwritten (still the output poison where the reference is finite); "
        "also y.max_abs = 0.5 exceeds tolerance 0.25 (vs reference); "
        "y.max_abs = 0.5 exceeds tolerance 0.125 (vs float64 oracle)"]
    assert result["outputs"]["y"]["failing_metrics"] == ["y.unwritten", "y.max_abs"]


def test_rel_l2_is_relative_for_a_reference_of_norm_below_one() -> None:
    out, ref = np.array([0.0, 0.5], np.float32), np.array([0.0, 0.4], np.float32)
    m = compare.metrics(out, ref)
    want = abs(float(out[1]) - float(ref[1])) / float(ref[1])
    assert m["rel_l2"] == pytest.approx(want, rel=1e-12) and m["rel_rms"] == m["rel_l2"]
    assert compare.metrics(ref, ref)["rel_l2"] == 0.0
    assert compare.metrics(out, np.zeros(2, np.float32))["rel_l2"] == math.inf
