"""The walk-through of docs/pipeline.md "How to add a kernel", on a copy of the project.

A project with one verified, accepted kernel gets a second kernel
(``chunk_local_cumsum``, from ``tests/data/kernels/``): one new folder and its
fixtures in the config, nothing else.  Then it verifies, is accepted, and the
first kernel is untouched: none of its jobs reruns, none of its golden bytes
or mtimes changes, none of its mutants would rerun.  Real Snakemake runs; the
job lists are Snakemake's own dry runs.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import yaml
from pipeline_project import KERNEL, fixture, make_project, planned_jobs, snakemake

NEW = "chunk_local_cumsum"
NEW_FOLDER = Path(__file__).resolve().parent / "data" / "kernels" / NEW
FIRST = [fixture("a"), fixture("b", seed=8)]
NEW_FIXTURES = [
    {"name": "seed", "kernel": NEW, "sizes": {"B": 2, "T": 64, "H": 3, "BT": 16}, "seed": 1,
     "generator": {"name": "normal"}},
    {"name": "scaled", "kernel": NEW, "sizes": {"B": 1, "T": 32, "H": 2, "BT": 16}, "seed": 2,
     "generator": {"name": "normal", "scale": 0.25}, "tolerance": {"max_ulp": 2}},
]


def golden_state(root: Path, kernel: str) -> dict[str, tuple[bytes, int]]:
    """{path: (bytes, mtime_ns)} of a kernel's golden files, and its golden.sha256 lines."""
    folder = root / "artifacts" / "fixtures" / kernel
    state = {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
             for p in sorted(folder.rglob("*")) if p.is_file()}
    lines = [ln for ln in (root / "artifacts" / "golden.sha256").read_text().splitlines()
             if f"/{kernel}/" in ln]
    state["golden.sha256"] = ("\n".join(lines).encode(), 0)
    return state


def stand_in_mutant_results(root: Path) -> None:
    """Make the first kernel's mutant results up to date without running its 147 mutants
    (minutes): create every output the dry run lists, then `--touch` them in DAG order,
    so Snakemake holds them up to date exactly as after a real run."""
    target = f"mutant_matrix_{KERNEL}"
    dry = snakemake(root, "-n", "-j1", target)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    for line in re.findall(r"^    output: (.*)$", dry.stdout, re.MULTILINE):
        for path in line.split(", "):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).touch()
    touch = snakemake(root, "-j1", "--touch", target)
    assert touch.returncode == 0, touch.stdout + touch.stderr


def of_kernel(jobs: set[tuple[str, str]], kernel: str) -> set[tuple[str, str]]:
    return {(rule, f) for rule, f in jobs if rule.endswith(f"_{kernel}")}


def test_adding_a_kernel_is_one_folder_and_leaves_the_first_untouched(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", FIRST)
    # The first kernel made golden (accept generates what it promotes), then verified.
    for step in (["-j2", "accept"], ["-j2", "verify"]):
        proc = snakemake(root, *step)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    stand_in_mutant_results(root)
    assert of_kernel(planned_jobs(root, "mutants"), KERNEL) == set()
    before = golden_state(root, KERNEL)
    runs = {p: p.stat().st_mtime_ns for p in (root / "artifacts" / "runs").rglob("*")
            if p.is_file()}

    # The user's whole act: one folder, and its fixtures in the config.
    started = time.perf_counter()
    shutil.copytree(NEW_FOLDER, root / "kernels" / NEW)
    config = yaml.safe_load((root / "config" / "config.yaml").read_text())
    config["fixtures"] += NEW_FIXTURES
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    planned = planned_jobs(root)
    assert of_kernel(planned, KERNEL) == set(), planned
    assert {rule for rule, _ in of_kernel(planned, NEW)} == {
        f"{r}_{NEW}" for r in ("inputs", "reference", "kernel", "compare")}
    verify = snakemake(root, "-j2", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "verify: PASS (4 fixtures" in verify.stdout
    assert "PASS (candidate)" in verify.stdout

    accept = snakemake(root, "-j2", "accept")  # the command `dvc repro` runs
    assert accept.returncode == 0, accept.stdout + accept.stderr
    assert f"accept: added: {NEW}/scaled, {NEW}/seed" in accept.stdout
    assert f"unchanged (files and mtimes untouched): {KERNEL}/a, {KERNEL}/b" in accept.stdout
    assert golden_state(root, KERNEL) == before
    assert len(golden_state(root, NEW)) == 2 * 3 + 1

    after_accept = planned_jobs(root)
    assert of_kernel(after_accept, KERNEL) == set(), after_accept
    assert of_kernel(planned_jobs(root, "mutants"), KERNEL) == set()
    final = snakemake(root, "-j2", "verify")
    assert final.returncode == 0, final.stdout + final.stderr
    assert "verify: PASS (4 fixtures" in final.stdout and "candidate" not in final.stdout
    elapsed = time.perf_counter() - started
    assert {p: p.stat().st_mtime_ns for p in runs} == runs  # no run file of the first kernel
    print(f"walk-through after the first kernel: {elapsed:.1f} s")
