"""Edits rerun exactly what they affect, read from Snakemake's own dry-run job list."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_project import (
    KERNEL,
    edited,
    fixture,
    make_project,
    planned_jobs,
    snakemake,
    write_config,
)

FIXTURES = [fixture("a"), fixture("b", seed=8)]
TAIL = {("checksums", ""), ("verify", "")}


def jobs(rule: str, *fixtures: str) -> set[tuple[str, str]]:
    return {(f"{rule}_{KERNEL}", f) for f in fixtures}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("scope"), FIXTURES)
    proc = snakemake(root, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert planned_jobs(root) == {("verify", "")}
    return root


def planned_after_edit(project: Path, relpath: str, old: str, new: str) -> set[tuple[str, str]]:
    """Dry-run job list after replacing ``old`` by ``new`` in one file; the edit is undone."""
    path = project / relpath
    assert old in path.read_text(), f"{old!r} not in {relpath}"
    with edited(path, lambda text: text.replace(old, new, 1)):
        return planned_jobs(project)


def test_kernel_edit_reruns_only_kernel_compare_and_downstream(project: Path) -> None:
    planned = planned_after_edit(
        project, f"kernels/{KERNEL}/{KERNEL}.metal", "// Outputs:", "// Out:")
    assert planned == jobs("kernel", "a", "b") | jobs("compare", "a", "b") | TAIL


def test_fixture_config_edit_reruns_only_that_fixture(project: Path) -> None:
    write_config(project, [FIXTURES[0], {**FIXTURES[1], "seed": 99}])
    try:
        planned = planned_jobs(project)
    finally:
        write_config(project, FIXTURES)
    assert planned == {(f"{r}_{KERNEL}", "b") for r in ("inputs", "reference", "kernel",
                                                          "compare")} | TAIL


def test_kernel_params_edit_reruns_only_that_fixtures_kernel_and_compare(project: Path) -> None:
    write_config(project, [FIXTURES[0], {**FIXTURES[1], "timeout": 30}])
    try:
        planned = planned_jobs(project)
    finally:
        write_config(project, FIXTURES)
    assert planned == {(f"{r}_{KERNEL}", "b") for r in ("kernel", "compare")} | TAIL


def test_tolerance_edit_reruns_only_that_fixtures_compare(project: Path) -> None:
    write_config(project, [{**FIXTURES[0], "tolerance": {"max_ulp": 3}}, FIXTURES[1]])
    try:
        planned = planned_jobs(project)
    finally:
        write_config(project, FIXTURES)
    assert planned == jobs("compare", "a") | TAIL


@pytest.mark.parametrize(
    ("module", "first_rule"),
    [
        (f"kernels/{KERNEL}/generators.py", "inputs"),
        (f"kernels/{KERNEL}/reference.py", "reference"),
        ("src/fixturepipe/kernel_lib/chunks.py", "inputs"),
        ("src/fixturepipe/compare.py", "compare"),
    ],
)
def test_library_edit_reruns_the_rules_that_run_it(
    project: Path, module: str, first_rule: str
) -> None:
    planned = planned_after_edit(
        project, module, "from __future__ import annotations",
        "from __future__ import annotations  # edited")
    downstream = {
        "inputs": ("inputs", "reference", "kernel", "compare"),
        "reference": ("reference", "compare"),
        "compare": ("compare",),
    }[first_rule]
    expected = set().union(*(jobs(r, "a", "b") for r in downstream)) | TAIL
    assert planned == expected


def test_nothing_left_to_do_after_edits_are_undone(project: Path) -> None:
    """Content, not mtime, decides: edits undone leave newer files with the same bytes.

    The edits are made here (under ``-n 2`` this test may run on a worker that ran no
    other test of this module, whose copy of the project was never edited).
    """
    for relpath, old in ((f"kernels/{KERNEL}/{KERNEL}.metal", "// Outputs:"),
                         (f"kernels/{KERNEL}/generators.py", "from __future__ import annotations")):
        path = project / relpath
        original = path.read_text()
        assert old in original, f"{old!r} not in {relpath}"
        path.write_text(original.replace(old, old + " (edited)", 1))
        path.write_text(original)
    write_config(project, [FIXTURES[0], {**FIXTURES[1], "seed": 99}])
    write_config(project, FIXTURES)
    assert planned_jobs(project) == {("verify", "")}
