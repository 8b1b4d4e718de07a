"""Broken kernels fail *their* fixtures with a message; verify still reports every fixture."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline_project import KERNEL, fixture, make_project, snakemake

METAL = f"kernels/{KERNEL}/{KERNEL}.metal"
SMALL = fixture("small")
WIDE = fixture("wide", seed=9, sizes={"B": 2, "T": 64, "H": 1, "BT": 64})


def edit_kernel(project: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in the copy's kernel; return the 1-based line of the edit."""
    path = project / METAL
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def report(project: Path) -> dict:
    return {r["fixture"]: r for r in json.loads(
        (project / "artifacts/verify/report.json").read_text())["fixtures"]}


def test_compile_error_names_metal_file_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, [SMALL])
    line = edit_kernel(project, "threadgroup_barrier(mem_flags::mem_threadgroup);",
                       "threadgroup_barrier(mem_flags::mem_threadgroup) oops;")
    proc = snakemake(project, "-j2", "verify")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert f"{METAL}:{line}:" in output, output
    assert "MetalCompileError" in output and "small" in output
    row = report(project)["small"]
    assert row["verdict"] == "FAIL" and row["failing_metric"] == "kernel_error"
    assert f"{METAL}:{line}:" in row["kernel_error"]["message"]


def test_nan_writes_fail_the_fixture_and_name_it(tmp_path: Path) -> None:
    project = make_project(tmp_path, [SMALL])
    edit_kernel(project, "a_inv[base + i * row_stride + j] = X[i * BT + j];",
                "a_inv[base + i * row_stride + j] = (i == 7 && j == 3) "
                "? metal::numeric_limits<float>::quiet_NaN() : X[i * BT + j];")
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1
    assert ("chunk_tri_solve_invert/small (cpu): a_inv: 1 of 4096 elements NaN written by the "
            "kernel") in proc.stderr
    assert report(project)["small"]["failing_metric"] == "a_inv.nan_written"


def test_unwritten_outputs_fail_only_that_fixture_and_others_still_report(tmp_path: Path) -> None:
    # Threadgroups of batch 1 return before writing: only fixture "wide" (B=2) is affected.
    project = make_project(tmp_path, [SMALL, WIDE])
    edit_kernel(project, "for (uint i = 0; i < BT; ++i) {\n    a_inv",
                "if (batch == 1) { return; }\nfor (uint i = 0; i < BT; ++i) {\n    a_inv")
    proc = snakemake(project, "-j2", "--keep-going", "verify")
    assert proc.returncode == 1
    rows = report(project)
    assert rows["small"]["verdict"].startswith("PASS")
    assert rows["wide"]["verdict"] == "FAIL"
    assert rows["wide"]["failing_metric"] == "a_inv.unwritten"
    assert "wide (cpu): a_inv: 4096 of 8192 elements unwritten" in proc.stderr


def test_race_check_fixture_catches_a_deleted_barrier(tmp_path: Path) -> None:
    # Without the barrier, thread j reads other threads' columns of L before they are staged.
    # Sequential fibers may still compute the right numbers; the race checker must not.
    checked = fixture("checked", backend="cpu", race_check=True)
    project = make_project(tmp_path, [checked, SMALL])
    edit_kernel(project, "threadgroup_barrier(mem_flags::mem_threadgroup);", "")
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1
    rows = report(project)
    assert rows["checked"]["verdict"] == "FAIL"
    assert rows["checked"]["kernel_error"]["type"] == "RaceDetectedError"
    assert "chunk_tri_solve_invert/checked (cpu): kernel failed: RaceDetectedError" in proc.stderr
