"""Issue 9 case 7: the mutation gate survives a comment-only edit; a stale entry is stale.

An equivalent-mutant entry written for the kernel as it was stays valid when a
comment line is added above it (line numbers shift) and code elsewhere changes.
Editing the listed line itself makes the entry stale: the gate says so and
never tells the user to add fixtures for the renamed mutant.
Real ``snakemake mutants`` runs on the tiny kernel of test_mutants_pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_mutants_pipeline import SURVIVOR, TINY_METAL, _project, _snakemake, _write_config

from fixturepipe.mutation import generate_mutants

REASON = "the flag is 0 or 1, exact in half"
DIAG = "float diag = (j == 0) ? 1.0f : 0.0f;"


def test_comment_above_keeps_the_equivalent_then_editing_its_line_makes_it_stale(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    metal = root / "kernels" / "tiny_tri.metal"
    assert DIAG in TINY_METAL
    # Written for TINY_METAL; then a comment line is added above and a comment reworded.
    edited = "// note: thread j owns column j\n" + TINY_METAL.replace("X = (I + A)", "X = (I+A)")
    metal.write_text(edited)
    _write_config(root, [{"kernel": "tiny_tri", "mutant": SURVIVOR, "reason": REASON}])

    kept = _snakemake(root, "-j2", "mutants")
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert "0 survived, 1 equivalent" in kept.stderr
    matrix = json.loads((root / "artifacts/mutants/tiny_tri/kill_matrix.json").read_text())
    assert matrix["stale_equivalences"] == []

    metal.write_text(edited.replace(DIAG, "float diag = (j == 0u) ? 1.0f : 0.0f;"))
    renamed = next(m.name for m in generate_mutants(metal.read_text())
                   if m.operator == "precision_loss")  # the kernel's only one, on that line
    stale = _snakemake(root, "-j2", "mutants")
    assert stale.returncode != 0
    assert (f"1 entry(ies) of mutants.equivalent in config/config.yaml for tiny_tri name no "
            f"mutant of today's source (stale: the code they named was edited or removed): "
            f"{SURVIVOR}.") in stale.stderr
    assert f"may be the listed mutant under its new name: {renamed}" in stale.stderr
    assert f"survived every fixture of the matrix: {renamed}" not in stale.stderr
    assert "Add a fixture" not in stale.stderr
