"""Unit checks of the pipeline's libraries: metrics, generators, references, expressions, specs."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from fixturepipe import compare, expr, generators, poison, references, spec

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
    out[3] = poison.poisoned((), np.float32)
    out[2] = np.nan  # a NaN the kernel computed: not the output poison
    m = compare.metrics(out, ref)
    assert (m["unwritten"], m["nan_written"], m["non_finite"], m["non_finite_mismatch"]) == (
        1, 1, 2, 2)


def test_compare_names_the_failing_metric() -> None:
    ref = {"y": np.ones(8, dtype=np.float32)}
    out = {"y": np.full(8, 1.0 + 8 * np.finfo(np.float32).eps, dtype=np.float32)}
    result = compare.compare(out, ref, None, {"max_ulp": 4})
    assert not result["passed"]
    assert result["failing_metric"] == "y.max_ulp"
    assert "y.max_ulp = 8 exceeds tolerance 4 (vs reference)" in result["failures"][0]
    poisoned = {"y": poison.poisoned((8,), np.float32)}
    result = compare.compare(poisoned, ref, None, {"max_ulp": 4})
    assert result["failing_metric"] == "y.unwritten"


def test_json_safe_replaces_non_finite() -> None:
    assert compare.json_safe({"a": [math.inf, 1.0, math.nan]}) == {"a": ["inf", 1.0, "nan"]}


# sha256 of each generator's bytes at seed 11, SIZES, default params. Inputs are
# checksummed artifacts: a change here changes golden files, so it must be deliberate
# (re-accept the golden set, then update these).
PINNED_SHA256 = {
    "fla_kkt": "ec8b6f3193b45839d2b7dc9d2f7dac0582690902eeb3db01e5bddaab78259f18",
    "nilpotent_block": "f2dfd6948537572b49a36075de5a7c009c0469d417ba646cc977145c12a36e46",
    "random_strict_lower": "b59f9c5c47acee5c9ea8f65421a22387373b069677071dd3ede288be16fb4cf2",
    "zeros": "fa43239bcee7b97ca62f007cc68487560a39e19f74f3dde7486db3f98df8e471",
}


@pytest.mark.parametrize("name", sorted(generators.GENERATORS))
def test_generators_are_deterministic_and_strict_lower(name: str) -> None:
    a = generators.generate(name, 11, SIZES, {})["a_strict"]
    b = generators.generate(name, 11, SIZES, {})["a_strict"]
    assert a.dtype == np.float32 and a.shape == (2, 128, 2, 64)
    assert a.tobytes() == b.tobytes()
    assert hashlib.sha256(a.tobytes()).hexdigest() == PINNED_SHA256[name], (
        f"generator {name} no longer gives the pinned bytes (seed 11, sizes {SIZES})")
    blocks = a.reshape(2, 2, 64, 2, 64).transpose(0, 1, 3, 2, 4)
    assert not np.triu(blocks).any()


@pytest.mark.parametrize(
    ("name", "params"),
    [("random_strict_lower", {}), ("random_strict_lower", {"dirty_upper": True}),
     ("nilpotent_block", {})],
)
def test_blocks_are_drawn_batch_then_chunk_then_head(name: str, params: dict) -> None:
    """Block (b, chunk, head) of [B, T, H, BT] is the RNG's draw number (b * NT + chunk) * H + head:
    the same stream laid out as B = H = 1 with B * NT * H chunks gives the same blocks."""
    sizes = {"B": 2, "T": 128, "H": 3, "BT": 64}
    flat = {"B": 1, "T": 64 * 2 * 2 * 3, "H": 1, "BT": 64}
    a = generators.generate(name, 21, sizes, params)["a_strict"]
    stream = generators.generate(name, 21, flat, params)["a_strict"]
    for b in range(2):
        for chunk in range(2):
            for head in range(3):
                draw = (b * 2 + chunk) * 3 + head
                got = a[b, chunk * 64:(chunk + 1) * 64, head, :]
                want = stream[0, draw * 64:(draw + 1) * 64, 0, :]
                lower = np.tril(np.ones((64, 64), dtype=bool), k=-1)
                np.testing.assert_array_equal(
                    got[lower], want[lower],
                    err_msg=f"block (b={b}, chunk={chunk}, head={head}) is not draw {draw}")


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
    """A[i, j] = beta_i * cos(k_i, k_j) for j < i in each chunk, k and beta as the docstring
    says they are drawn (k [B, T, H, K] standard normal, then beta uniform in [0.05, 0.95)),
    recomputed here with numpy's own norm and dot products."""
    dim = 16
    a = generators.generate("fla_kkt", 9, SIZES, {"K": dim})["a_strict"]
    rng = np.random.default_rng(9)
    k = rng.standard_normal((2, 128, 2, dim)).astype(np.float32).astype(np.float64)
    beta = (0.05 + 0.9 * rng.random((2, 128, 2))).astype(np.float32).astype(np.float64)
    unit = k / np.linalg.norm(k, axis=-1, keepdims=True)
    strict_lower = np.tril(np.ones((64, 64), dtype=bool), k=-1)[None, :, None, :]
    want = np.zeros(a.shape, dtype=np.float64)
    for chunk in range(2):
        rows = slice(chunk * 64, (chunk + 1) * 64)
        cosines = np.einsum("bihk,bjhk->bihj", unit[:, rows], unit[:, rows])  # [B, BT, H, BT]
        want[:, rows] = np.where(strict_lower, beta[:, rows, :, None] * cosines, 0.0)
    assert np.abs(a).max() > 0.3, "cosines of random unit vectors in 16-D reach well above 0.3"
    np.testing.assert_allclose(a, want, rtol=0, atol=2e-7)


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
