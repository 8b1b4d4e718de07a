"""Handled well already, kept as a regression test: two verifies at once in one project.

The second Snakemake cannot take the working directory's lock and says so,
without touching an artifact; the first finishes with its verdict and every
artifact matches its checksum.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from pipeline_project import KERNEL, SNAKEMAKE, env, fixture, make_project, snakemake


def test_second_verify_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    project = make_project(tmp_path, [fixture("a"), fixture("b", seed=8)], backend="cpu")
    first = subprocess.Popen([SNAKEMAKE, "-j1", "verify"], cwd=project, env=env(project),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = project / f"artifacts/generated/{KERNEL}"
    deadline = time.monotonic() + 300
    while not started.exists():  # the first run holds the lock once it writes
        assert first.poll() is None, "the first verify finished too early"
        assert time.monotonic() < deadline
        time.sleep(0.01)

    second = snakemake(project, "-j1", "verify")

    out, err = first.communicate(timeout=600)
    assert second.returncode == 1
    assert "Directory cannot be locked" in second.stdout + second.stderr
    assert first.returncode == 0, out + err
    assert "verify: PASS (2 fixtures" in out
    check = subprocess.run(["sha256sum", "-c", "--quiet", "artifacts/SHA256SUMS"], cwd=project)
    assert check.returncode == 0
