"""A fresh clone gets the golden set from the embedded remote with `dvc pull`, and nothing else.

Real git, real DVC, real Snakemake, on a ``git clone`` of the committed repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dvc_clone import (
    DVC,
    GOLDEN_ROOT,
    SNAKEMAKE,
    fresh_clone,
    golden_files,
    manifest,
    run,
)

from fixturepipe import dvc_integrity


@pytest.fixture(scope="module")
def pulled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone after ``dvc pull`` from the default (embedded) remote. Read-only."""
    clone = fresh_clone(tmp_path_factory.mktemp("pulled") / "repo")
    assert not (clone / GOLDEN_ROOT).exists(), "golden binaries must not be committed to git"
    run([DVC, "pull"], clone)
    return clone


def planned_outputs(dry_run: str) -> list[str]:
    """Every output file of every job in ``snakemake -n`` output."""
    outputs = []
    for line in dry_run.splitlines():
        if line.strip().startswith("output:"):
            outputs += [p.strip() for p in line.split(":", 1)[1].split(",")]
    return outputs


def test_pull_restores_every_golden_file_byte_identical(pulled: Path) -> None:
    sums = manifest(pulled)
    assert sums, "artifacts/golden.sha256 lists no golden file"
    assert golden_files(pulled) == sums
    assert dvc_integrity.check(pulled) == []


def test_clean_clone_status_is_clean_and_repro_is_a_no_op(pulled: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (pulled / GOLDEN_ROOT).rglob("*") if p.is_file()}

    status = run([DVC, "status"], pulled).stdout
    repro = run([DVC, "repro"], pulled).stdout

    assert "Data and pipelines are up to date." in status
    assert "didn't change, skipping" in repro
    assert run(["git", "status", "--porcelain"], pulled).stdout == ""
    after = {p: p.stat().st_mtime_ns for p in (pulled / GOLDEN_ROOT).rglob("*") if p.is_file()}
    assert after == before


def test_dry_run_verify_plans_no_job_that_writes_a_golden_file(pulled: Path) -> None:
    """DVC gives pulled files a fresh mtime; Snakemake must still plan no golden write."""
    sizes = {p: (pulled / p).stat().st_size for p in manifest(pulled)}
    assert max(sizes.values()) > 2**20, "the default set needs a golden file over 1 MiB"

    dry = run([SNAKEMAKE, "-n", "verify"], pulled).stdout

    outputs = planned_outputs(dry)
    assert outputs, f"no job planned?\n{dry}"
    assert [p for p in outputs if p.startswith(GOLDEN_ROOT)] == []
    assert "rule accept" not in dry


def test_without_pull_verify_stops_and_says_dvc_pull(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "repo")

    proc = run([SNAKEMAKE, "-n", "verify"], clone, check=False)

    assert proc.returncode != 0
    assert "Run `dvc pull`" in proc.stdout + proc.stderr
    assert not (clone / GOLDEN_ROOT).exists()
