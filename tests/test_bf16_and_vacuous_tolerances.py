"""bfloat16 files and ULPs, FLA's relative RMS, and tolerances that cannot be vacuous (issue 10).

bf16 arrays are stored as mlx-native stores them (the upper 16 bits of the
float32, little-endian) and compared in ULPs of bf16.  A fixture whose
tolerances would pass an all-zero output, or the poison of an output never
written, is named by ``compare.vacuous``; that verify then fails such a fixture
as a configuration error is tested in test_config_checks.py (a real Snakemake
run, kept out of this file because mutmut runs it in-process:
docs/self_mutation.md).
"""

from __future__ import annotations

import math
from pathlib import Path

import ml_dtypes
import numpy as np

from fixturepipe import binio, compare, poison

BF16 = np.dtype(ml_dtypes.bfloat16)


def test_bf16_files_are_the_upper_half_of_float32(tmp_path: Path) -> None:
    values = np.array([1.0, -2.5, 3.140625, 1e-3], dtype=np.float32)
    array = values.astype(BF16)
    binio.write_array(tmp_path / "x.bin", array, "bfloat16")
    raw = (tmp_path / "x.bin").read_bytes()
    upper = (array.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
    assert raw == upper
    back = binio.read_array(tmp_path / "x.bin", (4,), "bfloat16")
    assert back.dtype == BF16 and back.tobytes() == array.tobytes()


def test_bf16_outputs_are_compared_in_bf16_ulps() -> None:
    ref = np.array([1.0, 1.5, 2.0, 3.0], dtype=np.float32).astype(BF16)
    out = ref.copy()
    out[3] = ml_dtypes.bfloat16(3.015625)  # the next bf16 above 3.0 (spacing 2**-6)
    m = compare.metrics(out, ref)
    assert m["max_ulp_elementwise"] == 1
    assert m["max_ulp"] == 1.0  # |out - ref| = 2**-6 = spacing of bf16 at max |ref| = 3
    assert compare.compare({"y": out}, {"y": ref}, None, {"max_ulp": 1})["passed"]
    assert not compare.compare({"y": out}, {"y": ref}, None, {"max_ulp": 0.5})["passed"]


def test_rel_rms_is_flas_ratio_and_infinite_on_nan() -> None:
    ref = np.array([3.0, 4.0], dtype=np.float32)
    out = np.array([3.0, 4.5], dtype=np.float32)
    m = compare.metrics(out, ref)
    assert m["rel_rms"] == m["rel_l2"] == 0.1  # ||(0, .5)|| / ||(3, 4)||
    out[0] = np.nan
    assert compare.metrics(out, ref)["rel_rms"] == math.inf
    result = compare.compare({"y": out}, {"y": ref}, None, {"rel_rms": 0.2})
    assert "y.rel_rms = inf exceeds tolerance 0.2" in " ".join(result["failures"])


def test_tolerances_accepting_zeros_or_poison_are_named() -> None:
    zero_ref = {"o": np.zeros(8, np.float32)}
    (sentence,) = compare.vacuous(zero_ref, {"o": np.zeros(8)}, {"max_ulp": 4, "rel_l2": 1e-6})
    assert sentence.startswith("o: the tolerances accept an all-zero output (rel_l2 0 <= 1e-06, "
                               "max_ulp 0 <= 4)")
    ones = {"o": np.ones(8, np.float32)}
    assert compare.vacuous(ones, None, {"max_ulp": 4}) == []
    assert compare.vacuous(ones, None, {"max_abs": 1.0})[0].startswith(
        "o: the tolerances accept an all-zero output (max_abs 1 <= 1)")
    assert compare.vacuous(ones, None, {})[0].startswith(
        "o: the tolerances accept an all-zero output ((none set))")
    # The poison always fails (unwritten elements), for every output dtype.
    for dtype in (np.float32, np.float16, BF16):
        ref = {"o": np.ones(8, dtype)}
        assert not compare.compare({"o": poison.poisoned((8,), dtype)}, ref, None, {})["passed"]



def test_no_tolerance_at_all_accepts_zeros_and_the_sentence_says_what_to_do() -> None:
    ones = {"o": np.ones(8, np.float32)}
    assert compare.vacuous(ones, None, {}) == [
        "o: the tolerances accept an all-zero output ((none set)); tighten them, or change the "
        "fixture so its reference is not all zero",
    ]


def test_an_oracle_tolerance_that_rejects_zeros_makes_the_fixture_not_vacuous() -> None:
    """The fake output is judged as verify judges it: against the float64 oracle too."""
    ones = {"o": np.ones(8, np.float32)}
    oracle = {"o": np.full(8, 5.0)}
    assert compare.vacuous(ones, oracle, {"max_abs": 1.0}, {"max_abs": 1.0}) == []
    assert compare.vacuous(ones, oracle, {"max_abs": 1.0}, {"max_abs": 5.0}) != []
    assert compare.vacuous(ones, None, {"max_abs": 1.0}) != []
