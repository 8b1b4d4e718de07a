"""Benchmark the gated-delta-rule family's mutation run: one run, time, scores, diagnoses.

Runs one `snakemake -jN mutants --config kernels=<k1,k2,...>` over the family's
kernels in this repository (not a scratch copy: the kill matrices it leaves
under artifacts/mutants/ are the run's product, and the golden fixtures must be
pulled first, `dvc pull`), as issue 10 asks: the whole family's mutation time
on one commit. A kernel given `--sample k=N` runs the stated sample of
`mutants.sample` (at most N mutants per operator, by name hash; an overlay
config file, config/config.yaml untouched), so the figures say "X of Y".

It reports the run's wall and CPU seconds (its children's user + system time)
and, per kernel, the mutant jobs' own seconds (from their provenance files),
the scores of the kill matrix and how many killed mutants the verify diagnosis
explains (a killed mutant is explained when, on some fixture that killed it,
`fixturepipe.diagnosis` found a sentence; mutants killed only by a fault, e.g.
`bounds` or `crash`, have no output to diagnose). The section "Mutation
testing: the gated-delta-rule family" of BENCHMARKS.md is replaced with the
figures. The composite's stage-versus-end-to-end chain (docs/mutants.md) is not
part of it: pass the composite in `--kernels` to include it.

Run alone on the machine for a clean figure:
``.venv/bin/python bench/bench_family_mutants.py --jobs 4``
(`--reuse` re-reads the last run's record and kill matrices without running anything.)
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

from benchmarks_md import children_cpu, grid, machine, publish
from scratch_project import REPO, environment, snakemake

from fixturepipe import paths

SECTION = "Mutation testing: the gated-delta-rule family"
FAMILY = ("chunk_local_cumsum", "chunk_scaled_dot_kkt", "chunk_tri_solve_invert",
          "recompute_w_u", "chunk_gated_delta_rule_fwd_h", "chunk_fwd_o")
RUN_RECORD = REPO / paths.MUTANTS_ROOT / "bench_family_run.json"
FAULTS = {"crash", "timeout", "race", "barrier_divergence", "bounds"}


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


def run_family(kernels: list[str], samples: dict[str, int], jobs: int) -> dict:
    """One mutation run over ``kernels`` (samples where given); its record, also saved."""
    args = [f"-j{jobs}", "mutants", "--config", f"kernels={','.join(kernels)}"]
    with tempfile.TemporaryDirectory(prefix="bench_family-") as tmp:
        if samples:
            overlay = Path(tmp) / "sample.yaml"
            overlay.write_text(json.dumps({"mutants": {"sample": samples}}))
            args += ["--configfile", str(overlay)]
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load = os.getloadavg()[0]
        cpu = children_cpu()
        run = snakemake(REPO, environment(), *args)
        cpu = children_cpu() - cpu
    missing = [k for k in kernels if not (REPO / paths.kill_matrix_file(k)).exists()]
    if missing:
        print(run.output[-5000:], file=sys.stderr)
    record = {"wall": round(run.seconds, 1), "cpu": round(cpu, 1), "exit": run.returncode,
              "jobs": jobs, "started": started, "load": round(load, 1), "kernels": kernels,
              "samples": samples}
    RUN_RECORD.write_text(json.dumps(record))
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4, help="snakemake -j (default 4)")
    parser.add_argument("--kernels", default=",".join(FAMILY),
                        help="comma-separated kernels (default: the family's six)")
    parser.add_argument("--sample", action="append", default=[], metavar="KERNEL=N",
                        help="run at most N mutants per operator of KERNEL (repeatable)")
    parser.add_argument("--reuse", action="store_true",
                        help="report the last run's record and kill matrices, run nothing")
    parser.add_argument("--note", default="", help="a sentence about how the run was made")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.reuse:
        if not RUN_RECORD.exists():
            print(f"{RUN_RECORD} does not exist: run without --reuse first.", file=sys.stderr)
            return 2
        record = json.loads(RUN_RECORD.read_text())
    else:
        samples = {k: int(n) for k, n in (s.split("=", 1) for s in args.sample)}
        record = run_family([k for k in args.kernels.split(",") if k], samples, args.jobs)
    kernels, samples = record["kernels"], record.get("samples", {})

    rows, scores = [], []
    for kernel in kernels:
        matrix = json.loads((REPO / paths.kill_matrix_file(kernel)).read_text())
        sample = matrix.get("sample")
        c, s = matrix["counts"], matrix["score"]
        job_s = job_seconds(matrix)
        why = explained(matrix)
        size = (f"{sample['run']} of {sample['of']} (<= {sample['per_operator']}/operator)"
                if sample else f"{c['total']} (all)")
        rows.append((
            f"`{kernel}`", size, str(len(matrix["fixtures"])),
            f"{statistics.median(job_s):.1f} / {max(job_s):.1f}" if job_s else "-",
            f"{sum(job_s):.0f}" if job_s else "-",
            f"{c['killed']} / {c['survived']} / {c['equivalent']} / {c['stillborn']}",
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
        print(f"{kernel}: {size}, score {pct}, seed {seed}, "
              f"diagnosed {why['diagnosed']}/{why['killed']}", file=sys.stderr)

    sampled = ", ".join(f"{k}={n}" for k, n in samples.items())
    command = (".venv/bin/python bench/bench_family_mutants.py "
               f"--jobs {record['jobs']} --kernels {','.join(kernels)}"
               + "".join(f" --sample {k}={n}" for k, n in samples.items()))
    wall, cpu = record["wall"], record.get("cpu")
    text = "\n".join([
        f"## {SECTION}",
        "",
        f"One `snakemake -j{record['jobs']} mutants --config kernels=<the kernels below>`, "
        "CPU executor, on the default fixture matrix (config/config.yaml); sampled kernels "
        "ran the stated sample `mutants.sample` (at most N mutants per operator, chosen by "
        "the sha256 of the name; docs/mutants.md \"Sampling\"), so their scores are over "
        "the sample.",
        f"Machine: {machine()}; started {record['started']}, 1-minute load average "
        f"{record['load']} at the start.",
        f"Command: `{command}`" + (f" (samples: {sampled})" if sampled else "")
        + (f". {args.note}" if args.note else ""),
        "",
        f"**The whole run: {wall:.0f} s wall ({wall / 60:.1f} min)"
        + (f", {cpu:.0f} s CPU (user + system)" if cpu is not None else "")
        + f", gate exit {record['exit']}.**",
        "",
        *grid(("kernel", "mutants run", "fixtures", "job s median / max", "job s sum",
               "killed / survived / equivalent / stillborn"), rows),
        "",
        *grid(("kernel", "scope", "score, whole matrix", "score, seed fixture alone",
               "killed mutants the diagnosis explains", "killed by a fault only"), scores),
        "",
        "A killed mutant is explained when, on a fixture that killed it, the verify diagnosis "
        "(`fixturepipe.diagnosis`) found a sentence for its output; a mutant killed only by a "
        "fault (bounds, crash, race, timeout) left no output to diagnose. Job seconds are "
        "each mutant job's wall time, which overlap under -j.",
        "",
    ])
    publish(SECTION, text, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
