"""What Snakemake's scheduler costs when thousands of jobs are ready at once.

Why: a mutation run makes every mutant job of a kernel ready at the same moment
(1253 for chunk_gated_delta_rule_fwd_h, 3211 chain jobs for the composite). Each
time a job ends, Snakemake chooses among *all* ready jobs: it stats their inputs
and solves an ILP over them, so a run's scheduling work grows with the square of
the ready set. py-spy on the composite's chain (3211 jobs) found the scheduler
busy on one of the machine's two cores. ``scheduler-subsample`` in
profiles/default/config.yaml hands the scheduler a random sample of that size
instead; this script measures the three ways on a workflow of N independent
one-line jobs (``cp``), whose own work is negligible, so the time is Snakemake's.

    .venv/bin/python bench/bench_scheduler.py            # N = 1000 and 3000, -j4
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from benchmarks_md import children_cpu, grid, machine, publish
from scratch_project import REPO, VENV_BIN

SECTION = "Snakemake's scheduler with thousands of ready jobs"
PROFILE = REPO / "profiles" / "default" / "config.yaml"

WORKFLOW = """\
import os
N = int(os.environ["BENCH_JOBS"])
rule all:
    input: expand("out/{i}.txt", i=range(N))
rule job:
    input: "in/{i}.txt"
    output: "out/{i}.txt"
    params: p=lambda w: {"i": w.i}
    shell: "cp {input} {output}"
"""


def timed_run(folder: Path, jobs: int, n: int, options: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of snakemake and its jobs) of one run making all N outputs."""
    for old in (folder / "out").glob("*.txt"):
        old.unlink()
    cpu, start = children_cpu(), time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "snakemake"), f"-j{jobs}", *options], cwd=folder,
                          env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "BENCH_JOBS": str(n)},
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"snakemake {' '.join(options)} failed:\n{proc.stderr[-3000:]}")
    return wall, children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000",
                        help="ready-job counts N (default 1000,3000)")
    parser.add_argument("--jobs", type=int, default=4, help="snakemake -j (default 4)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    subsample = int(yaml.safe_load(PROFILE.read_text())["scheduler-subsample"])
    ways = [("Snakemake's default (ILP over all ready jobs)", []),
            ("`--scheduler greedy`", ["--scheduler", "greedy"]),
            (f"`--scheduler-subsample {subsample}` (profiles/default)",
             ["--scheduler-subsample", str(subsample)])]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as tmp:
        folder = Path(tmp)
        (folder / "Snakefile").write_text(WORKFLOW)
        for n in (int(s) for s in args.sizes.split(",")):
            (folder / "in").mkdir(exist_ok=True)
            (folder / "out").mkdir(exist_ok=True)
            for i in range(n):
                (folder / "in" / f"{i}.txt").write_text(f"{i}\n")
            for label, options in ways:
                wall, cpu = timed_run(folder, args.jobs, n, options)
                print(f"N={n} {label}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
                rows.append((str(n), label, f"{wall:.1f}", f"{cpu:.1f}", f"{1000 * wall / n:.1f}"))
    text = "\n".join([
        f"## {SECTION}",
        "",
        f"N independent one-line jobs (`cp`), all ready at once, as a kernel's mutant jobs "
        f"are; `snakemake -j{args.jobs}`, one run each. The jobs' own work is negligible, so "
        "the time is Snakemake's: starting each job and choosing the next ones among the "
        "ready set. Why it matters and what the profile sets: bench/bench_scheduler.py.",
        f"Machine: {machine()}.",
        f"Command: `.venv/bin/python bench/bench_scheduler.py --sizes {args.sizes} "
        f"--jobs {args.jobs}`",
        "",
        *grid(("N ready jobs", "scheduler", "wall s", "CPU s", "wall ms per job"), rows),
        "",
    ])
    publish(SECTION, text, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
