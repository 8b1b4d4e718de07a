"""Issue 9, case 2: code edits that reran nothing.  Each rule's code inputs are now derived
from its script's imports, so editing any module a script imports reruns that rule.

Two checks: every ``fixturepipe`` module a rule script really imports (in a fresh
interpreter) is among the rule's declared code inputs; and, through Snakemake's own
dry run, editing the modules the hand-kept list had missed reruns the rules that
import them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pipeline_project import KERNEL, REPO, edited, fixture, make_project, planned_jobs, snakemake

from fixturepipe import plan

SCRIPTS = sorted(p.stem for p in (REPO / "scripts").glob("*.py"))
PER_KERNEL = {"inputs", "reference", "kernel", "compare", "reproduce", "mutant_run"}
# What the script runs once it has its job (kernel Python is loaded then, not on import).
RUNS_KERNEL_FILE = {"inputs": "generators.py", "reference": "reference.py",
                    "compare": "reference.py", "mutant_run": "reference.py"}


def imported_at_runtime(script: str) -> set[str]:
    """Files of fixturepipe modules that importing ``scripts/<script>.py`` loads, repo-relative."""
    code = (
        "import json, runpy, sys\n"
        f"runpy.run_path({str(REPO / 'scripts' / script) + '.py'!r}, run_name='imported')\n"
        "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items()"
        " if n.split('.')[0] == 'fixturepipe' and getattr(m, '__file__', None))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout
    return {Path(f).resolve().relative_to(REPO).as_posix() for f in json.loads(out)}


@pytest.fixture(scope="module")
def repo_plan() -> plan.Plan:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    return plan.build(config, REPO, ["config/config.yaml"])


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_module_a_script_imports_is_a_code_input(repo_plan: plan.Plan, script: str) -> None:
    kernel = KERNEL if script in PER_KERNEL else None
    declared = set(repo_plan.code(script, kernel))
    assert f"scripts/{script}.py" in declared
    missing = imported_at_runtime(script) - declared
    assert not missing, f"scripts/{script}.py imports {sorted(missing)}, not declared"
    if script in RUNS_KERNEL_FILE:
        assert f"kernels/{KERNEL}/{RUNS_KERNEL_FILE[script]}" in declared
        assert "src/fixturepipe/kernel_lib/chunks.py" in declared


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("deps"), [fixture("a")])
    proc = snakemake(root, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


# The modules issue 9 found missing from the hand-kept list, and the rules that import them.
@pytest.mark.parametrize(
    ("module", "rules"),
    [
        ("fixture.py", {"inputs", "reference", "kernel", "compare", "verify", "checksums"}),
        ("provenance.py", {"inputs", "kernel"}),
        ("manifest.py", {"kernel", "checksums", "verify"}),
        ("dvc_integrity.py", {"verify"}),
    ],
)
def test_editing_an_imported_module_reruns_the_rules_importing_it(
    project: Path, module: str, rules: set[str]
) -> None:
    path = project / "src" / "fixturepipe" / module
    with edited(path, lambda text: text + "\n# edited\n"):
        planned = {rule.removesuffix(f"_{KERNEL}") for rule, _ in planned_jobs(project)}
    assert rules <= planned, f"editing {module} reran only {sorted(planned)}"


def test_nothing_reruns_once_edits_are_undone(project: Path) -> None:
    assert planned_jobs(project) == {("verify", "")}
