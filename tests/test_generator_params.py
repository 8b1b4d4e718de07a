"""Generator parameters of chunk_tri_solve_invert: defaults, scaling, value ranges, errors."""

from __future__ import annotations

import numpy as np
import pytest
from pipeline_project import generate

SIZES = {"B": 1, "T": 128, "H": 2, "BT": 64}
LOWER = np.tril(np.ones((64, 64), dtype=bool), k=-1)


def blocks(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, 2, 64, 2, 64).transpose(0, 1, 3, 2, 4).reshape(-1, 64, 64)


@pytest.mark.parametrize(("params", "got"), [
    ({"split": 0}, "got split=0, min_exp=4, max_exp=30"),
    ({"split": 64}, "got split=64, min_exp=4, max_exp=30"),
    ({"min_exp": 5, "max_exp": 4}, "got split=32, min_exp=5, max_exp=4"),
])
def test_nilpotent_block_refuses_impossible_splits_and_ranges(params: dict, got: str) -> None:
    with pytest.raises(ValueError) as info:
        generate("nilpotent_block", 0, SIZES, params)
    assert str(info.value) == ("generator 'nilpotent_block' needs 0 < split < BT=64 and "
                               f"min_exp <= max_exp; {got}")


@pytest.mark.parametrize("params", [{"split": 1}, {"split": 63}, {"min_exp": 6, "max_exp": 6},
                                    {"min_exp": 36, "max_exp": 37}])
def test_nilpotent_block_edges_are_accepted(params: dict) -> None:
    a = generate("nilpotent_block", 1, SIZES, params)["a_strict"]
    split = params.get("split", 32)
    lo, hi = params.get("min_exp", 4), params.get("max_exp", 30)
    for block in blocks(a):
        below = block[split:, :split]
        assert np.isfinite(below).all()
        assert (np.abs(below) >= np.float32(10.0**lo)).all()
        assert (np.abs(below) < 10.0 ** (hi + 1)).all()
        rest = block.copy()
        rest[split:, :split] = 0
        assert not rest.any(), "nonzero only where row >= split and col < split"


def test_nilpotent_block_has_both_signs_and_every_decade() -> None:
    a = generate("nilpotent_block", 2, SIZES, {"min_exp": 4, "max_exp": 8})["a_strict"]
    values = np.concatenate([b[32:, :32].ravel() for b in blocks(a)]).astype(np.float64)
    assert (values > 0).any() and (values < 0).any()
    assert sorted(set(np.floor(np.log10(np.abs(values))).astype(int))) == [4, 5, 6, 7, 8]


def test_magnitude_scales_the_same_draws() -> None:
    one = generate("random_strict_lower", 4, SIZES, {"magnitude": 0.1})["a_strict"]
    two = generate("random_strict_lower", 4, SIZES, {"magnitude": 0.2})["a_strict"]
    default = generate("random_strict_lower", 4, SIZES, {})["a_strict"]
    np.testing.assert_array_equal(two, one * np.float32(2))  # 0.2f is exactly 2 * 0.1f
    np.testing.assert_array_equal(default, one)
    assert 0.2 < float(np.abs(one).max()) < 0.7, "standard normals times 0.1"


def test_dirty_upper_keeps_the_lower_part_and_fills_the_rest_with_garbage() -> None:
    clean = generate("random_strict_lower", 5, SIZES, {})["a_strict"]
    dirty = generate("random_strict_lower", 5, SIZES, {"dirty_upper": True})["a_strict"]
    for c, d in zip(blocks(clean), blocks(dirty), strict=True):
        np.testing.assert_array_equal(c[LOWER], d[LOWER])
        upper = d[~LOWER]
        assert np.isnan(upper).any() and np.isposinf(upper).any() and np.isneginf(upper).any()
        finite = upper[np.isfinite(upper)]
        assert np.abs(finite).max() > 100.0, "large garbage (normals times 1e3)"
        kinds = (np.isnan(upper).mean(), np.isposinf(upper).mean(), np.isneginf(upper).mean())
        assert all(0.02 < k < 0.09 for k in kinds), kinds  # 1 in 20 each


def test_fla_kkt_entries_are_bounded_by_beta() -> None:
    a = generate("fla_kkt", 9, SIZES, {})["a_strict"]
    assert np.abs(a).max() < 0.95 and np.abs(a).max() > 0.2
    for block in blocks(a):
        assert not block[~LOWER].any()


def test_fla_kkt_accepts_one_dimensional_keys() -> None:
    a = generate("fla_kkt", 3, SIZES, {"K": 1})["a_strict"]
    # In one dimension every cosine is +-1: |A[i, j]| = beta_i for every j < i.
    for block in blocks(a):
        for i in range(1, 64):
            row = np.abs(block[i, :i])
            assert np.all(row == row[0]) and 0.05 <= row[0] < 0.95
