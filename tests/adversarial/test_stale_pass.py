"""Issue 9 case 1: a kernel change is never hidden by an old mtime, and verify checks sources.

Every route by which a changed file keeps (or gets) an old mtime: ``touch -d``
after an edit, ``cp -p`` of an older draft, an edit saved while verify runs.
Real Snakemake runs on a project copy; the edited kernel writes zeros, so a
verify that does not rerun it says PASS wrongly.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_project import KERNEL, SNAKEMAKE, env, fixture, make_project, planned_jobs, snakemake

METAL = f"kernels/{KERNEL}/{KERNEL}.metal"
STORE = "a_inv[base + i * row_stride + j] = X[i * BT + j];"
ZEROS = "a_inv[base + i * row_stride + j] = 0.0f;"
PROVENANCE = f"artifacts/runs/cpu/{KERNEL}/a/run.provenance.json"


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A verified project and a snapshot of it (artifacts, Snakemake's records, mtimes)."""
    base = tmp_path_factory.mktemp("stale")
    root = make_project(base / "project", [fixture("a")], backend="cpu")
    proc = snakemake(root, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root, Path(shutil.copytree(root, base / "snapshot", symlinks=True))


@pytest.fixture
def project(verified: tuple[Path, Path]) -> Iterator[Path]:
    """The verified project; put back from the snapshot afterwards (same path: Snakemake
    records inputs by absolute path, so a copy elsewhere would rerun everything)."""
    root, snapshot = verified
    yield root
    shutil.rmtree(root)
    shutil.copytree(snapshot, root, symlinks=True)


def write_zeros_kernel(path: Path) -> None:
    text = path.read_text()
    assert STORE in text
    path.write_text(text.replace(STORE, ZEROS))


def assert_fails_on_the_zeros_kernel(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"rule kernel_{KERNEL}:" in proc.stdout + proc.stderr  # the kernel did rerun
    assert f"FAIL {KERNEL}/a (cpu):" in proc.stderr
    assert "verify: PASS" not in proc.stdout


def test_edit_then_touch_old_date_reruns_the_kernel(project: Path) -> None:
    write_zeros_kernel(project / METAL)
    subprocess.run(["touch", "-d", "2020-01-01", METAL], cwd=project, check=True)
    assert_fails_on_the_zeros_kernel(snakemake(project, "-j2", "verify"))


def test_cp_p_of_an_older_draft_reruns_the_kernel(project: Path, tmp_path: Path) -> None:
    draft = tmp_path / f"{KERNEL}.metal"
    shutil.copy(project / METAL, draft)
    write_zeros_kernel(draft)
    subprocess.run(["touch", "-d", "2020-01-01", str(draft)], check=True)
    subprocess.run(["cp", "-p", str(draft), METAL], cwd=project, check=True)
    assert_fails_on_the_zeros_kernel(snakemake(project, "-j2", "verify"))


def test_touch_without_a_change_reruns_nothing(project: Path) -> None:
    subprocess.run(["touch", METAL], cwd=project, check=True)
    assert planned_jobs(project) == {("verify", "")}


def test_verify_names_a_stale_result_when_rerun_triggers_miss_it(project: Path) -> None:
    # `--rerun-triggers mtime` turns off the content params: only verify's own check is left.
    write_zeros_kernel(project / METAL)
    subprocess.run(["touch", "-d", "2020-01-01", METAL], cwd=project, check=True)
    proc = snakemake(project, "-j2", "verify", "--rerun-triggers", "mtime")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"FAIL {KERNEL}/a (cpu): stale result: {METAL} has sha256" in proc.stderr
    assert "verify: PASS" not in proc.stdout


def test_edit_saved_while_verify_runs_is_a_stale_result_then_reruns(project: Path) -> None:
    (project / PROVENANCE).unlink()  # the kernel job runs again in this verify
    run = subprocess.Popen([SNAKEMAKE, "-j1", "verify"], cwd=project, env=env(project),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (project / PROVENANCE).exists():
        assert run.poll() is None, "verify finished before the kernel job wrote its provenance"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    write_zeros_kernel(project / METAL)  # saved after the kernel read the source
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 1, stdout + stderr
    assert f"FAIL {KERNEL}/a (cpu): stale result: {METAL} has sha256" in stderr
    assert "verify: PASS" not in stdout
    assert_fails_on_the_zeros_kernel(snakemake(project, "-j2", "verify"))
