"""Failure diagnosis (issue 12 item 2), each explanation driven by a real mutant kernel.

Every explanation of :mod:`fixturepipe.diagnosis` gets a copy of the real kernel with one
seeded bug of that shape, added to the project as a kernel of its own; one ``snakemake
verify`` runs them all through the CPU executor, and each test asserts the sentence in the
terminal failure line and in report.json.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from kernel_variants import add_variant
from pipeline_project import fixture, make_project, snakemake

STORE = "a_inv[base + i * row_stride + j] = X[i * BT + j];"
LOAD = "a_strict[base + i * row_stride + j]"
STAGE = "for (uint i = 0; i < BT; ++i) {\n    L["
WRITE_LOOP = "for (uint i = 0; i < BT; ++i) {\n    a_inv"


def _load(offset: str) -> list[tuple[str, str]]:
    return [(LOAD, f"a_strict[base + {offset} + i * row_stride + j]")]


def _store(value: str) -> list[tuple[str, str]]:
    return [(STORE, f"a_inv[base + i * row_stride + j] = {value};")]


# variant -> (edits, expected diagnosis kind, words the sentence must contain)
VARIANTS: dict[str, tuple[list[tuple[str, str]], str, str]] = {
    "transposed": ([(STORE, "a_inv[base + j * row_stride + i] = X[i * BT + j];")],
                   "transposed", "transposed within each 64 x 64 block"),
    "off_diagonal_sign": (_store("(i == j) ? X[i * BT + j] : -X[i * BT + j]"),
                          "off_diagonal_sign", "sign of every off-diagonal element"),
    "shifted_row": (_store("X[(i > 0 ? i - 1 : 0) * BT + j]"),
                    "shifted", "shifted by one row in every block: row i holds the "
                               "reference's row i-1"),
    "heads_read_0": (_load("(size_t(0) - size_t(head)) * BT"),
                     "index_map", "every head holds head 0's result"),
    "heads_permuted": (_load("(size_t(H - 1 - head) - size_t(head)) * BT"),
                       "index_map", "heads permuted: head 0 holds head 3's result"),
    "head_stride": (_load("(size_t(head % 2) - size_t(head)) * BT"),
                    "index_map", "head 2 holds head 0's result, head 3 holds head 1's result"),
    "chunks_read_0": (_load("(size_t(0) - size_t(chunk)) * BT * row_stride"),
                      "index_map", "every chunk holds chunk 0's result"),
    "batches_swapped": (_load("(size_t(1 - batch) - size_t(batch)) * T * row_stride"),
                        "index_map", "batches permuted: batch 0 holds batch 1's result"),
    "rows_unwritten": ([(WRITE_LOOP, WRITE_LOOP.replace("i < BT", "i < BT - 4"))],
                       "never_written", "a region never written: rows 60-63 of every block"),
    "scaled": (_store("X[i * BT + j] * 2.0f"), "scaled", "scaled by a constant: about 2 x"),
    "nan_region": (_store("(i >= 48) ? X[i * BT + j] / 0.0f : X[i * BT + j]"),
                   "non_finite_region",
                   "NaN/inf written by the kernel confined to rows 48-63 of every block"),
    "uninitialised": ([(STAGE, STAGE.replace("i = 0", "i = 8"))], "uninitialised_threadgroup",
                      "NaN from uninitialised threadgroup memory confined to"),
}
SIZES = {"B": 2, "T": 128, "H": 4, "BT": 64}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fixtures = [fixture(f"f_{name}", kernel=name, backend="cpu", sizes=SIZES)
                for name in VARIANTS]
    project = make_project(tmp_path_factory.mktemp("diagnosis"), fixtures)
    for name, (edits, _, _) in VARIANTS.items():
        add_variant(project, name, edits)
    proc = snakemake(project, "-j2", "--keep-going", "verify", timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = {r["kernel"]: r for r in json.loads(
        (project / "artifacts/verify/report.json").read_text())["fixtures"]}
    return {"stderr": proc.stderr, "rows": rows}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_diagnosis_names_the_seeded_bug(run: dict[str, Any], variant: str) -> None:
    _, kind, words = VARIANTS[variant]
    row = run["rows"][variant]
    assert row["verdict"] == "FAIL"
    found = row["outputs"]["a_inv"]["diagnosis"]
    assert found is not None and found["kind"] == kind, found
    assert words in found["sentence"], found["sentence"]
    line = next(line for line in run["stderr"].splitlines()
                if line.startswith(f"FAIL {variant}/f_{variant} "))
    assert f"Looks like: {found['sentence']}" in line, line


def test_head_stride_bug_shows_in_the_block_map(run: dict[str, Any]) -> None:
    block_map = run["rows"]["head_stride"]["outputs"]["a_inv"]["block_map"]
    assert block_map["lead"] == ["batch", "chunk", "head"]
    for per_chunk in block_map["max_ulp"]:
        for per_head in per_chunk:
            right, wrong = per_head[:2], per_head[2:]
            assert max(right) <= 4 < min(wrong), per_head
