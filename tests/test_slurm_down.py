"""A Slurm controller that goes away gives a clear error, not a hang.

snakemake-executor-plugin-slurm treats a failed status query as "no news" and
waits forever; fixturepipe.cluster's watchdog and preflight turn that into an
error. Its own cluster (tests/slurm_cluster.py), since this test stops the
controller. The node is drained first, so the submitted batch stays pending
and no job step outlives the cluster.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from slurm_cluster import running_cluster
from test_slurm_cluster import SUBMITTED, VENV_BIN, snakemake, snakemake_env, tiny_project

pytestmark = pytest.mark.xdist_group("slurm")


def test_controller_going_down_mid_run_and_before_a_run(tmp_path: Path) -> None:
    root = tiny_project(tmp_path / "p")
    with running_cluster(tmp_path / "slurm") as cluster:
        subprocess.run(["scontrol", "update", f"NodeName={cluster.node}", "State=DRAIN",
                        "Reason=fixturepipe test: keep the batch pending"], check=True)
        env = snakemake_env(root, {"FIXTUREPIPE_SLURM_DOWN_SECONDS": "5"})
        log = tmp_path / "run.log"
        with log.open("w") as out:
            run = subprocess.Popen([str(VENV_BIN / "snakemake"), "--profile", "profiles/slurm",
                                    "verify"], cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 180
            while not SUBMITTED.search(log.read_text()):
                assert run.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "no batch submitted in 180 s"
                time.sleep(0.5)
            cluster.stop_controller()
            # Watchdog: a poll every 10 s, 5 s of silence, ~10 s per failing squeue.
            run.wait(timeout=120)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
        text = log.read_text()
        assert run.returncode != 0
        assert "Error: the Slurm controller has not answered for 5 s" in text, text[-3000:]
        assert "rerunning the same command continues from them" in text

        # With the controller down from the start: refused before any submission.
        start = time.monotonic()
        again = snakemake(root, "--profile", "profiles/slurm", "verify", timeout=180)
        out = again.stdout + again.stderr
        assert again.returncode != 0
        assert "The Slurm controller does not answer (squeue: " in out, out[-3000:]
        assert "nothing was submitted" in out and not SUBMITTED.search(out)
        assert time.monotonic() - start < 150
