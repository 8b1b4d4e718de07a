"""Benchmark the gated-delta-rule family's mutation run: time, sample size, score, diagnoses.

Runs `snakemake -jN mutants --config kernels=<k>` once per kernel in this
repository (not a scratch copy: the kill matrices it leaves under
artifacts/mutants/ are the run's product, and the golden fixtures must be
pulled first, `dvc pull`). A kernel given `--sample k=N` runs the stated sample
of `mutants.sample` (at most N mutants per operator, by name hash; an overlay
config file, config/config.yaml untouched), so the figures say "X of Y".

Per kernel it reports the wall time, the mutant jobs' own seconds (from their
provenance files), the scores of the kill matrix and how many killed mutants
the verify diagnosis explains (a killed mutant is explained when, on some
fixture that killed it, `fixturepipe.diagnosis` found a sentence; mutants
killed only by a fault, e.g. `bounds` or `crash`, have no output to diagnose).
The section "Mutation testing: the gated-delta-rule family" of BENCHMARKS.md is
replaced with the figures.

Run under nice on a shared machine:
``nice -n 15 .venv/bin/python bench/bench_family_mutants.py --jobs 2 --sample recompute_w_u=3``
(`--reuse` re-reads the kill matrices of the last run without running anything.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_md import machine, publish
from scratch_project import REPO, environment, snakemake

from fixturepipe import paths

SECTION = "Mutation testing: the gated-delta-rule family"
FAMILY = ("chunk_local_cumsum", "chunk_scaled_dot_kkt", "recompute_w_u",
          "chunk_gated_delta_rule_fwd_h", "chunk_fwd_o")
FAULTS = {"crash", "timeout", "race", "barrier_divergence", "bounds"}


def grid(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A Markdown table's lines (benchmarks_md.table has two columns only)."""
    return [f"| {' | '.join(header)} |", "|" + "---|" * len(header),
            *(f"| {' | '.join(r)} |" for r in rows)]


def explained(matrix: dict) -> dict[str, int]:
    """Killed mutants: how many the diagnosis explains, how many died by a fault only."""
    killed = [r for r in matrix["mutants"] if r["status"] == "killed"]
    diagnosed = sum(1 for r in killed if r.get("diagnoses"))
    fault_only = sum(
        1 for r in killed
        if all(set(by) <= FAULTS for by in r["cells"].values() if by)
    )
    return {"killed": len(killed), "diagnosed": diagnosed, "fault_only": fault_only}


def job_seconds(matrix: dict) -> list[float]:
    """Wall seconds of the kill matrix's mutant jobs, from their provenance files."""
    files = [REPO / paths.mutant_result_provenance(matrix["kernel"], r["name"])
             for r in matrix["mutants"]]
    return [json.loads(p.read_text())["seconds"] for p in files if p.exists()]


def run_record(kernel: str) -> Path:
    """Where a run's wall time and exit code are kept, so `--reuse` can report them."""
    return REPO / paths.mutants_dir(kernel) / "bench_run.json"


