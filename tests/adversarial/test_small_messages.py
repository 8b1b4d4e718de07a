"""Issue 9 case 8 (project-copy part): each small mistake gets one clear, actionable message.

YAML syntax errors with line and column; ``rel_l2: 1e-6`` (a string to YAML)
with the ``1.0e-6`` hint; a top-level ``backend`` problem said once; a damaged
intermediate ``run.json`` reported (no traceback), with the command that
regenerates it.  The DVC-side messages are in test_golden_messages.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_project import KERNEL, fixture, make_project, snakemake

from fixturepipe.backends import metal_available

FIXTURES = [fixture("a"), fixture("b", seed=8)]


def config_text(project: Path) -> str:
    return (project / "config" / "config.yaml").read_text()


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    project = make_project(tmp_path, FIXTURES)
    lines = config_text(project).splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "seed: 8")
    lines.insert(at + 1, "   oops: [1, 2")  # misindented and unclosed
    (project / "config" / "config.yaml").write_text("\n".join(lines) + "\n")
    proc = snakemake(project, "-n", "verify")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert f"config/config.yaml: YAML syntax error at line {at + 2}, column 8: " in out, out
    assert "not valid JSON or YAML" not in out


def test_exponent_without_dot_is_rejected_with_the_spelling_that_works(tmp_path: Path) -> None:
    project = make_project(tmp_path, [fixture("a", tolerance={"max_ulp": 4})])
    text = config_text(project).replace("max_ulp: 4", "max_ulp: 4\n    rel_l2: 1e-6")
    (project / "config" / "config.yaml").write_text(text)
    proc = snakemake(project, "-n", "verify")
    assert proc.returncode == 1
    assert ("fixture 'a' (fixtures[0]), field tolerance.rel_l2: '1e-6' is not of type 'number'; "
            "YAML reads 1e-6 as a string (a YAML float needs a dot, e.g. 1.0e-6)"
            ) in proc.stdout + proc.stderr


@pytest.mark.skipif(metal_available(), reason="backend: metal is valid where MLX has Metal")
def test_top_level_backend_problem_is_reported_once(tmp_path: Path) -> None:
    project = make_project(tmp_path, FIXTURES, backend="metal")
    proc = snakemake(project, "-n", "verify")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert out.count("backend 'metal' was requested") == 1, out
    assert "  - field backend: backend 'metal' was requested" in out


def test_damaged_run_json_is_reported_with_the_way_to_regenerate_it(tmp_path: Path) -> None:
    project = make_project(tmp_path, FIXTURES[:1], backend="cpu")
    assert snakemake(project, "-j2", "verify").returncode == 0
    run_json = project / f"artifacts/runs/cpu/{KERNEL}/a/run.json"
    run_json.write_text('{"kernel": "chunk_tri_solve_invert", "stat')  # a torn write

    damaged = snakemake(project, "-j2", "verify")
    assert damaged.returncode == 1, damaged.stdout + damaged.stderr
    assert "Traceback" not in damaged.stderr
    assert (f"FAIL {KERNEL}/a (cpu): {run_json.relative_to(project)} was damaged after the "
            "kernel wrote it: it is not valid JSON") in damaged.stderr
    command = f"snakemake -j4 verify --forcerun {run_json.relative_to(project)}"
    assert f"Regenerate it with `{command}`." in damaged.stderr

    again = snakemake(project, *command.split()[1:])
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(run_json.read_text())["status"] == "ok"


def test_far_out_of_bounds_write_names_buffer_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, FIXTURES[:1], backend="cpu")
    metal = project / "kernels" / KERNEL / f"{KERNEL}.metal"
    store = "a_inv[base + i * row_stride + j] = X[i * BT + j];"
    far = "a_inv[base + i * row_stride + j + 100000000u] = X[i * BT + j];"
    lines = metal.read_text().splitlines()
    number = next(n for n, text in enumerate(lines, 1) if store in text)
    metal.write_text(metal.read_text().replace(store, far))
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"(far out of bounds, at kernels/{KERNEL}/{KERNEL}.metal:{number}, writing `a_inv`: "
            f"`{far}`)") in proc.stderr
