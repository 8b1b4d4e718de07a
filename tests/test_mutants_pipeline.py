"""`snakemake mutants` end to end on a tiny kernel in a temporary copy of the project.

The tiny kernel inverts 2x2 unit-lower blocks; its matrix is a one-block seed
fixture and a three-block fixture. The precision_loss mutant of line 4 (a 0/1 flag stored in
`half`) is a true equivalent mutant: it survives every fixture, so the target
must fail until config lists it with a reason, and then pass without rerunning
a single mutant.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from browser import check_page
from pipeline_project import FIRST_KERNEL_PYTHON, planned_jobs, write_kernel

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

TINY_METAL = """\
// tiny_tri: X = (I + A)^-1 for 2x2 strict-lower blocks; thread j owns column j.
const uint j = thread_position_in_threadgroup.x;
const uint base = threadgroup_position_in_grid.z * 4;
float diag = (j == 0) ? 1.0f : 0.0f;
a_inv[base + j] = diag;
a_inv[base + 2 + j] = (j == 0) ? -a_strict[base + 2] : 1.0f;
"""
TINY_SPEC = {
    "name": "tiny_tri",
    "source": "tiny_tri.metal",
    "sizes": ["B", "T", "H", "BT"],
    "constraints": [{"check": "T == BT and H == 1 and BT == 2",
                     "message": "tiny_tri handles one 2x2 block per batch"}],
    "inputs": {"a_strict": {"shape": ["B", "T", "H", "BT"], "dtype": "float32"}},
    "outputs": {"a_inv": {"shape": ["B", "T", "H", "BT"], "dtype": "float32"}},
    **FIRST_KERNEL_PYTHON,
    "launch": {"grid": ["T", "H", "B"], "threadgroup": ["BT", 1, 1]},
    "tolerance": {"max_ulp": 4},
    "meta": {"spec_source": "test kernel", "reference_impl": "numpy.linalg.inv"},
}


def _name(operator: str, line: int, col: int) -> str:
    """The name of the mutant of TINY_METAL made by ``operator`` at ``line``:``col``."""
    from fixturepipe.mutation import generate_mutants

    return next(m.name for m in generate_mutants(TINY_METAL)
                if (m.operator, m.line, m.col) == (operator, line, col))


SURVIVOR = _name("precision_loss", 4, 1)


def _fixture(name: str, batches: int, seed: int) -> dict:
    return {"name": name, "kernel": "tiny_tri", "sizes": {"B": batches, "T": 2, "H": 1, "BT": 2},
            "seed": seed, "generator": {"name": "random_strict_lower"}}


def _write_config(root: Path, equivalent: list[dict] | None = None, **mutants: object) -> None:
    config: dict = {"backend": "cpu", "fixtures": [_fixture("seed", 1, 1), _fixture("batch", 3, 2)]}
    if equivalent is not None or mutants:
        config["mutants"] = {**mutants, **({"equivalent": equivalent} if equivalent else {})}
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def _project(root: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copy(REPO / "Snakefile", root / "Snakefile")
    for folder in ("scripts", "rules"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    (root / "config").mkdir()
    for name in ("schema.yaml", "conda-env.yaml"):
        if (REPO / "config" / name).exists():
            shutil.copy(REPO / "config" / name, root / "config" / name)
    write_kernel(root, TINY_SPEC, TINY_METAL)
    shutil.copytree(REPO / "src" / "fixturepipe", root / "src" / "fixturepipe", ignore=ignore)
    _write_config(root)
    return root


def _snakemake(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(root / "src"),
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([str(VENV_BIN / "snakemake"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


def test_survivor_fails_the_target_until_listed_equivalent(tmp_path: Path) -> None:
    root = _project(tmp_path)
    kdir = root / "artifacts" / "mutants" / "tiny_tri"

    first = _snakemake(root, "-j2", "mutants")
    assert first.returncode != 0, first.stderr[-3000:]
    assert f"survived every fixture of the matrix: {SURVIVOR}" in first.stderr
    assert "mutants.equivalent" in first.stderr
    matrix = json.loads((kdir / "kill_matrix.json").read_text())
    assert matrix["survivors"] == [SURVIVOR]
    assert matrix["counts"]["stillborn"] == 0
    # The one-block seed cannot see a wrong block offset; the three-block fixture can.
    assert matrix["score"]["seed"]["score"] < matrix["score"]["matrix"]["score"]
    assert _name("arith_swap", 3, 50) in matrix["unique_kills"]["batch"]
    rows = {r["name"]: r for r in matrix["mutants"]}
    assert rows[_name("arith_swap", 3, 50)]["cells"] == {"seed": [], "batch": ["a_inv.unwritten"]}
    assert rows[_name("store_delete", 5, 1)]["cells"]["seed"] == ["a_inv.unwritten"]
    report = (kdir / "report.md").read_text()
    assert f"### `{SURVIVOR}`" in report and "+half diag" in report
    # Mutants ran on the CPU executor (the default on every host) and the report says so.
    assert matrix["backend"] == "cpu" and "Backend: `cpu`" in report
    # The HTML report in a real browser: source view and kill heatmap, every line's mutants.
    check_page(kdir / "report.html", "#heatmap", "#source", "mutation_report.png")
    html = (kdir / "report.html").read_text()
    assert f'id="m-{SURVIVOR}"' in html and "+half diag" in html and "<script" not in html
    # Mutant jobs wrote nothing where the real kernel's runs live.
    assert not (root / "artifacts" / "runs").exists()
    results = sorted((kdir / "results").glob("*.json"))
    stamps = {p.name: p.stat().st_mtime_ns for p in results}

    _write_config(root, [{"kernel": "tiny_tri", "mutant": SURVIVOR,
                          "reason": "the flag is 0 or 1, exact in half"}])
    second = _snakemake(root, "-j2", "mutants")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "1 equivalent" in second.stderr
    # Listing an equivalent re-aggregates; no mutant runs again.
    assert {p.name: p.stat().st_mtime_ns for p in results} == stamps
    matrix = json.loads((kdir / "kill_matrix.json").read_text())
    assert matrix["survivors"] == [] and matrix["counts"]["equivalent"] == 1
    assert "the flag is 0 or 1, exact in half" in (kdir / "report.md").read_text()

    # The mutant jobs' params are tracked: a new per-mutant timeout plans them again (the
    # unchanged config above reran none).
    _write_config(root, [{"kernel": "tiny_tri", "mutant": SURVIVOR,
                          "reason": "the flag is 0 or 1, exact in half"}], timeout=20)
    assert ("mutant_tiny_tri", "") in planned_jobs(root, "mutants")
    # Each mutant job takes two inputs, the spec and the manifest of every file the kernel's
    # mutant jobs read (Snakemake's scheduler re-hashes every ready job's inputs after each
    # finished job); the manifest names the Metal, the fixtures and the code, relatively.
    dry = _snakemake(root, "-n", "-j1", "mutants")
    inputs = re.findall(r"rule mutant_tiny_tri:\n *input: (.*)\n", dry.stdout)
    assert inputs and all(line.split(", ") == [
        str(root / "kernels" / "tiny_tri" / "spec.yaml"),
        "artifacts/mutants/tiny_tri/inputs.sha256"] for line in inputs), dry.stdout[-2000:]
    sums = (kdir / "inputs.sha256").read_text()
    assert "  kernels/tiny_tri/tiny_tri.metal\n" in sums and "scripts/mutant_run.py" in sums
    assert "artifacts/generated/tiny_tri/batch/" in sums and str(root) not in sums


def test_equivalent_entry_without_reason_is_rejected_before_any_job(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _write_config(root, [{"kernel": "tiny_tri", "mutant": SURVIVOR, "reason": "because"}])
    proc = _snakemake(root, "-n", "mutants")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "field mutants.equivalent.0.reason" in out, out[-2000:]


def test_unknown_seed_fixture_is_named_before_any_job(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _write_config(root, seed_fixture={"tiny_tri": "sead"})
    proc = _snakemake(root, "-n", "mutants")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "mutants.seed_fixture.tiny_tri: 'sead' is not a fixture of tiny_tri" in out, out[-2000:]


def test_mutants_run_on_the_cpu_executor_unless_configured() -> None:
    """mutants.backend defaults to cpu whatever the fixtures' backend; metal is opt-in and,
    where it cannot run, a sentence at DAG build."""
    from snakemake.exceptions import WorkflowError

    from fixturepipe.mutation import dag

    assert dag.settings({"backend": "auto", "fixtures": []})["backend"] == "cpu"
    assert dag.settings({"mutants": {"backend": "cpu"}})["backend"] == "cpu"
    if sys.platform != "darwin":
        with pytest.raises(WorkflowError, match=r"config mutants\.backend: backend 'metal'"):
            dag.settings({"mutants": {"backend": "metal"}})
        assert dag.settings({"mutants": {"backend": "auto"}})["backend"] == "cpu"


def test_a_sample_runs_only_its_mutants_and_every_verdict_says_sample(tmp_path: Path) -> None:
    """`mutants.sample` from an overlay config file: 10 of the 36 mutants become jobs, the
    kill matrix and the gate's line say "SAMPLE of 10 of 36", and a sampled survivor still
    fails the gate."""
    from fixturepipe.mutation import generate_mutants, sample

    root = _project(tmp_path)
    (root / "sample.yaml").write_text("mutants: {sample: {tiny_tri: 1}}\n")
    chosen = sample.select([m.name for m in generate_mutants(TINY_METAL)], 1)
    assert len(chosen) == 10 and SURVIVOR in chosen
    proc = _snakemake(root, "-j2", "mutants", "--configfile", "sample.yaml")
    assert proc.returncode != 0, proc.stderr[-3000:]
    kdir = root / "artifacts" / "mutants" / "tiny_tri"
    assert sorted(p.stem for p in (kdir / "results").glob("*.json")
                  if not p.stem.endswith(".provenance")) == sorted(chosen)
    matrix = json.loads((kdir / "kill_matrix.json").read_text())
    label = "SAMPLE of 10 of 36 mutants (at most 1 per operator, by name hash)"
    assert matrix["sample"]["run"] == 10 and matrix["sample"]["of"] == 36
    assert matrix["score"]["matrix"]["scope"] == label
    assert f"survived every fixture of the matrix: {SURVIVOR}" in proc.stderr
    assert f"{label}: the other 26 were not run" in proc.stderr
    assert f"**{label}**" in (kdir / "report.md").read_text()
