"""Real ``snakemake verify`` runs on a project copy: seed bytes, verdict, reports, checksums."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline_project import KERNEL, REPO, fixture, make_project, planned_jobs, snakemake

# A verbatim copy of ../shared/seed/chunk_tri_solve_invert_reference.py (the user's script).
SEED_SCRIPT = REPO / "tests" / "data" / "chunk_tri_solve_invert_reference.py"
SEED_FIXTURE = fixture(
    "seed", sizes={"B": 4, "T": 64, "H": 1, "BT": 64}, seed=0xC0FFEE,
    generator={"name": "random_strict_lower", "magnitude": 0.1},
)


def test_seed_fixture_is_byte_identical_to_the_seed_script(tmp_path: Path) -> None:
    seed_dir = tmp_path / "seed_script"
    seed_dir.mkdir()
    script = seed_dir / SEED_SCRIPT.name
    shutil.copy(SEED_SCRIPT, script)
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)

    project = make_project(tmp_path / "project", [SEED_FIXTURE])
    folder = f"artifacts/generated/{KERNEL}/seed"
    targets = [f"{folder}/{KERNEL}_input_a_strict.bin", f"{folder}/{KERNEL}_a_inv_ref.bin"]
    proc = snakemake(project, "-j2", *targets)
    assert proc.returncode == 0, proc.stderr
    for name in (f"{KERNEL}_input_a_strict.bin", f"{KERNEL}_a_inv_ref.bin"):
        assert (project / folder / name).read_bytes() == (seed_dir / name).read_bytes(), name
    ours = json.loads((project / folder / f"{KERNEL}_meta.json").read_text())
    theirs = json.loads((seed_dir / f"{KERNEL}_meta.json").read_text())
    assert list(ours)[: len(theirs)] == list(theirs)
    assert {k: ours[k] for k in theirs} == theirs


def test_verify_passes_reports_and_is_a_noop_when_up_to_date(tmp_path: Path) -> None:
    project = make_project(tmp_path, [fixture("one"), fixture("two", seed=8, sizes={
        "B": 1, "T": 128, "H": 2, "BT": 64})])
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for column in ("kernel", "fixture", "backend", "max abs", "rel L2", "max ULP", "verdict"):
        assert column in proc.stdout
    assert "verify: PASS (2 fixtures" in proc.stdout
    report = json.loads((project / "artifacts/verify/report.json").read_text())
    assert report["passed"] and [r["fixture"] for r in report["fixtures"]] == ["one", "two"]
    assert "# Verify report: PASS" in (project / "artifacts/verify/report.md").read_text()
    # Run provenance names the executor's fixed code-generation target, never the host CPU.
    run_prov = json.loads(
        (project / f"artifacts/runs/cpu/{KERNEL}/one/run.provenance.json").read_text()
    )
    assert run_prov["executor"]["target"] in ("x86_64-linux-gnu", "aarch64-linux-gnu")
    assert run_prov["executor"]["cpu"] in ("x86_64_v2", "generic")

    sums = (project / "artifacts/SHA256SUMS").read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in sums]
    assert paths == sorted(paths) and all(not p.startswith("/") for p in paths)
    assert not any("provenance" in p or "/logs/" in p for p in paths)
    check = subprocess.run(["sha256sum", "-c", "--quiet", "artifacts/SHA256SUMS"], cwd=project)
    assert check.returncode == 0

    assert planned_jobs(project) == {("verify", "")}

    # Same config in a second copy: identical checksums for every artifact.
    again = make_project(tmp_path / "again", [fixture("one"), fixture("two", seed=8, sizes={
        "B": 1, "T": 128, "H": 2, "BT": 64})])
    assert snakemake(again, "-j2", "verify").returncode == 0
    assert (again / "artifacts/SHA256SUMS").read_text() == "\n".join(sums) + "\n"
