"""Running the pipeline on a Slurm cluster: job batches, a preflight and a watchdog.

Used by the Snakefile (``batch_jobs`` once the rules exist, ``check_slurm`` on
start) with ``snakemake --profile profiles/slurm``; docs/cluster.md explains the
choices. Nothing here changes a local run: Snakemake ignores job groups unless
it submits jobs to a cluster, and the other two act only under ``--executor slurm``.

Why each piece exists (measured on a single-node Slurm, BENCHMARKS.md "Cluster"):

* A Slurm job costs about 12 s of submission and status polling, against about
  0.2 s of work for one of our jobs, so jobs are grouped: every job of one
  fixture (inputs -> reference -> kernel -> compare, reproduce) forms the group
  ``fixture``, every mutant job the group ``mutants``; the profile's
  ``group-components`` sets how many fixtures or mutants share one Slurm job.
* snakemake-executor-plugin-slurm 2.8 runs a group's jobs one at a time, each
  through ``srun`` and a nested Snakemake (its issue #469), about 4 s apiece.
  Inside a cluster job (``--mode remote``) every rule is therefore declared
  local, so the job's own Snakemake runs them directly.
* The plugin never notices a controller that does not answer: a failed status
  query leaves every job "running", forever (with ``sacct`` on a cluster
  without accounting, from the first poll). ``check_slurm`` refuses to start
  when the status command fails, and a watchdog ends the run with a clear
  error when the controller stops answering.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

FIXTURE_GROUP = "fixture"
MUTANT_GROUP = "mutants"
# A controller silent for this long ends the run (overridable for tests and slow sites).
DOWN_SECONDS_ENV = "FIXTUREPIPE_SLURM_DOWN_SECONDS"
DEFAULT_DOWN_SECONDS = 120.0
POLL_SECONDS = 10.0
COMMAND_TIMEOUT = 20.0
# After asking Snakemake to stop, give it this long to cancel jobs and release its lock.
STOP_GRACE_SECONDS = 60.0


class SlurmUnavailableError(RuntimeError):
    """The Slurm controller or the configured status command does not work."""


def batch_jobs(workflow: Any) -> None:
    """Put per-fixture and per-mutant rules into their groups; inside a cluster job, run all here.

    A rule joins a group by its wildcards (``{fixture}`` or ``{mutant}``), so a
    new kernel's rules are grouped without naming them anywhere. Snakemake uses
    groups only when it submits jobs (and shows them in dry runs); a group given
    on the command line (``--groups``) still wins.
    """
    if workflow.remote_exec:
        # Inside the batch's Slurm job: no regrouping (it would `srun` a nested Snakemake
        # per fixture again); every job runs in this process.
        workflow.localrules(*(rule.name for rule in workflow.rules))
        return
    for rule in workflow.rules:
        wildcards = set(rule.wildcard_names)
        if "mutant" in wildcards:
            rule.group = MUTANT_GROUP
        elif "fixture" in wildcards:
            rule.group = FIXTURE_GROUP
    # A rule without wildcards runs once per run and aggregates (a kill matrix, the
    # checksums, the verdict): cheaper on the submitting host than as a 12 s Slurm job.
    workflow.localrules(*(rule.name for rule in workflow.rules if not rule.wildcard_names))


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        why = f"no answer within {COMMAND_TIMEOUT:.0f} s"
        return subprocess.CompletedProcess(cmd, 124, "", why)
    except FileNotFoundError:
        return subprocess.CompletedProcess(cmd, 127, "", f"{cmd[0]} is not installed")


def _why(proc: subprocess.CompletedProcess[str]) -> str:
    return (proc.stderr.strip() or proc.stdout.strip() or f"exit code {proc.returncode}")[-500:]


def controller_answers() -> tuple[bool, str]:
    """(True, '') when ``squeue`` gets an answer from slurmctld, else (False, why)."""
    proc = _run(["squeue", "--noheader", "--user", str(os.getuid()), "--format=%i"])
    return proc.returncode == 0, _why(proc) if proc.returncode else ""


def effective_status_command(settings: Any) -> str:
    """The command the plugin will poll with, by its own rule.

    It uses ``sacct`` when asked, or when ``squeue`` is asked but MinJobAge is
    under three times the first-poll delay (squeue could miss finished jobs).
    """
    asked = getattr(settings, "status_command", None) or "sacct"
    if shutil.which("sacct") is None:
        return "squeue"
    if asked == "squeue":
        init = getattr(settings, "init_seconds_before_status_checks", None) or 40
        age = _min_job_age()
        if age is None or age < 3 * init:
            return "sacct"
    return asked


def _min_job_age() -> int | None:
    proc = _run(["scontrol", "show", "config"])
    for line in proc.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "MinJobAge":
            digits = value.strip().split(" ")[0]
            return int(digits) if digits.isdigit() else None
    return None


def preflight(settings: Any, resources: dict[str, Any]) -> list[str]:
    """Raise SlurmUnavailableError when a run would hang; else return notes for the log."""
    ok, why = controller_answers()
    if not ok:
        raise SlurmUnavailableError(
            f"The Slurm controller does not answer (squeue: {why}). Start the cluster "
            "(slurmctld, slurmd, munged) or check /etc/slurm/slurm.conf, then rerun; "
            "nothing was submitted."
        )
    command = effective_status_command(settings)
    if command == "sacct":
        proc = _run(["sacct", "--noheader", "--allocations", "--starttime", "now",
                     "--format=JobID"])
        if proc.returncode != 0:
            raise SlurmUnavailableError(
                f"Job status would be polled with sacct, which fails on this cluster "
                f"({_why(proc)}); the Slurm plugin would then wait forever. Use "
                "`--slurm-status-command squeue` (profiles/slurm does) with MinJobAge >= 3x "
                "--slurm-init-seconds-before-status-checks, or run slurmdbd."
            )
    notes = [f"Slurm: controller answers; job status polled with {command}."]
    if not resources.get("slurm_account"):
        notes.append(
            "Slurm: no account given (set SBATCH_ACCOUNT to pass one): jobs are submitted "
            "with the account the plugin guesses from sacct, else with your default account."
        )
    if not resources.get("slurm_partition"):
        notes.append(
            "Slurm: no partition given (set SBATCH_PARTITION to pass one): jobs go to the "
            "cluster's default partition."
        )
    return notes


def _down_seconds() -> float:
    value = os.environ.get(DOWN_SECONDS_ENV, "")
    try:
        return float(value) if value else DEFAULT_DOWN_SECONDS
    except ValueError:
        raise SlurmUnavailableError(
            f"{DOWN_SECONDS_ENV}={value!r} is not a number of seconds."
        ) from None


def _watch(down_seconds: float, release_lock: Callable[[], None]) -> None:
    """Poll the controller; after ``down_seconds`` of silence, stop Snakemake with a sentence.

    Snakemake may not stop in time: cancelling its jobs asks the silent controller too.
    The forced exit then releases Snakemake's lock on the working directory first, or
    the rerun the sentence promises would fail with "Directory cannot be locked"
    instead of saying the controller is down.
    """
    silent_since: float | None = None
    while True:
        time.sleep(POLL_SECONDS if silent_since is None else min(POLL_SECONDS, down_seconds / 4))
        ok, why = controller_answers()
        if ok:
            silent_since = None
            continue
        silent_since = silent_since or time.monotonic()
        if time.monotonic() - silent_since < down_seconds:
            continue
        print(
            f"Error: the Slurm controller has not answered for {down_seconds:.0f} s (squeue: "
            f"{why}); the Slurm plugin cannot see its jobs finish and would wait forever, so "
            "this run stops. Jobs still queued may run when the controller is back; finished "
            "outputs are kept, and rerunning the same command continues from them.",
            file=sys.stderr, flush=True,
        )
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(STOP_GRACE_SECONDS)
        release_lock()
        print("Error: Snakemake did not stop after the Slurm controller went away; exiting "
              "(its lock on the working directory is released).", file=sys.stderr, flush=True)
        os._exit(1)


def check_slurm(workflow: Any) -> None:
    """On start of a run with ``--executor slurm``: preflight, then the watchdog thread.

    A failed preflight is a WorkflowError: Snakemake prints the sentence and
    exits non-zero before submitting anything.
    """
    plugin = getattr(workflow, "executor_plugin", None)
    if plugin is None or plugin.name != "slurm":
        return
    defaults = workflow.resource_settings.default_resources or {}
    resources = {name: getattr(value, "raw", value) for name, value in defaults.items()}
    try:
        notes = preflight(workflow.executor_settings, resources)
        down_seconds = _down_seconds()
    except SlurmUnavailableError as exc:
        raise WorkflowError(str(exc)) from None
    for note in notes:
        logger.info(note)
    threading.Thread(target=_watch, args=(down_seconds, workflow.persistence.unlock),
                     name="slurm-watchdog",
                     daemon=True).start()
