"""Issue 9 case 7: the mutation gate survives a comment-only edit.

An equivalent-mutant entry written for the kernel as it was stays valid when a
comment line is added above it (line numbers shift) and another comment is
reworded: a real ``snakemake mutants`` run on the tiny kernel of
test_mutants_pipeline passes with the entry counted as equivalent. (Editing the
listed line itself makes the entry stale, reported as stale and never as a
survivor to add fixtures for: tests/test_mutants_killmatrix.py and
tests/test_mutants_catalogue.py, without a second 36-mutant run.)
"""

from __future__ import annotations

import json
from pathlib import Path

from test_mutants_pipeline import SURVIVOR, TINY_METAL, _project, _snakemake, _write_config

REASON = "the flag is 0 or 1, exact in half"


def test_comment_line_above_keeps_the_listed_equivalent(tmp_path: Path) -> None:
    root = _project(tmp_path)
    metal = root / "kernels" / "tiny_tri" / "tiny_tri.metal"
    # Written for TINY_METAL; then a comment line is added above and a comment reworded.
    edited = "// note: thread j owns column j\n" + TINY_METAL.replace("X = (I + A)", "X = (I+A)")
    metal.write_text(edited)
    _write_config(root, [{"kernel": "tiny_tri", "mutant": SURVIVOR, "reason": REASON}])

    kept = _snakemake(root, "-j2", "mutants")
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert "0 survived, 1 equivalent" in kept.stderr
    matrix = json.loads((root / "artifacts/mutants/tiny_tri/kill_matrix.json").read_text())
    assert matrix["stale_equivalences"] == []
