"""Unit checks of the pipeline's libraries: metrics, generators, references, expressions, specs."""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from pipeline_project import copy_kernel, first_kernel_spec, generate, reference

from fixturepipe import compare, config_checks, expr, poison, spec

SIZES = {"B": 2, "T": 128, "H": 2, "BT": 64}
SPEC = Path(__file__).resolve().parents[1] / "kernels" / "chunk_tri_solve_invert" / "spec.yaml"


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


@pytest.mark.parametrize("name", sorted(first_kernel_spec().generators))
def test_generators_are_deterministic_and_strict_lower(name: str) -> None:
    a = generate(name, 11, SIZES, {})["a_strict"]
    b = generate(name, 11, SIZES, {})["a_strict"]
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
    a = generate(name, 21, sizes, params)["a_strict"]
    stream = generate(name, 21, flat, params)["a_strict"]
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


def test_chunk_helpers_pad_the_last_partial_chunk_and_mark_its_real_rows() -> None:
    """kernel_lib.chunks, which the family kernels' references block their inputs with:
    T = 5 in chunks of 2 is 3 chunks, the last one holding one real row and one zero row."""
    from fixturepipe.kernel_lib import chunks

    assert [chunks.num_chunks(t, 2) for t in (1, 2, 5, 6)] == [1, 1, 3, 3]
    np.testing.assert_array_equal(chunks.valid_rows(5, 2),
                                  [[True, True], [True, True], [True, False]])
    a = np.arange(2 * 5 * 3 * 4, dtype=np.float32).reshape(2, 5, 3, 4) + 1  # [B, T, H, K]
    blocks = chunks.padded_chunks(a, 2)
    assert blocks.shape == (2, 3, 3, 2, 4)  # [B, NT, H, chunk, K]
    # The references compute in the dtype they pad: a float64 copy would make float32
    # references float64 ones.
    assert blocks.dtype == np.float32 and chunks.unchunk(blocks, 5).dtype == np.float32
    np.testing.assert_array_equal(blocks[1, 1, 2], a[1, 2:4, 2])
    np.testing.assert_array_equal(blocks[:, 2, :, 1], 0)
    np.testing.assert_array_equal(chunks.unchunk(blocks, 5), a)
    assert [(b, s.start, s.stop, h) for b, s, h in chunks.chunk_slices(1, 5, 2, 2)] == [
        (0, 0, 2, 0), (0, 0, 2, 1), (0, 2, 4, 0), (0, 2, 4, 1), (0, 4, 5, 0), (0, 4, 5, 1)]


def test_no_decay_is_float32_zero_and_an_unknown_regime_is_named() -> None:
    from fixturepipe.kernel_lib import draws

    g = draws.log_decay(np.random.default_rng(0), (1, 3, 2), "none")
    assert g.dtype == np.float32 and g.shape == (1, 3, 2) and not g.any()
    with pytest.raises(ValueError) as info:
        draws.log_decay(np.random.default_rng(0), (1, 3, 2), "medium")
    assert str(info.value) == "decay regime 'medium' is not one of ['none', 'strong', 'weak']"


def test_dirty_upper_changes_input_but_not_reference() -> None:
    clean = generate("random_strict_lower", 5, SIZES, {})
    dirty = generate("random_strict_lower", 5, SIZES, {"dirty_upper": True})
    assert np.isnan(dirty["a_strict"]).any() and np.isinf(dirty["a_strict"]).any()
    ref_clean = reference("unit_lower_inverse", clean, SIZES)["a_inv"]
    ref_dirty = reference("unit_lower_inverse", dirty, SIZES)["a_inv"]
    assert ref_clean.tobytes() == ref_dirty.tobytes()


def test_nilpotent_inverse_is_exactly_i_minus_a() -> None:
    a = generate("nilpotent_block", 3, SIZES, {})
    x = reference("unit_lower_substitution", a, SIZES)["a_inv"]
    eye = np.zeros_like(x)
    for b in range(2):
        for c in range(2):
            for h in range(2):
                eye[b, c * 64:(c + 1) * 64, h, :] = np.eye(64, dtype=np.float32)
    assert np.abs(a["a_strict"]).max() > 1e20
    assert np.array_equal(x, eye - a["a_strict"])


