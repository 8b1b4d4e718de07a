"""Mutation testing of our own Python with mutmut (`make mutation-self`, docs/self_mutation.md).

Runs ``mutmut run`` from scratch on the modules ``[tool.mutmut]`` in pyproject.toml
lists (those that decide a verdict), against the fast in-process tests it lists;
mutmut records which tests call each function and runs, per mutant, only those.
Then reads mutmut's per-file results, takes out the mutants docs/self_mutation.md
lists as equivalent (each with a reason), and prints and writes to BENCHMARKS.md:
the score (killed / non-equivalent mutants), the counts, the wall time. Exit 1 if
the score is under the target, a survivor is listed nowhere in the docs, or mutants
were not run (an interrupted run).

Usage: .venv/bin/python bench/self_mutation.py [--jobs N] [--no-write] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

from benchmarks_md import BENCHMARKS_MD, machine, write_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "self_mutation.md"
TARGET = 0.90
KERNELS_LINK = "fixturepipe_kernels"
TITLE = "Mutation testing of our own Python"
# mutmut's exit-code meanings (mutmut.stats.status_by_exit_code, mutmut 3.8).
TIMEOUT = {24, -24, 152, 255, 36}  # SIGXCPU: CPU or wall time over 15x the clean run's
KILLED = {1, 3} | TIMEOUT  # a failing test or pytest error, or a timeout (mutmut's convention)
SURVIVED = {0}
NO_TESTS = {5, 33}
_ROW = re.compile(r"^\|\s*`([^`]+__mutmut_\d+)`\s*\|\s*(.+?)\s*\|\s*$")


def listed(doc: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(equivalent, kept) mutants of the docs: ``{name: reason}`` from the two tables."""
    equivalent: dict[str, str] = {}
    kept: dict[str, str] = {}
    target = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip().lower()
            target = equivalent if heading.startswith("equivalent") else (
                kept if heading.startswith("kept") else None)
        match = _ROW.match(line)
        if match and target is not None:
            target[match.group(1)] = match.group(2)
    return equivalent, kept


