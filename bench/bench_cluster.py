"""Benchmark profiles/slurm: the mutation run locally vs through a single-node Slurm.

Each run in its own scratch copy of the project (the compile cache warmed once
before, so neither run compiles more than the other); the test cluster of
tests/slurm_cluster.py (root; Debian's Slurm is installed if missing) is up for
the Slurm runs only:

* an empty job through Slurm (`snakemake --profile profiles/slurm` of a
  one-rule workflow running `true`) against the same locally: the per-job
  overhead of submission, polling and the job's own Snakemake start;
* `snakemake -j<cores> mutants` on config/config.yaml (the default matrix);
* `snakemake --profile profiles/slurm mutants` on the same: Slurm jobs
  submitted, each batch's time from start to end in Slurm (squeue keeps
  finished jobs for MinJobAge), total; then every kill_matrix.json of the two
  runs compared byte for byte (exit 1 when one differs).

From the measured mean batch time it projects the Slurm run on N nodes of the
same cores: batches run N*cores at a time, each wave costing the mean batch
time plus the measured polling latency. The section "Cluster" of BENCHMARKS.md
is replaced with the figures.

Run: ``.venv/bin/python bench/bench_cluster.py [--fixtures N] [--kernels K] [--no-write]``
(``--fixtures N`` keeps the first N fixtures of the matrix, for a quicker look;
``--kernels K`` runs only kernel K's mutants, ``--config kernels=K``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import yaml
from benchmarks_md import machine, publish, table
from scratch_project import REPO, Run, copy_project, environment
from scratch_project import snakemake as run_snakemake

from fixturepipe import paths

SECTION = "Cluster"
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+)")
# One job that does nothing, batched as the project's Snakefile batches (one Snakemake
# start inside its Slurm job).
EMPTY_SNAKEFILE = """\
from fixturepipe import cluster

rule empty:
    output: "done_{i}.txt"
    shell: "true > {output}"