def test_zeros_give_identity_and_oracle_agrees() -> None:
    z = generate("zeros", 0, SIZES, {})
    ref = reference("unit_lower_inverse", z, SIZES)["a_inv"]
    oracle = reference("unit_lower_inverse", z, SIZES, oracle=True)["a_inv"]
    assert np.array_equal(ref, oracle.astype(np.float32))
    assert ref.sum() == 2 * 2 * 2 * 64


def test_fla_kkt_rows_are_scaled_cosines() -> None:
    """A[i, j] = beta_i * cos(k_i, k_j) for j < i in each chunk, k and beta as the docstring
    says they are drawn (k [B, T, H, K] standard normal, then beta uniform in [0.05, 0.95)),
    recomputed here with numpy's own norm and dot products."""
    dim = 16
    a = generate("fla_kkt", 9, SIZES, {"K": dim})["a_strict"]
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


def test_generator_params_are_checked_against_the_spec_schema() -> None:
    specs = {"chunk_tri_solve_invert": first_kernel_spec()}
    raw = {"name": "z", "kernel": "chunk_tri_solve_invert", "sizes": SIZES, "seed": 0,
           "generator": {"name": "zeros", "magnitude": 1}}
    with pytest.raises(config_checks.ConfigError) as caught:
        config_checks.check({"backend": "cpu", "fixtures": [raw]}, specs, "c.yaml")
    (problem,) = caught.value.problems
    assert "fixture 'z' (fixtures[0]), field generator" in problem
    assert "'magnitude' was unexpected" in problem
    assert "kernels/chunk_tri_solve_invert/spec.yaml field generators/zeros" in problem
    raw["generator"] = {"name": "random_strict_lower", "magnitude": -1}
    with pytest.raises(config_checks.ConfigError, match=r"field generator.magnitude: -1 is less"):
        config_checks.check({"backend": "cpu", "fixtures": [raw]}, specs, "c.yaml")


def test_generator_defaults_are_filled_in_from_the_spec() -> None:
    s = first_kernel_spec()
    assert s.generator_params("random_strict_lower", {"magnitude": 0.5}) == {
        "magnitude": 0.5, "dirty_upper": False}
    assert s.generator_params("nilpotent_block", {}) == {"min_exp": 4, "max_exp": 30}


def test_expressions_are_evaluated_safely() -> None:
    assert expr.evaluate("T % BT == 0 and min(B, H) > 0", SIZES) is True
    assert expr.evaluate("T // BT * 2", SIZES) == 4
    with pytest.raises(expr.ExpressionError, match="not a size"):
        expr.evaluate("X + 1", SIZES)
    with pytest.raises(expr.ExpressionError, match="does not allow"):
        expr.evaluate("__import__('os')", SIZES)
    assert expr.evaluate("BT in (16, 32, 64) and (BT & (BT - 1)) == 0", SIZES) is True
    assert expr.evaluate("H not in [3, 5] and T >> 6 == 2", SIZES) is True


def test_expression_check_rejects_outside_the_language_whole() -> None:
    long = "B > 0 and T > 0 and H > 0 and BT > 0 and T / BT == 2"
    with pytest.raises(expr.ExpressionError) as caught:
        expr.check(long)
    assert repr(long) in str(caught.value) and "`T / BT`" in str(caught.value)
    with pytest.raises(expr.ExpressionError, match="needs a tuple or list"):
        expr.check("BT in T")
    assert expr.check("0 < K <= 256 and BT in (16, 32)") == {"K", "BT"}


