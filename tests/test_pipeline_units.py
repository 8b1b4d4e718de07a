"""Unit checks of the pipeline's libraries: metrics, generators, references, expressions, specs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from fixturepipe import compare, expr, generators, references, spec

SIZES = {"B": 2, "T": 128, "H": 2, "BT": 64}
SPEC = Path(__file__).resolve().parents[1] / "kernels" / "chunk_tri_solve_invert.yaml"


def test_ulp_distance_counts_representable_values_across_zero() -> None:
    one = np.float32(1.0)
    a = np.array([one, np.nextafter(one, np.float32(2)), -0.0, 0.0], dtype=np.float32)
    b = np.array([one, one, 0.0, np.nextafter(np.float32(0), np.float32(-1))], np.float32)
    assert compare.ulp_distance(a, b).tolist() == [0, 1, 0, 1]


def test_metrics_scaled_ulp_and_unwritten() -> None:
    ref = np.array([1.0, 0.5, 1e-10, 2.0], dtype=np.float32)
    out = ref.copy()
    out[0] = np.nextafter(np.float32(1.0), np.float32(2.0))  # 1 ULP at 1.0
    m = compare.metrics(out, ref)
    assert m["max_ulp"] == pytest.approx(0.5)  # spacing at scale 2.0 is 2 * eps
    out[3] = np.nan
    m = compare.metrics(out, ref)
    assert (m["unwritten"], m["non_finite"], m["non_finite_mismatch"]) == (1, 1, 1)


def test_compare_names_the_failing_metric() -> None:
    ref = {"y": np.ones(8, dtype=np.float32)}
    out = {"y": np.full(8, 1.0 + 8 * np.finfo(np.float32).eps, dtype=np.float32)}
    result = compare.compare(out, ref, None, {"max_ulp": 4})
    assert not result["passed"]
    assert result["failing_metric"] == "y.max_ulp"
    assert "y.max_ulp = 8 exceeds tolerance 4 (vs reference)" in result["failures"][0]
    poisoned = {"y": np.full(8, np.nan, dtype=np.float32)}
    result = compare.compare(poisoned, ref, None, {"max_ulp": 4})
    assert result["failing_metric"] == "y.unwritten"


def test_json_safe_replaces_non_finite() -> None:
    assert compare.json_safe({"a": [math.inf, 1.0, math.nan]}) == {"a": ["inf", 1.0, "nan"]}


@pytest.mark.parametrize("name", sorted(generators.GENERATORS))
def test_generators_are_deterministic_and_strict_lower(name: str) -> None:
    a = generators.generate(name, 11, SIZES, {})["a_strict"]
    b = generators.generate(name, 11, SIZES, {})["a_strict"]
    assert a.dtype == np.float32 and a.shape == (2, 128, 2, 64)
    assert a.tobytes() == b.tobytes()
    blocks = a.reshape(2, 2, 64, 2, 64).transpose(0, 1, 3, 2, 4)
    assert not np.triu(blocks).any()


def test_dirty_upper_changes_input_but_not_reference() -> None:
    clean = generators.generate("random_strict_lower", 5, SIZES, {})
    dirty = generators.generate("random_strict_lower", 5, SIZES, {"dirty_upper": True})
    assert np.isnan(dirty["a_strict"]).any() and np.isinf(dirty["a_strict"]).any()
    ref_clean = references.compute("unit_lower_inverse", clean, SIZES, np.float32)["a_inv"]
    ref_dirty = references.compute("unit_lower_inverse", dirty, SIZES, np.float32)["a_inv"]
    assert ref_clean.tobytes() == ref_dirty.tobytes()


def test_nilpotent_inverse_is_exactly_i_minus_a() -> None:
    a = generators.generate("nilpotent_block", 3, SIZES, {})
    x = references.compute("unit_lower_substitution", a, SIZES, np.float32)["a_inv"]
    eye = np.zeros_like(x)
    for b in range(2):
        for c in range(2):
            for h in range(2):
                eye[b, c * 64:(c + 1) * 64, h, :] = np.eye(64, dtype=np.float32)
    assert np.abs(a["a_strict"]).max() > 1e20
    assert np.array_equal(x, eye - a["a_strict"])


def test_zeros_give_identity_and_oracle_agrees() -> None:
    z = generators.generate("zeros", 0, SIZES, {})
    ref = references.compute("unit_lower_inverse", z, SIZES, np.float32)["a_inv"]
    oracle = references.compute("unit_lower_inverse", z, SIZES, np.float64)["a_inv"]
    assert np.array_equal(ref, oracle.astype(np.float32))
    assert ref.sum() == 2 * 2 * 2 * 64


def test_fla_kkt_rows_are_scaled_cosines() -> None:
    a = generators.generate("fla_kkt", 9, SIZES, {"K": 16})["a_strict"]
    assert 0 < np.abs(a).max() < 1.0


def test_unknown_generator_param_is_an_error() -> None:
    with pytest.raises(generators.GeneratorParamError, match="does not take magnitude"):
        generators.generate("zeros", 0, SIZES, {"magnitude": 1})


def test_expressions_are_evaluated_safely() -> None:
    assert expr.evaluate("T % BT == 0 and min(B, H) > 0", SIZES) is True
    assert expr.evaluate("T // BT * 2", SIZES) == 4
    with pytest.raises(expr.ExpressionError, match="not a size"):
        expr.evaluate("X + 1", SIZES)
    with pytest.raises(expr.ExpressionError, match="do not allow"):
        expr.evaluate("__import__('os')", SIZES)


def test_spec_loads_and_rejects_unknown_size(tmp_path: Path) -> None:
    s = spec.load_spec(SPEC)
    assert s.launch_for({"B": 2, "T": 256, "H": 4, "BT": 64})["grid"] == (256, 4, 2)
    assert set(s.generators) <= set(generators.GENERATORS)
    assert set(s.references) <= set(references.REFERENCES)
    bad = tmp_path / "chunk_tri_solve_invert.yaml"
    bad.write_text(SPEC.read_text().replace('grid: ["T", "H", "B"]', 'grid: ["T", "Q", "B"]'))
    (tmp_path / "chunk_tri_solve_invert.metal").write_text("")
    with pytest.raises(spec.SpecError, match=r"launch/grid: 'Q' names Q"):
        spec.load_spec(bad)