cluster.batch_jobs(workflow)
"""

sys.path.insert(0, str(REPO / "tests"))
from slurm_cluster import running_cluster  # noqa: E402


def snakemake(root: Path, env: dict[str, str], *args: str) -> Run:
    """One timed Snakemake run; exits on failure of a job."""
    run = run_snakemake(root, env, *args)
    # The mutants gate exits 1 for unlisted survivors; a failed job is another matter.
    if run.returncode != 0 and ("Error in rule" in run.output or "Error in group" in run.output):
        sys.exit(f"snakemake {' '.join(args)} failed in {root}:\n{run.output[-5000:]}")
    return run


def batch_seconds(job_ids: list[str]) -> list[float]:
    """Start-to-end seconds of finished Slurm jobs, from squeue (MinJobAge keeps them)."""
    proc = subprocess.run(["squeue", "--states=all", "--noheader", "--format=%i|%S|%e",
                           "--jobs", ",".join(job_ids)], capture_output=True, text=True,
                          check=True)
    seconds = []
    for line in proc.stdout.splitlines():
        _, start, end = line.split("|")
        seconds.append((datetime.fromisoformat(end) - datetime.fromisoformat(start))
                       .total_seconds())
    return seconds


def matrix_differences(local: Path, remote: Path) -> list[str]:
    """What differs between two kill_matrix.json files: the mutants whose cells differ
    (local vs Slurm), else the top-level keys that do."""
    a, b = json.loads(local.read_text()), json.loads(remote.read_text())
    rows_a = {r["name"]: r for r in a.get("mutants", [])}
    rows_b = {r["name"]: r for r in b.get("mutants", [])}
    rows = [f"`{n}`: local {rows_a.get(n, {}).get('cells')} vs Slurm "
            f"{rows_b.get(n, {}).get('cells')}"
            for n in sorted(set(rows_a) | set(rows_b)) if rows_a.get(n) != rows_b.get(n)]
    keys = [f"key `{k}` differs" for k in sorted(set(a) | set(b))
            if k != "mutants" and a.get(k) != b.get(k)]
    return rows or keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=int, help="keep only the first N fixtures")
    parser.add_argument("--kernels", help="only these kernels' mutants (--config kernels=...)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    only = ("--config", f"kernels={args.kernels}") if args.kernels else ()

    with tempfile.TemporaryDirectory(prefix="bench_cluster-") as tmp_name:
        tmp = Path(tmp_name)
        cache = str(tmp / "compile-cache")

        def project(name: str) -> tuple[Path, dict[str, str]]:
            root = copy_project(tmp / name, args.fixtures)
            return root, environment(root, FIXTUREPIPE_CACHE_DIR=cache)

        # The local runs need no cluster (it is brought up only for the Slurm runs, so
        # the machine's one test cluster is held for as short a time as possible).
        snakemake(*project("warm"), f"-j{cores}", "mutants", *only)  # compiles every mutant
        local, local_env = project("local")
        local_run = snakemake(local, local_env, f"-j{cores}", "mutants", *only)
        for name in ("empty-local", "empty-slurm"):
            (tmp / name).mkdir()
            (tmp / name / "Snakefile").write_text(EMPTY_SNAKEFILE)
            shutil.copytree(REPO / "profiles" / "slurm", tmp / name / "slurm")
        env = environment(FIXTUREPIPE_CACHE_DIR=cache)
        empty_local = snakemake(tmp / "empty-local", env, "-j1", "done_1.txt").seconds
        with running_cluster(tmp / "slurm"):
            # The empty job: Slurm's share of one job, with nothing to do.
            empty_slurm = snakemake(tmp / "empty-slurm", env, "--profile", "slurm",
                                    "done_1.txt").seconds
            remote, remote_env = project("slurm-run")
            slurm_run = snakemake(remote, remote_env, "--profile", "profiles/slurm", "mutants",
                                  *only)
            ids = SUBMITTED.findall(slurm_run.output)
            batches = batch_seconds(ids)
        results = local / paths.MUTANTS_ROOT
        mutants = len(list(results.glob("*/results/*.provenance.json")))
        matrices = sorted(results.glob("*/kill_matrix.json"))
        same = bool(matrices) and all(
            (remote / p.relative_to(local)).read_bytes() == p.read_bytes() for p in matrices
        )
        differences = [d for p in matrices
                       for d in matrix_differences(p, remote / p.relative_to(local))]
        local_jobs = local_run.output.count("Finished jobid")
        profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())

    overhead = empty_slurm - empty_local
    mean_batch = sum(batches) / len(batches)
    waves = {n: math.ceil(len(batches) / (n * cores)) for n in (1, 2, 4, 8, 16, 32)}
    projection = {n: overhead + w * mean_batch for n, w in waves.items()}
    sizes = ", ".join(profile["group-components"])
    target = " ".join(("mutants", *only))
    rows = [
        ("empty job: local `snakemake -j1`", f"{empty_local:.1f} s"),
        ("empty job: through Slurm (submit, poll, jobstep Snakemake)", f"{empty_slurm:.1f} s"),
        ("per-job Slurm overhead (difference)", f"{overhead:.1f} s"),
        (f"mutation run, local `snakemake -j{cores} {target}`",
         f"{local_run.seconds:.1f} s, {local_jobs} jobs, {mutants} mutants"),
        (f"mutation run, `snakemake --profile profiles/slurm {target}`",
         f"{slurm_run.seconds:.1f} s, {len(ids)} Slurm jobs ({sizes})"),
        ("batch in Slurm, mean / max (start to end)",
         f"{mean_batch:.1f} s / {max(batches):.1f} s"),
        (f"kill_matrix.json byte-identical to the local run ({len(matrices)} kernel(s))",
         "yes" if same else "NO"),
    ]
    matrix = "the default matrix (config/config.yaml" + (
        f", first {args.fixtures} fixtures" if args.fixtures else "") + (
        f"; kernels {args.kernels}" if args.kernels else "") + ")"
    command = "".join((".venv/bin/python bench/bench_cluster.py",
                       f" --fixtures {args.fixtures}" if args.fixtures else "",
                       f" --kernels {args.kernels}" if args.kernels else ""))
    text = "\n".join([
        f"## {SECTION}",
        "",
        f"Mutation run of {matrix}, locally and through profiles/slurm on a single-node Slurm "
        "on the same machine (tests/slurm_cluster.py; the node has the machine's cores); "
        "compile cache warmed before both runs.",
        f"Machine: {machine()}; 1-minute load average {load:.1f} at start (other work "
        "shares the cores, so wall times are noisy; the empty-job overhead is the figure to "
        "trust).",
        f"Command: `{command}`",
        "",
        *table(rows),
        "",
        f"Projection for N nodes of {cores} cores: {len(batches)} batches run N x {cores} at a "
        "time; each wave costs the mean batch time, plus one per-job overhead: "
        + ", ".join(f"N={n}: {s:.0f} s" for n, s in projection.items())
        + f" (local on this machine: {local_run.seconds:.0f} s). Batches are 1-CPU jobs of "
        "`group-components` members each; docs/cluster.md says how to size them.",
        "",
    ])
    if differences:
        text = text.rstrip("\n") + "\n\nWhere the kill matrices differ:\n\n" + "".join(
            f"- {d}\n" for d in differences)
    publish(SECTION, text, not args.no_write)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