def test_spec_loads_and_rejects_unknown_size(tmp_path: Path) -> None:
    s = spec.load_spec(SPEC)
    assert s.launch_for({"B": 2, "T": 256, "H": 4, "BT": 64})["grid"] == (256, 4, 2)
    assert s.oracle == "unit_lower_oracle" and s.folder == SPEC.parent
    bad = copy_kernel(tmp_path) / "spec.yaml"
    bad.write_text(SPEC.read_text().replace('grid: ["T", "H", "B"]', 'grid: ["T", "Q", "B"]'))
    with pytest.raises(spec.SpecError, match=r"launch/grid: 'Q' names Q"):
        spec.load_spec(bad)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("reference: unit_lower_inverse", "reference: unit_lower_invrese",
         "field reference: 'unit_lower_invrese' is not a function of reference.py"),
        ("oracle: unit_lower_oracle", "oracle: unit_lower_orcale",
         "field oracle: 'unit_lower_orcale' is not a function of reference.py"),
        ("  zeros: {}", "  zeroes: {}", "field generators: 'zeroes' is not a function of "
         "generators.py"),
        ("K: {type: integer, minimum: 1, default: 64}", "K: {type: integer, default: 0.5}",
         "field generators/fla_kkt/K/default: 0.5 is not of type 'integer'"),
        ("K: {type: integer, minimum: 1, default: 64}", "K: {type: intger}",
         "field generators/fla_kkt/K"),
        ('"T % BT == 0"', '"T % BT == 0 and T / BT > 0"',
         "field constraints[1]/check: expression 'T % BT == 0 and T / BT > 0' uses `T / BT`"),
    ],
)
def test_spec_names_are_checked_naming_spec_file_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    bad = copy_kernel(tmp_path) / "spec.yaml"
    text = SPEC.read_text()
    assert old in text
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(spec.SpecError) as caught:
        spec.load_spec(bad)
    assert str(caught.value).startswith(f"{bad}: "), caught.value
    assert message in str(caught.value)


def test_spec_checks_function_arity_and_folder_name(tmp_path: Path) -> None:
    folder = copy_kernel(tmp_path)
    gen = folder / "generators.py"
    gen.write_text(gen.read_text().replace("def zeros(\n    rng: np.random.Generator, ",
                                           "def zeros(\n"))
    with pytest.raises(spec.SpecError, match=r"generators.py's zeros takes 2 positional"):
        spec.load_spec(folder / "spec.yaml")
    renamed = folder.parent / "other"
    shutil.copytree(SPEC.parent, renamed, ignore=shutil.ignore_patterns("__pycache__"))
    with pytest.raises(spec.SpecError, match="must equal the kernel's folder name 'other'"):
        spec.load_spec(renamed / "spec.yaml")
    doc = yaml.safe_load(SPEC.read_text())
    assert set(doc["generators"]) == set(first_kernel_spec().generators)


def test_kernel_python_results_are_checked_against_the_spec(tmp_path: Path) -> None:
    from fixturepipe import kernel_python
    from fixturepipe.fixture import Fixture

    folder = copy_kernel(tmp_path, as_name="checked_tri")
    (folder / "chunk_tri_solve_invert.metal").rename(folder / "checked_tri.metal")
    text = (folder / "spec.yaml").read_text()
    text = text.replace("name: chunk_tri_solve_invert", "name: checked_tri")
    (folder / "spec.yaml").write_text(text.replace("source: chunk_tri_solve_invert.metal",
                                                   "source: checked_tri.metal"))
    gen = folder / "generators.py"
    gen.write_text(gen.read_text().replace('return {"a_strict": _empty(sizes)}',
                                           'return {"a_strict": _empty(sizes).astype(np.float64)}'))
    ref = folder / "reference.py"
    ref.write_text(ref.read_text().replace(
        'return {"a_inv": _substitution64(inputs["a_strict"], sizes["BT"])}', "return {}"))
    s = spec.load_spec(folder / "spec.yaml")
    fx = Fixture.from_params("checked_tri", "t", {"sizes": SIZES, "generator": {"name": "zeros"},
                                                  "reference": s.reference})
    with pytest.raises(kernel_python.KernelPythonError,
                       match=r"generators.py: zeros returned 'a_strict' as float64; the spec "
                             r"says float32"):
        kernel_python.generate(s, fx)
    with pytest.raises(kernel_python.KernelPythonError,
                       match=r"reference.py: unit_lower_oracle returned no 'a_inv'"):
        kernel_python.oracle(s, fx, {"a_strict": np.zeros((2, 128, 2, 64), np.float32)})
