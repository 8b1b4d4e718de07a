"""A real single-node Slurm cluster on loopback, for testing profiles/slurm.

Why real daemons: what the Slurm profile must get right (submission, status
polling, a failed job's log, a controller that is down) only exists with the
real slurmctld, slurmd and munged, so the tests start Debian's packages as
background processes (no systemd) and stop every one of them by PID.

Only one file is global: the jobstep plugin removes every ``SLURM_*`` variable
(``SLURM_CONF`` too) before its inner ``srun``, so the configuration must be
``/etc/slurm/slurm.conf``. Everything else is private to one cluster: munged
runs with its own key and socket (``AuthInfo=socket=...``), both daemons on
free ports, state and logs in the cluster's folder. A machine-wide lock makes
concurrent test sessions take turns, and a ``slurm.conf`` that this module did
not write (a real cluster's) is never overwritten.

Run as a script to keep a cluster up for manual runs and benchmarks:
``.venv/bin/python tests/slurm_cluster.py`` (Ctrl-C stops it).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import system_packages

SLURM_CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# Written by fixturepipe tests/slurm_cluster.py for a test cluster; removed at its stop."
LOCK = Path(tempfile.gettempdir()) / "fixturepipe-slurm.lock"
PARTITION = "debug"
LOCK_WAIT_SECONDS = 900.0
START_SECONDS = 30.0
# Whether this process holds LOCK (its cluster is up).
_HOLDING = False


class ClusterError(RuntimeError):
    """The test cluster could not be installed, started or stopped."""


@dataclass(frozen=True)
class SlurmCluster:
    """A running single-node cluster: its folder, node, partition and daemons' PIDs."""

    workdir: Path
    node: str
    partition: str
    controller_pid: int
    node_pid: int
    munge_pid: int

    def stop_controller(self) -> None:
        """SIGTERM slurmctld (the cluster goes down for clients) and wait until it has exited."""
        os.kill(self.controller_pid, signal.SIGTERM)
        stat = Path(f"/proc/{self.controller_pid}/stat")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    return
            except (OSError, IndexError):
                return
            time.sleep(0.1)
        raise ClusterError(f"slurmctld (PID {self.controller_pid}) did not exit within 15 s")

    def log(self, daemon: str) -> str:
        """The tail of a daemon's log (slurmctld, slurmd or munged), for failure messages."""
        path = self.workdir / f"{daemon}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"


def ensure_slurm() -> None:
    """Raise ClusterError, naming the packages, when Slurm or munge is not installed."""
    need = system_packages.NEEDS["slurm"]
    if not need.installed():
        raise ClusterError(
            f"Slurm is not installed: run `make test` as root, which installs it, or "
            f"`sudo apt-get install --no-install-recommends {' '.join(need.packages)}`."
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _node_memory_mb() -> int:
    """MemTotal less 1 GiB: slurmd refuses a node that has less than its RealMemory."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024 - 1024
    raise ClusterError("/proc/meminfo has no MemTotal line")


def slurm_conf(workdir: Path, host: str) -> str:
    """The cluster's slurm.conf (keys measured to work: shared/notes/slurm_single_node.md)."""
    lines = [
        MARKER,
        "ClusterName=fixturepipe",
        f"SlurmctldHost={host}(127.0.0.1)",
        f"SlurmctldPort={_free_port()}",
        f"SlurmdPort={_free_port()}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={workdir / 'munge' / 'munge.socket'}",
        f"StateSaveLocation={workdir / 'state'}",
        f"SlurmdSpoolDir={workdir / 'spool'}",
        f"SlurmctldPidFile={workdir / 'slurmctld.pid'}",
        f"SlurmdPidFile={workdir / 'slurmd.pid'}",
        f"SlurmctldLogFile={workdir / 'slurmctld.log'}",
        f"SlurmdLogFile={workdir / 'slurmd.log'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        # Without it a job without --mem takes the whole node and jobs run one at a time.
        "DefMemPerCPU=512",
        "MpiDefault=none",
        "ReturnToService=2",
        # squeue (the profile's status command) sees a finished job for 10 minutes.
        "MinJobAge=600",
        "MailProg=/bin/true",
        f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} "
        f"RealMemory={_node_memory_mb()} State=UNKNOWN",
        f"PartitionName={PARTITION} Default=YES Nodes=ALL MaxTime=INFINITE State=UP",
        "",
    ]
    return "\n".join(lines)