def run_kernel(kernel: str, per_operator: int | None, jobs: int) -> dict:
    """Run the kernel's mutants (its sample when `per_operator`); its run record."""
    args = [f"-j{jobs}", "mutants", "--config", f"kernels={kernel}"]
    with tempfile.TemporaryDirectory(prefix="bench_family-") as tmp:
        if per_operator is not None:
            overlay = Path(tmp) / "sample.yaml"
            overlay.write_text(json.dumps({"mutants": {"sample": {kernel: per_operator}}}))
            args += ["--configfile", str(overlay)]
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load = os.getloadavg()[0]
        run = snakemake(REPO, environment(), *args)
    if not (REPO / paths.kill_matrix_file(kernel)).exists():
        print(run.output[-5000:], file=sys.stderr)
    record = {"wall": round(run.seconds, 1), "exit": run.returncode, "jobs": jobs,
              "started": started, "load": round(load, 1)}
    run_record(kernel).write_text(json.dumps(record))
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="snakemake -j (default 2)")
    parser.add_argument("--kernels", default=",".join(FAMILY[1:]),
                        help="comma-separated kernels (default: the family but cumsum)")
    parser.add_argument("--sample", action="append", default=[], metavar="KERNEL=N",
                        help="run at most N mutants per operator of KERNEL (repeatable)")
    parser.add_argument("--reuse", action="store_true",
                        help="report the last run's kill matrices, run nothing")
    parser.add_argument("--note", default="", help="a sentence about how the runs were made")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    samples = {k: int(n) for k, n in (s.split("=", 1) for s in args.sample)}
    kernels = [k for k in args.kernels.split(",") if k]
    load = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    rows, scores, walls = [], [], {}
    for kernel in kernels:
        if args.reuse:
            found = run_record(kernel)
            record = json.loads(found.read_text()) if found.exists() else {}
        else:
            record = run_kernel(kernel, samples.get(kernel), args.jobs)
        wall, code = record.get("wall"), record.get("exit")
        matrix = json.loads((REPO / paths.kill_matrix_file(kernel)).read_text())
        sample = matrix.get("sample")
        c, s = matrix["counts"], matrix["score"]
        job_s = job_seconds(matrix)
        why = explained(matrix)
        walls[kernel] = wall
        size = (f"{sample['run']} of {sample['of']} (<= {sample['per_operator']}/operator)"
                if sample else f"{c['total']} (all)")
        rows.append((
            f"`{kernel}`", size, str(len(matrix["fixtures"])),
            "-" if wall is None else f"{wall:.0f} (-j{record['jobs']}, load {record['load']})",
            f"{statistics.median(job_s):.1f} / {max(job_s):.1f}" if job_s else "-",
            f"{sum(job_s):.0f}" if job_s else "-",
            f"{c['killed']} / {c['survived']} / {c['equivalent']} / {c['stillborn']}",
            "-" if code is None else str(code),
        ))
        pct = ("n/a" if s["matrix"]["score"] is None
               else f"{100 * s['matrix']['score']:.1f}% ({s['matrix']['killed']}/"
                    f"{s['matrix']['scored']})")
        seed = ("n/a" if s["seed"]["score"] is None
                else f"{100 * s['seed']['score']:.1f}% ({s['seed']['killed']}/"
                     f"{s['seed']['scored']})")
        scores.append((f"`{kernel}`", "sample" if sample else "all mutants", pct, seed,
                       f"{why['diagnosed']} of {why['killed']}",
                       f"{why['fault_only']}"))
        print(f"{kernel}: {size}, wall {wall}, score {pct}, seed {seed}, "
              f"diagnosed {why['diagnosed']}/{why['killed']}", file=sys.stderr)

    sampled = ", ".join(f"{k}={n}" for k, n in samples.items())
    command = ("nice -n 15 .venv/bin/python bench/bench_family_mutants.py "
               f"--jobs {args.jobs} --kernels {','.join(kernels)}"
               + "".join(f" --sample {k}={n}" for k, n in samples.items()))
    total = sum(w for w in walls.values() if w is not None)
    text = "\n".join([
        f"## {SECTION}",
        "",
        f"One `snakemake -j{args.jobs} mutants --config kernels=<kernel>` per kernel, CPU "
        "executor, on the default fixture matrix (config/config.yaml); sampled kernels ran "
        "the stated sample `mutants.sample` (at most N mutants per operator, chosen by the "
        "sha256 of the name; docs/mutants.md \"Sampling\"), so their scores are over the sample.",
        f"Machine: {machine()}; "
        + ("each run's 1-minute load average at its start is beside its wall time"
           if args.reuse else f"1-minute load average {load:.1f} at the start ({started})")
        + "; other sessions share the 2 cores, so times are upper bounds.",
        f"Command: `{command}`" + (f" (samples: {sampled})" if sampled else "")
        + (f". {args.note}" if args.note else ""),
        "",
        *grid(("kernel", "mutants run", "fixtures", "wall s", "job s median / max",
               "job s sum", "killed / survived / equivalent / stillborn", "gate exit"), rows),
        "",
        f"Sum of the runs' wall times: {total:.0f} s ({total / 60:.1f} min)." if total else "",
        "",
        *grid(("kernel", "scope", "score, whole matrix", "score, seed fixture alone",
               "killed mutants the diagnosis explains", "killed by a fault only"), scores),
        "",
        "A killed mutant is explained when, on a fixture that killed it, the verify diagnosis "
        "(`fixturepipe.diagnosis`) found a sentence for its output; a mutant killed only by a "
        "fault (bounds, crash, race, timeout) left no output to diagnose.",
        "",
    ])
    publish(SECTION, text, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
