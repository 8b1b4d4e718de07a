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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_md import BENCHMARKS_MD, machine, write_section

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
SECTION = "Mutation testing"
KERNEL = "chunk_tri_solve_invert"


def copy_project(dest: Path) -> None:
    """The files a Snakemake run reads, without artifacts or caches."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copy(REPO / "Snakefile", dest / "Snakefile")
    for folder in ("rules", "scripts", "kernels", "config"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    shutil.copytree(REPO / "src" / "fixturepipe", dest / "src" / "fixturepipe", ignore=ignore)


def snakemake(root: Path, env: dict[str, str], *args: str) -> tuple[float, int, str]:
    """(seconds, exit code, combined output) of one Snakemake invocation."""
    start = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "snakemake"), *args], cwd=root, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - start, proc.returncode, proc.stdout + proc.stderr


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
        root = Path(tmp) / "project"
        root.mkdir()
        copy_project(root)
        env = dict(os.environ, PYTHONPATH=str(root / "src"),
                   PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        env["FIXTUREPIPE_CACHE_DIR"] = str(Path(tmp) / "compile-cache")
        dag_s, code, out = snakemake(root, env, "-n", "mutants")
        if code != 0:
            print(out, file=sys.stderr)
            return 1
        full_s, full_code, out = snakemake(root, env, f"-j{args.jobs}", "mutants")
        kdir = root / "artifacts" / "mutants" / KERNEL
        matrix_path = kdir / "kill_matrix.json"
        if not matrix_path.exists():  # jobs failed, not just the survivor gate
            print(out[-5000:], file=sys.stderr)
            return 1
        rerun_s, _, _ = snakemake(root, env, f"-j{args.jobs}", "mutants")
        matrix = json.loads(matrix_path.read_text())
        job_s = job_seconds(kdir)
        summary = next((ln for ln in out.splitlines() if ln.startswith(f"mutants {KERNEL}:")), "")
        shutil.rmtree(kdir)
        warm_s, _, _ = snakemake(root, env, f"-j{args.jobs}", "mutants")
        warm_job_s = job_seconds(kdir)

    n = matrix["counts"]["total"]
    fixtures = len(matrix["fixtures"])
    rows = [
        ("mutants (fixtures per mutant)", f"{n} ({fixtures})"),
        ("DAG build, `snakemake -n mutants`", f"{dag_s:.1f} s"),
        (f"full run from nothing, `snakemake -j{args.jobs} mutants`, empty compile cache",
         f"{full_s:.1f} s"),
        ("mutants per second (full run)", f"{n / full_s:.2f}"),
        ("mutant job, median / max", f"{statistics.median(job_s):.2f} s / {max(job_s):.2f} s"),
        ("mutant jobs, sum (CPU-serial)", f"{sum(job_s):.1f} s"),
        ("rerun, all up to date", f"{rerun_s:.1f} s"),
        ("mutant jobs again, compile cache warm", f"{warm_s:.1f} s"),
        ("mutants per second (warm cache)", f"{n / warm_s:.2f}"),
        ("mutant job, median (warm cache)", f"{statistics.median(warm_job_s):.2f} s"),
        ("gate exit code (1 = unlisted survivors)", str(full_code)),
    ]
    text = "\n".join([
        f"## {SECTION}",
        "",
        f"`{KERNEL}` on the default fixture matrix (config/config.yaml), CPU executor.",
        f"Machine: {machine()}; 1-minute load average {load:.1f} at start "
        "(other work shares the cores).",
        f"Command: `.venv/bin/python bench/bench_mutants.py --jobs {args.jobs}`",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
        f"Result: {summary}",
        "",
    ])
    print(text)
    if not args.no_write:
        write_section(BENCHMARKS_MD, SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
