"""Issue 9, item 5: a NaN the kernel wrote, an element it never wrote and a NaN read from
uninitialised threadgroup memory each get their own words, one failure line per fixture
and output, and the table shows NaN rather than the metrics of the finite rest."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kernel_variants import add_variant
from pipeline_project import fixture, make_project, snakemake

STORE = "a_inv[base + i * row_stride + j] = X[i * BT + j];"
VARIANTS = {
    # Thread 3 writes a computed NaN into row 7.
    "writes_nan": [(STORE, "a_inv[base + i * row_stride + j] = (i == 7 && j == 3) "
                           "? metal::numeric_limits<float>::quiet_NaN() : X[i * BT + j];")],
    # Thread 5 returns before its store loop: column 5 is never written.
    "skips_column": [("for (uint i = 0; i < BT; ++i) {\n    a_inv",
                      "if (j == 5) { return; }\nfor (uint i = 0; i < BT; ++i) {\n    a_inv")],
    # Rows 0-7 of the staged tile L are never stored, then read by the substitution.
    "reads_uninitialised": [("for (uint i = 0; i < BT; ++i) {\n    L[",
                             "for (uint i = 8; i < BT; ++i) {\n    L[")],
}
EXPECTED = {
    "writes_nan": ("a_inv.nan_written",
                   "a_inv: 1 of 4096 elements NaN written by the kernel where the reference "
                   "is finite"),
    "skips_column": ("a_inv.unwritten",
                     "a_inv: 64 of 4096 elements unwritten (still the output poison"),
    "reads_uninitialised": ("a_inv.uninitialised_threadgroup",
                            "elements NaN read from uninitialised threadgroup memory"),
}


def test_nan_written_unwritten_and_uninitialised_threadgroup_are_told_apart(
    tmp_path: Path,
) -> None:
    fixtures = [fixture(f"f_{name}", kernel=name, backend="cpu") for name in VARIANTS]
    project = make_project(tmp_path, fixtures)
    for name, edits in VARIANTS.items():
        add_variant(project, name, edits)
    proc = snakemake(project, "-j2", "--keep-going", "verify")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = {r["kernel"]: r for r in json.loads(
        (project / "artifacts/verify/report.json").read_text())["fixtures"]}
    for name, (metric, words) in EXPECTED.items():
        row = rows[name]
        assert row["verdict"] == "FAIL" and row["failing_metric"] == metric, row
        lines = [line for line in proc.stderr.splitlines()
                 if line.startswith(f"FAIL {name}/f_{name} ")]
        assert len(lines) == 1, lines  # one line per fixture and output
        assert words in lines[0], lines[0]
        others = {"nan_written": "written by the kernel", "unwritten": "unwritten",
                  "uninitialised_threadgroup": "uninitialised"}
        for other, other_words in others.items():
            if not metric.endswith(other):
                assert other_words not in lines[0], lines[0]
        # The table shows NaN for a fixture with NaN where the reference is finite.
        table_row = next(line for line in proc.stdout.splitlines()
                         if re.match(rf"{name}\s+f_{name}\s", line))
        assert re.search(r"\sNaN\s+NaN\s+NaN\s+FAIL\s*$", table_row), table_row
    assert "verify: FAIL (3 of 3 fixtures failed" in proc.stderr