def results(root: Path) -> dict[str, int | None]:
    """``{mutant name: exit code}`` from mutmut's ``*.py.meta`` files of the mutated folders.

    Only src/ and kernels/ (where fixturepipe_kernels/ points) hold mutated files: the
    rest of mutants/ (the copied dvc-store, artifacts) is not searched.
    """
    out: dict[str, int | None] = {}
    mutants = root / "mutants"
    for meta in sorted([*(mutants / "src").rglob("*.py.meta"),
                        *(mutants / "kernels").glob("*/*.py.meta")]):
        out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def run_mutmut(jobs: int) -> tuple[float, float]:
    """A clean ``mutmut run``; returns its wall time and the CPU seconds it used."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for path in config["tool"]["mutmut"]["also_copy"]:  # mutmut copies files, not their folders
        (ROOT / "mutants" / path).parent.mkdir(parents=True, exist_ok=True)
    # Kernel folders are mutated as fixturepipe_kernels/<kernel>/ (the package name
    # kernel_python imports them under); the tests find them as kernels/<kernel>/.
    link = ROOT / KERNELS_LINK
    if not link.is_symlink():
        link.symlink_to("kernels", target_is_directory=True)
    (ROOT / "mutants" / "kernels").mkdir()  # real folder: specs resolve their own path
    (ROOT / "mutants" / KERNELS_LINK).symlink_to("kernels", target_is_directory=True)
    start = time.perf_counter()
    cpu_before = _children_cpu()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(jobs)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    seconds = time.perf_counter() - start
    link.unlink()
    if proc.returncode != 0:
        sys.exit(f"mutmut run failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return seconds, _children_cpu() - cpu_before


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes (mutmut and its forks)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    parser.add_argument("--reuse", action="store_true",
                        help="score the existing mutants/ results instead of running mutmut")
    parser.add_argument("--wall-seconds", type=float,
                        help="with --reuse: the wall time of the run(s) that made the results")
    parser.add_argument("--cpu-seconds", type=float,
                        help="with --reuse: their CPU time (user + system, mutmut and children)")
    parser.add_argument("--load", type=float,
                        help="with --reuse: the 1-minute load average when they started")
    parser.add_argument("--how", help="with --reuse: the commands that made the results")
    args = parser.parse_args()

    load = args.load if args.reuse and args.load is not None else os.getloadavg()[0]
    seconds, cpu = (None, None) if args.reuse else run_mutmut(args.jobs)
    codes = results(ROOT)
    if not codes:
        sys.exit("no mutmut results under mutants/: run without --reuse")
    equivalent, kept = listed(DOC)
    # A listed equivalent that timed out ran all its tests slowly (a loaded machine); no test
    # failed on it, so it stays equivalent, not killed.
    slow_equivalent = sorted(n for n, c in codes.items() if c in TIMEOUT and n in equivalent)
    killed = sorted(n for n, c in codes.items() if c in KILLED and n not in slow_equivalent)
    survived = sorted(n for n, c in codes.items() if c in SURVIVED)
    no_tests = sorted(n for n, c in codes.items() if c in NO_TESTS)
    unchecked = sorted(n for n, c in codes.items() if c is None)  # an interrupted run
    other = sorted(n for n, c in codes.items()
                   if c is not None and c not in KILLED | SURVIVED | NO_TESTS)
    alive = survived + no_tests + other
    equivalent_alive = [n for n in alive if n in equivalent] + slow_equivalent
    scored = len(codes) - len(unchecked) - len(equivalent_alive)
    score = len(killed) / scored if scored else 0.0
    unlisted = [n for n in alive if n not in equivalent and n not in kept]
    timeouts = sorted(n for n in killed if codes[n] in TIMEOUT)
    wrongly_listed = sorted(n for n in equivalent if n in killed)
    per_module = Counter(n.rsplit(".x", 1)[0] for n in alive if n not in equivalent)

    lines = [
        f"mutmut on {len(codes)} mutants: {len(killed)} killed ({len(timeouts)} by timeout), "
        f"{len(survived)} survived, "
        f"{len(no_tests)} reached by no test, {len(other)} other, {len(unchecked)} not run; "
        f"{len(equivalent_alive)} listed equivalent (docs/self_mutation.md)",
        f"score {100 * score:.1f}% of non-equivalent mutants killed (target {100 * TARGET:.0f}%)",
    ]
    if seconds is not None:
        lines.append(f"wall time {seconds:.0f} s with --max-children {args.jobs}; CPU time "
                     f"{cpu:.0f} s, i.e. {cpu / args.jobs:.0f} s on {args.jobs} idle cores")
    print("\n".join(lines))
    for name in unlisted:
        print(f"survivor not listed in docs/self_mutation.md: {name} "
              f"(`.venv/bin/mutmut show {name}`)")
    for name in wrongly_listed:
        print(f"listed as equivalent but killed (remove it from the docs): {name}")

    if not args.no_write and (seconds is not None or args.wall_seconds):
        seconds = seconds if seconds is not None else args.wall_seconds
        cpu = cpu if cpu is not None else (args.cpu_seconds or float("nan"))
        stopped_run = (f"`.venv/bin/mutmut run --max-children {args.jobs}` (stopped before "
                       "the end; its wall time given)")
        modules = "\n".join(f"| {m} | {c} |" for m, c in sorted(per_module.items()))
        write_section(BENCHMARKS_MD, TITLE, (
            f"## {TITLE}\n\n"
            "mutmut on the modules that decide a verdict (list and reasons for survivors: "
            "docs/self_mutation.md), each mutant against only the in-process tests that "
            "call the mutated function.\n\n"
            f"Machine: {machine()}; 1-minute load average {load:.1f} at the start. The machine "
            "is shared with other jobs on its 2 cores, so the time is pessimistic.  \n"
            + (f"Command: `make mutation-self` (= `.venv/bin/python bench/self_mutation.py "
               f"--jobs {args.jobs}`)\n\n" if not args.reuse else
               f"Command: {args.how or stopped_run}, scored by "
               f"`.venv/bin/python bench/self_mutation.py --reuse --wall-seconds {seconds:.0f}"
               + (f" --cpu-seconds {cpu:.0f}" if cpu == cpu else "") + "`\n\n")
            +
            "| measure | value |\n|---|---|\n"
            f"| mutants | {len(codes)} |\n"
            f"| killed (of them by timeout) | {len(killed)} ({len(timeouts)}) |\n"
            f"| survived / reached by no test / other | {len(survived)} / {len(no_tests)} / "
            f"{len(other)} |\n"
            f"| not run (interrupted run) | {len(unchecked)} |\n"
            f"| listed equivalent | {len(equivalent_alive)} |\n"
            f"| score (killed / non-equivalent) | {100 * score:.1f}% (target "
            f"{100 * TARGET:.0f}%) |\n"
            f"| wall time{', clean run' if not unchecked else ' of the runs that got this far'} "
            f"| {seconds:.0f} s ({seconds / 60:.1f} min) |\n"
            + (f"| CPU time (user + system, all processes) | {cpu:.0f} s |\n"
               f"| CPU time / {args.jobs} cores (wall time on an idle machine, about) | "
               f"{cpu / args.jobs:.0f} s ({cpu / args.jobs / 60:.1f} min) |\n"
               if cpu == cpu else "| CPU time | not measured (results of an earlier run) |\n")
            +
            f"| mutants run per second | {(len(codes) - len(unchecked)) / seconds:.2f} |\n"
            + (f"\nNot killed and not equivalent, per module:\n\n| module | mutants |\n"
               f"|---|---:|\n{modules}\n" if per_module else "")
        ))
    if unchecked:
        print(f"{len(unchecked)} mutants not run (an interrupted run): the score covers only "
              "those that ran, so the gate fails")
    complete = not unchecked
    return 0 if complete and score >= TARGET and not unlisted and not wrongly_listed else 1


if __name__ == "__main__":
    sys.exit(main())