@contextmanager
def _machine_lock() -> Iterator[None]:
    """One test cluster per machine at a time (slurm.conf has one path).

    Another process's cluster is waited for; this process's own is an error at once,
    since waiting on it would only run out the clock (a flock on a second open file
    blocks in the same process too).
    """
    global _HOLDING
    if _HOLDING:
        raise ClusterError(
            "This process already runs a Slurm test cluster: one test asked for a second "
            "before the first was stopped (a module fixture still up while another "
            "module's test starts its own?)."
        )
    with LOCK.open("a") as fh:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ClusterError(
                        f"Another test session has held {LOCK} for {LOCK_WAIT_SECONDS:.0f} s "
                        "(its Slurm test cluster is still up); wait for it or end it."
                    ) from None
                time.sleep(0.5)
        _HOLDING = True
        try:
            yield
        finally:
            _HOLDING = False
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_conf(text: str) -> None:
    if SLURM_CONF.exists() and not SLURM_CONF.read_text().startswith(MARKER):
        raise ClusterError(
            f"{SLURM_CONF} exists and was not written by the tests (a real Slurm "
            "configuration?); the test cluster needs that path and will not overwrite it."
        )
    SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
    tmp = SLURM_CONF.with_suffix(".conf.fixturepipe-tmp")
    tmp.write_text(text)
    tmp.replace(SLURM_CONF)


def _start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM one daemon we started, by PID; SIGKILL if it has not exited in 15 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_until(what: str, check, procs: list[subprocess.Popen[bytes]], logs: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise ClusterError(f"{proc.args[0]} exited with {proc.returncode}: {logs()}")
        if check():
            return
        time.sleep(0.2)
    raise ClusterError(f"The test cluster did not {what} within {START_SECONDS:.0f} s: {logs()}")


def node_state() -> str:
    """What ``sinfo`` says of the node (idle, mix, alloc, down...), '' when it cannot tell."""
    proc = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else ""


@contextmanager
def running_cluster(workdir: Path) -> Iterator[SlurmCluster]:
    """Start munged, slurmctld and slurmd on loopback; stop each by PID afterwards."""
    ensure_slurm()
    if os.geteuid() != 0:
        raise ClusterError("The Slurm test cluster runs its daemons as root: run the tests as root")
    workdir.mkdir(parents=True, exist_ok=True)
    for sub in ("munge", "state", "spool"):
        (workdir / sub).mkdir(mode=0o700, exist_ok=True)
    host = socket.gethostname().split(".")[0]
    key = workdir / "munge" / "munge.key"
    subprocess.run(["mungekey", "--create", f"--keyfile={key}"], check=True, capture_output=True)
    procs: list[subprocess.Popen[bytes]] = []
    with _machine_lock():
        _write_conf(slurm_conf(workdir, host))
        try:
            munge = _start(
                [
                    "munged", "--foreground", "--force", f"--key-file={key}",
                    f"--socket={workdir / 'munge' / 'munge.socket'}",
                    f"--pid-file={workdir / 'munge' / 'munged.pid'}",
                    f"--seed-file={workdir / 'munge' / 'munged.seed'}",
                    f"--log-file={workdir / 'munged.log'}",
                ],
                workdir / "munged.stdout",
            )
            procs.append(munge)
            cluster_logs = lambda: "".join(  # noqa: E731
                f"\n--- {d}.log ---\n{(workdir / f'{d}.log').read_text(errors='replace')[-2000:]}"
                for d in ("munged", "slurmctld", "slurmd")
                if (workdir / f"{d}.log").exists()
            )
            _wait_until("start munged", (workdir / "munge" / "munge.socket").exists, procs,
                        cluster_logs)
            controller = _start(["slurmctld", "-D", "-i"], workdir / "slurmctld.stdout")
            procs.append(controller)
            node = _start(["slurmd", "-D"], workdir / "slurmd.stdout")
            procs.append(node)
            _wait_until("bring its node to idle", lambda: node_state() == "idle", procs,
                        cluster_logs)
            yield SlurmCluster(workdir, host, PARTITION, controller.pid, node.pid, munge.pid)
        finally:
            if len(procs) == 3 and procs[1].poll() is None:
                # Cancel what is left while the controller can still tell slurmd.
                with suppress(subprocess.TimeoutExpired):
                    subprocess.run(["scancel", "--full", f"--partition={PARTITION}"],
                                   capture_output=True, timeout=30)
            for proc in reversed(procs):
                _stop(proc)
            SLURM_CONF.unlink(missing_ok=True)


def main() -> int:
    """Keep a test cluster up until Ctrl-C (for manual runs and bench/bench_cluster.py)."""
    workdir = Path(tempfile.mkdtemp(prefix="fixturepipe-slurm-"))
    try:
        with running_cluster(workdir) as cluster:
            print(f"Slurm test cluster up (partition {cluster.partition}, folder {workdir}); "
                  "Ctrl-C stops it.", flush=True)
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            with suppress(KeyboardInterrupt):
                signal.pause()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
