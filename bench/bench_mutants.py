"""Benchmark `snakemake -j4 mutants`: mutants per second and total time for one kernel.

Copies the project (Snakefile, rules, scripts, kernels, config, package source)
into a scratch folder so the repository's artifacts are untouched, then times,
on the default fixture matrix of config/config.yaml:

* the DAG build (`snakemake -n mutants`: mutant derivation included),
* the full run from nothing (fixtures generated, every mutant on every fixture),
  with an empty CPU-executor compile cache,
* a rerun with everything up to date (only the gate runs),
* the mutant jobs again with the compile cache now warm (artifacts/mutants
  deleted, fixtures kept): the floor without compilation.

Per-job times come from the mutant jobs' provenance files. The section
"Mutation testing" of BENCHMARKS.md is replaced with the figures.

Run: ``.venv/bin/python bench/bench_mutants.py [--jobs 4] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks_md import machine, publish, table
from scratch_project import copy_project, environment, snakemake

from fixturepipe import paths

SECTION = "Mutation testing"
KERNEL = "chunk_tri_solve_invert"
ONLY = ("--config", f"kernels={KERNEL}")  # the mutants target covers every kernel otherwise


def job_seconds(kernel_dir: Path) -> list[float]:
    """Wall seconds of every mutant job, from their provenance files."""
    return [json.loads(p.read_text())["seconds"]
            for p in (kernel_dir / "results").glob("*.provenance.json")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4, help="snakemake -j (default 4)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="bench_mutants-") as tmp:
        root = copy_project(Path(tmp) / "project")
        env = environment(root, FIXTUREPIPE_CACHE_DIR=str(Path(tmp) / "compile-cache"))
        dag = snakemake(root, env, "-n", "mutants", *ONLY)
        if dag.returncode != 0:
            print(dag.output, file=sys.stderr)
            return 1
        full = snakemake(root, env, f"-j{args.jobs}", "mutants", *ONLY)
        kdir = root / paths.mutants_dir(KERNEL)
        matrix_path = root / paths.kill_matrix_file(KERNEL)
        if not matrix_path.exists():  # jobs failed, not just the survivor gate
            print(full.output[-5000:], file=sys.stderr)
            return 1
        rerun = snakemake(root, env, f"-j{args.jobs}", "mutants", *ONLY)
        matrix = json.loads(matrix_path.read_text())
        job_s = job_seconds(kdir)
        summary = next((ln for ln in full.output.splitlines()
                        if ln.startswith(f"mutants {KERNEL}:")), "")
        shutil.rmtree(kdir)
        warm = snakemake(root, env, f"-j{args.jobs}", "mutants", *ONLY)
        warm_job_s = job_seconds(kdir)

    n = matrix["counts"]["total"]
    fixtures = len(matrix["fixtures"])
    rows = [
        ("mutants (fixtures per mutant)", f"{n} ({fixtures})"),
        ("DAG build, `snakemake -n mutants`", f"{dag.seconds:.1f} s"),
        (f"full run from nothing, `snakemake -j{args.jobs} mutants`, empty compile cache",
         f"{full.seconds:.1f} s"),
        ("mutants per second (full run)", f"{n / full.seconds:.2f}"),
        ("mutant job, median / max", f"{statistics.median(job_s):.2f} s / {max(job_s):.2f} s"),
        ("mutant jobs, sum (CPU-serial)", f"{sum(job_s):.1f} s"),
        ("rerun, all up to date", f"{rerun.seconds:.1f} s"),
        ("mutant jobs again, compile cache warm", f"{warm.seconds:.1f} s"),
        ("mutants per second (warm cache)", f"{n / warm.seconds:.2f}"),
        ("mutant job, median (warm cache)", f"{statistics.median(warm_job_s):.2f} s"),
        ("gate exit code (1 = unlisted survivors)", str(full.returncode)),
    ]
    text = "\n".join([
        f"## {SECTION}",
        "",
        f"`{KERNEL}` on the default fixture matrix (config/config.yaml), CPU executor.",
        f"Machine: {machine()}; 1-minute load average {load:.1f} at start "
        "(other work shares the cores).",
        f"Command: `.venv/bin/python bench/bench_mutants.py --jobs {args.jobs}` "
        f"(`snakemake -j{args.jobs} mutants --config kernels={KERNEL}`)",
        "",
        *table(rows),
        "",
        f"Result: {summary}",
        "",
    ])
    publish(SECTION, text, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
