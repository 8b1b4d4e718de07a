"""A bad config fails before any job runs, with a sentence naming file, fixture and field.

Each case is a real ``snakemake -n`` on a project copy: the error must come
from Snakefile parsing (schema via ``validate``, then the semantic checks),
so no job is ever planned. The exception is the last test: tolerances that would
pass an all-zero output are found once the reference exists, so that fixture
runs verify and fails there as a configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pipeline_project import KERNEL, fixture, make_project, snakemake

CASES = {
    "t_not_multiple_of_bt": (
        [fixture("odd", sizes={"B": 1, "T": 96, "H": 1, "BT": 64})],
        {},
        ["config/config.yaml", "fixture 'odd'", "field sizes", "T must be a multiple of BT"],
    ),
    "bt_unsupported": (
        [fixture("bt32", sizes={"B": 1, "T": 64, "H": 1, "BT": 32})],
        {},
        ["fixture 'bt32'", "field sizes", "BT=32", "written for BT = 64"],
    ),
    "size_not_positive": (
        [fixture("neg", sizes={"B": 0, "T": 64, "H": 1, "BT": 64})],
        {},
        ["fixture 'neg'", "field sizes.B", "must be positive"],
    ),
    "size_missing": (
        [fixture("noH", sizes={"B": 1, "T": 64, "BT": 64})],
        {},
        ["fixture 'noH'", "field sizes", "missing H"],
    ),
    "unknown_kernel": (
        [fixture("k", kernel="no_such_kernel")],
        {},
        ["fixture 'k'", "field kernel", "unknown kernel 'no_such_kernel'"],
    ),
    "duplicate_name": (
        [fixture("twice"), fixture("twice", seed=8)],
        {},
        ["fixture 'twice' (fixtures[1])", "field name", "duplicate of fixtures[0]"],
    ),
    "unknown_reference": (
        [fixture("r", reference="nope")],
        {},
        ["fixture 'r'", "field reference", "unknown reference 'nope'"],
    ),
}
if sys.platform != "darwin":
    CASES["metal_unavailable"] = (
        [fixture("m", backend="metal")],
        {},
        ["fixture 'm'", "field backend", "no Metal device", "backend: cpu"],
    )


def assert_rejected_before_any_job(
    root: Path, fixtures: list[dict[str, Any]], config: dict[str, Any], expected: list[str]
) -> None:
    """``snakemake -n verify`` on a project with this config fails naming every fragment
    of ``expected``, and plans no job."""
    make_project(root, fixtures, **config)
    proc = snakemake(root, "-n", "-j1", "verify")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} missing from:\n{output}"
    assert "Job stats" not in output, "jobs were planned despite a bad config"


@pytest.mark.parametrize("case", sorted(CASES))
def test_semantic_check_fails_before_any_job(tmp_path: Path, case: str) -> None:
    assert_rejected_before_any_job(tmp_path, *CASES[case])
    assert not (tmp_path / "artifacts").exists()


SCHEMA_CASES = {
    "unknown_backend": ([fixture("a")], {"backend": "gpu"}, ["backend", "gpu"]),
    "unknown_generator": (
        [fixture("g", generator={"name": "gaussian"})], {}, ["gaussian", "generator"]),
    "unknown_generator_param": (
        [fixture("p", generator={"name": "zeros", "magnitude": 1.0})], {}, ["magnitude"]),
    "unknown_fixture_field": ([fixture("u", tolerence={"max_ulp": 1})], {}, ["tolerence"]),
    "sizes_not_integers": (
        [fixture("s", sizes={"B": "one", "T": 64, "H": 1, "BT": 64})], {}, ["one"]),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_CASES))
def test_schema_rejects_before_any_job(tmp_path: Path, case: str) -> None:
    assert_rejected_before_any_job(tmp_path, *SCHEMA_CASES[case])


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    make_project(tmp_path, [
        fixture("odd", sizes={"B": 1, "T": 96, "H": 1, "BT": 64}),
        fixture("neg", sizes={"B": -1, "T": 64, "H": 1, "BT": 64}),
    ])
    output = "".join(snakemake(tmp_path, "-n", "verify").__dict__[k] for k in ("stdout", "stderr"))
    assert "fixture 'odd'" in output and "fixture 'neg'" in output


def test_valid_config_plans_jobs(tmp_path: Path) -> None:
    make_project(tmp_path, [fixture("fine")])
    proc = snakemake(tmp_path, "-n", "-j1", "verify")
    assert proc.returncode == 0, proc.stderr
    assert "Job stats" in proc.stdout


def test_a_vacuous_fixture_fails_verify_as_a_config_error(tmp_path: Path) -> None:
    loose = fixture("loose", tolerance={"max_abs": 1.0, "max_ulp": 1e9})
    root = make_project(tmp_path / "project", [fixture("fine"), loose])
    proc = snakemake(root, "-j2", "verify")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("FAIL ")]
    assert any(f"configuration error: fixture '{KERNEL}/loose', field tolerance: a_inv: the "
               "tolerances accept an all-zero output (max_abs" in ln for ln in lines), lines
    assert not any("/fine" in ln for ln in lines), lines
