"""A run killed mid-way leaves no partial file under an output name; the rerun completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from pipeline_project import (
    KERNEL,
    SNAKEMAKE,
    env,
    fixture,
    generate,
    make_project,
    reference,
    snakemake,
)

BIG = {"B": 2, "T": 1024, "H": 4, "BT": 64}  # 2 MiB per array: writes take a while
FIXTURES = [fixture("big", seed=3, sizes=BIG), fixture("small")]
GENERATED = f"artifacts/generated/{KERNEL}/big"


def kill_when(project: Path, relpath: str, sig: int, timeout: float = 120) -> None:
    """Start ``snakemake verify``; signal its whole process group once ``relpath`` exists."""
    proc = subprocess.Popen([SNAKEMAKE, "-j2", "verify"], cwd=project, env=env(project),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while not (project / relpath).exists():
            assert proc.poll() is None, "snakemake finished before the kill point"
            assert time.monotonic() < deadline
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, sig)
        proc.wait()


def assert_no_partial_outputs(project: Path) -> None:
    """Every .bin under an output name has its full size; temp files are hidden dot-files."""
    for path in (project / "artifacts").rglob("*.bin"):
        if path.name.startswith("."):
            continue
        size = 2 * 1024 * 4 * 64 * 4 if "/big/" in path.as_posix() else 64 * 64 * 4
        assert path.stat().st_size == size, f"partial file under an output name: {path}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_kill_mid_run_then_rerun_accepts_no_partial_file(tmp_path: Path, sig: int) -> None:
    project = make_project(tmp_path, FIXTURES)
    kill_when(project, f"{GENERATED}/{KERNEL}_input_a_strict.bin", sig)
    assert_no_partial_outputs(project)

    if sig == signal.SIGKILL:
        # Nothing could release Snakemake's lock; it says so, and --unlock is the cure.
        locked = snakemake(project, "-j2", "verify")
        assert locked.returncode == 1 and "--unlock" in locked.stderr
        assert snakemake(project, "--unlock").returncode == 0
    proc = snakemake(project, "-j2", "verify")  # profiles/default: rerun-incomplete
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_no_partial_outputs(project)
    check = subprocess.run(["sha256sum", "-c", "--quiet", "artifacts/SHA256SUMS"], cwd=project)
    assert check.returncode == 0

    inputs = generate("random_strict_lower", 3, BIG, {"magnitude": 0.1})
    ref = reference("unit_lower_inverse", inputs, BIG)
    assert (project / GENERATED / f"{KERNEL}_input_a_strict.bin").read_bytes() == \
        inputs["a_strict"].tobytes()
    assert (project / GENERATED / f"{KERNEL}_a_inv_ref.bin").read_bytes() == \
        ref["a_inv"].tobytes()
