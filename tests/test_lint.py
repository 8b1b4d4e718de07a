"""``snakemake --lint`` is clean on the project itself (it exits 1 on any finding)."""

from __future__ import annotations

import subprocess

from pipeline_project import REPO, SNAKEMAKE, env


def test_snakemake_lint_is_clean() -> None:
    proc = subprocess.run([SNAKEMAKE, "--lint"], cwd=REPO, env=env(REPO), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
