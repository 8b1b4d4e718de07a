"""profiles/slurm on a real single-node Slurm cluster (tests/slurm_cluster.py starts it).

The project is the tiny two-fixture kernel of test_mutants_pipeline, its mutants
sampled to 17 of 36 (at most 2 per operator: two mutant batches of the profile's 16,
one wave on a 2-core node), so a cluster run stays within a minute or two: a Slurm
job costs about 12 s of submission and polling however small it is.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from slurm_cluster import ClusterError, SlurmCluster, node_state, running_cluster
from test_mutants_pipeline import SURVIVOR, _project, _write_config

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
EQUIVALENT = [{"kernel": "tiny_tri", "mutant": SURVIVOR,
               "reason": "the flag is 0 or 1, exact in half"}]
# What a local run and a cluster run must write byte for byte.
VERDICT_FILES = ("artifacts/verify/report.json", "artifacts/verify/report.md",
                 "artifacts/SHA256SUMS")
MATRIX_FILES = ("artifacts/mutants/tiny_tri/kill_matrix.json",
                "artifacts/mutants/tiny_tri/report.md")
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
# One worker runs every Slurm test (pyproject: --dist loadgroup): one cluster at a time.
pytestmark = pytest.mark.xdist_group("slurm")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    """One cluster for the module (start ~1 s, stop ~6 s)."""
    with running_cluster(tmp_path_factory.mktemp("slurm")) as running:
        yield running


def tiny_project(root: Path) -> Path:
    """The tiny kernel's project with its survivor listed, its mutants sampled, and the
    Slurm profile."""
    root.mkdir(parents=True)
    _project(root)
    _write_config(root, EQUIVALENT, sample={"tiny_tri": 2})
    shutil.copytree(REPO / "profiles", root / "profiles")
    return root


def snakemake_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The copy's package first on the path; SBATCH_* only as the test gives them."""
    env = {k: v for k, v in os.environ.items() if k not in ("SBATCH_ACCOUNT", "SBATCH_PARTITION")}
    return dict(env, PYTHONPATH=str(root / "src"),
                PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(extra or {}))


def snakemake(root: Path, *args: str, env: dict[str, str] | None = None,
              timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "snakemake"), *args], cwd=root,
                          env=snakemake_env(root, env), capture_output=True, text=True,
                          timeout=timeout)


def group_components(root: Path) -> dict[str, int]:
    profile = yaml.safe_load((root / "profiles" / "slurm" / "config.yaml").read_text())
    return {k: int(v) for k, v in (e.split("=") for e in profile["group-components"])}


def test_verify_and_mutants_through_slurm_match_a_local_run(
    cluster: SlurmCluster, tmp_path: Path
) -> None:
    local = tiny_project(tmp_path / "local")
    done = snakemake(local, "-j2", "verify", "mutants")
    assert done.returncode == 0, done.stderr[-3000:]

    remote = tiny_project(tmp_path / "slurm")
    run = snakemake(remote, "--profile", "profiles/slurm", "verify", "mutants",
                    env={"SBATCH_PARTITION": cluster.partition})
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:] + cluster.log("slurmctld")
    for name in VERDICT_FILES + MATRIX_FILES:
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name

    # Batches: both fixtures' chains in one Slurm job, the mutants in batches of the
    # profile's size; the kill matrix, verify and the gate run on the submitting host.
    mutants = len(list((local / "artifacts/mutants/tiny_tri/results").glob("*.json"))) // 2
    assert mutants == 17
    size = group_components(remote)
    assert math.ceil(mutants / size["mutants"]) == 2, "two mutant batches"
    expected = math.ceil(2 / size["fixture"]) + math.ceil(mutants / size["mutants"])
    assert len(SUBMITTED.findall(out)) == expected, out[-4000:]
    # The partition came from SBATCH_PARTITION; no account was given, and the run says so.
    assert "no partition given" not in out
    assert "Slurm: no account given (set SBATCH_ACCOUNT" in out


def test_failed_job_is_reported_with_its_slurm_log(cluster: SlurmCluster, tmp_path: Path) -> None:
    root = tiny_project(tmp_path / "p")
    script = root / "scripts" / "inputs.py"
    script.write_text("raise SystemExit('inputs sabotaged by the test')\n")
    run = snakemake(root, "--profile", "profiles/slurm", "verify")
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-3000:]
    (_, log), = SUBMITTED.findall(out)
    # The error report names the Slurm log, which is kept and holds the rule's error.
    assert f"log: {log} (check log file(s) for error details)" in out, out[-4000:]
    assert Path(log).is_file(), f"the failed job's Slurm log {log} was deleted"
    assert "inputs sabotaged by the test" in Path(log).read_text()


def test_sacct_without_accounting_is_refused_before_submitting(
    cluster: SlurmCluster, tmp_path: Path
) -> None:
    root = tiny_project(tmp_path / "p")
    run = snakemake(root, "--profile", "profiles/slurm", "--slurm-status-command", "sacct",
                    "verify", timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Job status would be polled with sacct, which fails on this cluster" in out, out[-3000:]
    assert "accounting storage is disabled" in out
    assert not SUBMITTED.search(out)


def test_a_second_cluster_in_the_same_process_is_refused_at_once(
    cluster: SlurmCluster, tmp_path: Path
) -> None:
    """Waiting on our own lock would only run out LOCK_WAIT_SECONDS (900 s)."""
    start = time.monotonic()
    refused = pytest.raises(ClusterError, match="This process already runs a Slurm test cluster")
    with refused, running_cluster(tmp_path / "second"):
        pass
    assert time.monotonic() - start < 30
    assert node_state() == "idle", "the first cluster must still be up"
