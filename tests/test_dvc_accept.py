"""Drift, then acceptance: verify names the drifted files, `dvc repro` + `dvc push` accept them.

Drift is made the way a user meets it: the generator now yields other bytes
for a golden fixture (here because the ``seed`` fixture's magnitude moved by
one part in ten million). Real Snakemake and DVC on a fresh clone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dvc_clone import (
    BIN,
    DVC,
    GOLDEN_ROOT,
    SNAKEMAKE,
    fresh_clone,
    golden_files,
    manifest,
    restrict_fixtures,
    run,
    tool_env,
)

from fixturepipe import dvc_integrity

SEED = f"{GOLDEN_ROOT}/chunk_tri_solve_invert/seed"
DRIFTED = ("chunk_tri_solve_invert_input_a_strict.bin", "chunk_tri_solve_invert_a_inv_ref.bin")


def test_drift_is_named_then_accepted_with_dvc_repro_and_push(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "repo")
    run([DVC, "pull"], clone)
    config = clone / "config" / "config.yaml"
    text = config.read_text()
    assert "magnitude: 0.1}" in text
    drifted = text.replace("magnitude: 0.1}", "magnitude: 0.1000001}", 1)
    config.write_text(drifted)
    restrict_fixtures(clone, {"seed"})  # verify only the drifted fixture (~3 s)

    drift = run([SNAKEMAKE, "-j2", "verify"], clone, check=False)

    assert drift.returncode != 0
    failures = [ln for ln in drift.stderr.splitlines() if ln.startswith("FAIL ")]
    for name in DRIFTED:
        line = next((ln for ln in failures if f"{SEED}/{name}" in ln), None)
        assert line is not None, f"{name} not named:\n{drift.stderr}"
        assert re.search(r"\d+ (of \d+ )?elements?", line), line
        assert "ULP" in line, line
    assert "dvc repro" in drift.stderr and "dvc push" in drift.stderr

    config.write_text(drifted)  # the whole matrix again, as a user accepts it
    assert "config/config.yaml" in run([DVC, "status"], clone).stdout
    # As `.venv/bin/dvc repro` without an activated venv: the stage must find
    # the project's snakemake through $DVC_ROOT/.venv.
    (clone / ".venv").symlink_to(BIN.parent, target_is_directory=True)
    bare = tool_env()
    bare["PATH"] = os.pathsep.join(d for d in bare["PATH"].split(os.pathsep) if d != str(BIN))
    run([DVC, "repro"], clone, bare)
    run([DVC, "push"], clone)

    assert "Data and pipelines are up to date." in run([DVC, "status"], clone).stdout
    assert dvc_integrity.check(clone) == []
    assert golden_files(clone) == manifest(clone)
    changed = run(["git", "status", "--porcelain"], clone).stdout
    for path in ("dvc.lock", "artifacts/golden.sha256", "dvc-store/files/md5/"):
        assert path in changed, f"{path} is not among the changes to commit:\n{changed}"
    restrict_fixtures(clone, {"seed"})
    accepted = run([SNAKEMAKE, "-j2", "verify"], clone)
    assert "verify: PASS" in accepted.stdout
