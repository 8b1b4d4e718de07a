"""Benchmark profiles/slurm: the mutation run locally vs through a single-node Slurm.

Starts the test cluster of tests/slurm_cluster.py (root; Debian's Slurm is
installed if missing) on this machine, then, each in its own scratch copy of
the project (the compile cache warmed once before, so neither run compiles more
than the other):

* an empty job through Slurm (`snakemake --profile profiles/slurm` of a
  one-rule workflow running `true`) against the same locally: the per-job
  overhead of submission, polling and the job's own Snakemake start;
* `snakemake -j<cores> mutants` on config/config.yaml (the default matrix);
* `snakemake --profile profiles/slurm mutants` on the same: Slurm jobs
  submitted, each batch's time from start to end in Slurm (squeue keeps
  finished jobs for MinJobAge), total.

From the measured mean batch time it projects the Slurm run on N nodes of the
same cores: batches run N*cores at a time, each wave costing the mean batch
time plus the measured polling latency. The section "Cluster" of BENCHMARKS.md
is replaced with the figures.

Run: ``.venv/bin/python bench/bench_cluster.py [--fixtures N] [--no-write]``
(``--fixtures N`` keeps the first N fixtures of the matrix, for a quicker look).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml
from benchmarks_md import BENCHMARKS_MD, machine, write_section

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
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


def copy_project(dest: Path, fixtures: int | None) -> None:
    """The files a Snakemake run reads (and both profiles), without artifacts."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    dest.mkdir(parents=True)
    shutil.copy(REPO / "Snakefile", dest / "Snakefile")
    for folder in ("rules", "scripts", "kernels", "config", "profiles"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    shutil.copytree(REPO / "src" / "fixturepipe", dest / "src" / "fixturepipe", ignore=ignore)
    if fixtures is not None:
        config_path = dest / "config" / "config.yaml"
        config = yaml.safe_load(config_path.read_text())
        config["fixtures"] = config["fixtures"][:fixtures]
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))


def snakemake(root: Path, env: dict[str, str], *args: str) -> tuple[float, str]:
    """(wall seconds, combined output) of one Snakemake run; exits on failure of a job."""
    start = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "snakemake"), *args], cwd=root, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    # The mutants gate exits 1 for unlisted survivors; a failed job is another matter.
    if proc.returncode != 0 and ("Error in rule" in out or "Error in group" in out):
        sys.exit(f"snakemake {' '.join(args)} failed in {root}:\n{out[-5000:]}")
    return seconds, out


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=int, help="keep only the first N fixtures")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="bench_cluster-") as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SBATCH_")}
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env["FIXTUREPIPE_CACHE_DIR"] = str(tmp / "compile-cache")
        with running_cluster(tmp / "slurm"):
            # The empty job: Slurm's share of one job, with nothing to do.
            for name in ("empty-local", "empty-slurm"):
                (tmp / name).mkdir()
                (tmp / name / "Snakefile").write_text(EMPTY_SNAKEFILE)
                shutil.copytree(REPO / "profiles" / "slurm", tmp / name / "slurm")
            empty_local, _ = snakemake(tmp / "empty-local", env, "-j1", "done_1.txt")
            empty_slurm, _ = snakemake(tmp / "empty-slurm", env, "--profile", "slurm",
                                       "done_1.txt")

            warm = tmp / "warm"
            copy_project(warm, args.fixtures)
            proj_env = dict(env, PYTHONPATH=str(warm / "src"))
            snakemake(warm, proj_env, f"-j{cores}", "mutants")  # compiles every mutant once

            local = tmp / "local"
            copy_project(local, args.fixtures)
            local_s, local_out = snakemake(local, dict(env, PYTHONPATH=str(local / "src")),
                                           f"-j{cores}", "mutants")
            remote = tmp / "slurm-run"
            copy_project(remote, args.fixtures)
            slurm_s, slurm_out = snakemake(remote, dict(env, PYTHONPATH=str(remote / "src")),
                                           "--profile", "profiles/slurm", "mutants")
            ids = SUBMITTED.findall(slurm_out)
            batches = batch_seconds(ids)
            results = local / "artifacts" / "mutants"
            mutants = len(list(results.glob("*/results/*.provenance.json")))
            same = all(
                (remote / p.relative_to(local)).read_bytes() == p.read_bytes()
                for p in results.glob("*/kill_matrix.json")
            )
            local_jobs = local_out.count("Finished jobid")
            profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())

    overhead = empty_slurm - empty_local
    mean_batch = sum(batches) / len(batches)
    waves = {n: math.ceil(len(batches) / (n * cores)) for n in (1, 2, 4, 8, 16, 32)}
    projection = {n: overhead + w * mean_batch for n, w in waves.items()}
    sizes = ", ".join(profile["group-components"])
    rows = [
        ("empty job: local `snakemake -j1`", f"{empty_local:.1f} s"),
        ("empty job: through Slurm (submit, poll, jobstep Snakemake)", f"{empty_slurm:.1f} s"),
        ("per-job Slurm overhead (difference)", f"{overhead:.1f} s"),
        (f"mutation run, local `snakemake -j{cores} mutants`",
         f"{local_s:.1f} s, {local_jobs} jobs, {mutants} mutants"),
        ("mutation run, `snakemake --profile profiles/slurm mutants`",
         f"{slurm_s:.1f} s, {len(ids)} Slurm jobs ({sizes})"),
        ("batch in Slurm, mean / max (start to end)",
         f"{mean_batch:.1f} s / {max(batches):.1f} s"),
        ("kill matrix identical to the local run", "yes" if same else "NO"),
    ]
    text = "\n".join([
        f"## {SECTION}",
        "",
        "Mutation run of the default matrix (config/config.yaml"
        + (f", first {args.fixtures} fixtures" if args.fixtures else "")
        + "), locally and through profiles/slurm on a single-node Slurm on the same machine "
        "(tests/slurm_cluster.py; the node has the machine's cores); compile cache warmed "
        "before both runs.",
        f"Machine: {machine()}; 1-minute load average {load:.1f} at start (other work "
        "shares the cores, so wall times are noisy; the empty-job overhead is the figure to "
        "trust).",
        "Command: `.venv/bin/python bench/bench_cluster.py"
        + (f" --fixtures {args.fixtures}" if args.fixtures else "") + "`",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
        f"Projection for N nodes of {cores} cores: {len(batches)} batches run N x {cores} at a "
        "time; each wave costs the mean batch time, plus one per-job overhead: "
        + ", ".join(f"N={n}: {s:.0f} s" for n, s in projection.items())
        + f" (local on this machine: {local_s:.0f} s). Batches are 1-CPU jobs of "
        "`group-components` members each; docs/cluster.md says how to size them.",
        "",
    ])
    print(text)
    if not args.no_write:
        write_section(BENCHMARKS_MD, SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
