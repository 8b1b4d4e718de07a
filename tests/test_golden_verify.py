"""Golden fixtures: accept promotes generated -> golden; verify catches altered or missing files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline_project import KERNEL, fixture, make_project, snakemake

GOLDEN = f"artifacts/fixtures/{KERNEL}/g"
REF = f"{GOLDEN}/{KERNEL}_a_inv_ref.bin"
INPUT = f"{GOLDEN}/{KERNEL}_input_a_strict.bin"


def accepted_project(tmp_path: Path) -> Path:
    project = make_project(tmp_path, [fixture("g")])
    proc = snakemake(project, "-j2", "accept")
    assert proc.returncode == 0, proc.stderr
    assert f"accept: added: {KERNEL}/g" in proc.stdout
    return project


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_accept_writes_golden_set_and_verify_uses_it(tmp_path: Path) -> None:
    project = accepted_project(tmp_path)
    listed = (project / "artifacts/golden.sha256").read_text().splitlines()
    assert [line.split("  ")[1] for line in listed] == sorted(
        f"{GOLDEN}/{n}" for n in (f"{KERNEL}_a_inv_ref.bin", f"{KERNEL}_input_a_strict.bin",
                                  f"{KERNEL}_meta.json"))
    assert all(sha(project / line.split("  ")[1]) == line.split("  ")[0] for line in listed)
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verify: PASS" in proc.stdout and "PASS (candidate)" not in proc.stdout
    repro_file = project / f"artifacts/reproduce/{KERNEL}/g/reproducibility.json"
    repro = json.loads(repro_file.read_text())
    assert repro["passed"] and all(f["identical"] for f in repro["files"])
    # A second accept with unchanged config changes nothing, not even an mtime.
    files = sorted((project / "artifacts").rglob("fixtures/**/*.bin"))
    mtimes = [p.stat().st_mtime_ns for p in files]
    again = snakemake(project, "-j2", "accept")
    assert f"accept: unchanged (files and mtimes untouched): {KERNEL}/g" in again.stdout
    assert [p.stat().st_mtime_ns for p in files] == mtimes


def test_truncated_golden_file_fails_verify_naming_file_and_hashes(tmp_path: Path) -> None:
    project = accepted_project(tmp_path)
    expected = sha(project / REF)
    data = (project / REF).read_bytes()
    (project / REF).write_bytes(data[: len(data) // 2])
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1
    actual = sha(project / REF)
    assert f"{REF} was altered: sha256 {actual}" in proc.stderr
    assert f"expects {expected}" in proc.stderr


def test_altered_golden_input_fails_verify_naming_file_and_hashes(tmp_path: Path) -> None:
    project = accepted_project(tmp_path)
    expected = sha(project / INPUT)
    data = bytearray((project / INPUT).read_bytes())
    data[200] ^= 0x01
    (project / INPUT).write_bytes(bytes(data))
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1
    assert f"{INPUT} was altered: sha256 {sha(project / INPUT)}" in proc.stderr
    assert f"expects {expected}" in proc.stderr


def test_missing_golden_file_stops_before_any_job_with_dvc_pull(tmp_path: Path) -> None:
    project = accepted_project(tmp_path)
    (project / REF).unlink()
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1
    assert "Run `dvc pull`" in proc.stderr and REF in proc.stderr
    assert "Job stats" not in proc.stdout + proc.stderr
    assert not (project / REF).exists()
