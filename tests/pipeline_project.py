"""Helpers for pipeline tests: a temporary copy of the project tree and real Snakemake runs.

Each test gets its own copy (Snakefile, config schema, scripts, kernels and the
package source, imported via PYTHONPATH so edits to the copy are what runs),
with a small config, so tests can edit code and config without touching the repo.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SNAKEMAKE = str(VENV_BIN / "snakemake")
KERNEL = "chunk_tri_solve_invert"


def fixture(name: str, **overrides: Any) -> dict[str, Any]:
    """A small valid fixture (B=1, T=64, H=1) with overrides."""
    base: dict[str, Any] = {
        "name": name,
        "kernel": KERNEL,
        "sizes": {"B": 1, "T": 64, "H": 1, "BT": 64},
        "seed": 7,
        "generator": {"name": "random_strict_lower", "magnitude": 0.1},
    }
    base.update(overrides)
    return base


def make_project(
    root: Path, fixtures: list[dict[str, Any]], kernels: tuple[str, ...] = (KERNEL,), **config: Any
) -> Path:
    """Copy the project into ``root`` with the kernel folders ``kernels`` and write
    ``config/config.yaml`` with ``fixtures``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", root / "Snakefile")
    for folder in ("scripts", "rules", "profiles"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    for kernel in kernels:
        copy_kernel(root, kernel)
    (root / "config").mkdir()
    for name in ("schema.yaml", "conda-env.yaml"):
        shutil.copy(REPO / "config" / name, root / "config" / name)
    shutil.copytree(REPO / "src" / "fixturepipe", root / "src" / "fixturepipe", ignore=ignore)
    write_config(root, fixtures, **config)
    return root


def write_config(root: Path, fixtures: list[dict[str, Any]], **config: Any) -> None:
    """(Re)write the project's config file."""
    data = {"backend": "auto", **config, "fixtures": fixtures}
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


@contextlib.contextmanager
def edited(path: Path, edit: Callable[[str], str]) -> Iterator[None]:
    """``path`` rewritten as ``edit(text)`` inside the ``with`` block, its text restored
    after it even when the block fails, so the next test of a module-scoped project copy
    sees the project as its fixture made it."""
    original = path.read_text()
    path.write_text(edit(original))
    try:
        yield
    finally:
        path.write_text(original)


def env(root: Path) -> dict[str, str]:
    """Environment that makes the copy's package the one imported."""
    e = dict(os.environ)
    e["PYTHONPATH"] = str(root / "src")
    e["PATH"] = f"{VENV_BIN}{os.pathsep}{e.get('PATH', '')}"
    return e


def snakemake(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run Snakemake in ``root``; return the finished process (text output)."""
    return subprocess.run(
        [SNAKEMAKE, *args], cwd=root, env=env(root), capture_output=True, text=True,
        timeout=timeout,
    )


_JOB_ANY = re.compile(r"^(?:local)?rule (\S+):$", re.MULTILINE)


def planned_jobs(root: Path, target: str = "verify", *args: str) -> set[tuple[str, str]]:
    """(rule, fixture or '') of every job Snakemake's own dry run would execute."""
    proc = snakemake(root, "-n", "-j1", target, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Jobs of a group (fixturepipe.cluster groups per fixture; dry runs show groups) are
    # printed indented under "Group job ...": dedent them to read like the others.
    text = re.sub(r"^ {4}(?=\[| {4}|(?:local)?rule )", "", proc.stdout, flags=re.MULTILINE)
    jobs: set[tuple[str, str]] = set()
    blocks = re.split(r"\n(?=\[|(?:local)?rule \S+:\n)", text)
    for block in blocks:
        head = _JOB_ANY.search(block)
        if not head:
            continue
        wc = re.search(r"^    wildcards: (.*)$", block, re.MULTILINE)
        fixture_name = ""
        if wc:
            found = re.search(r"fixture=([^,\s]+)", wc.group(1))
            fixture_name = found.group(1) if found else ""
        jobs.add((head.group(1), fixture_name))
    return jobs


def copy_kernel(root: Path, kernel: str = KERNEL, as_name: str | None = None) -> Path:
    """Copy ``kernels/<kernel>/`` of the repo to ``root/kernels/<as_name>/``; return the folder."""
    target = root / "kernels" / (as_name or kernel)
    shutil.copytree(REPO / "kernels" / kernel, target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def write_kernel(root: Path, spec_doc: dict[str, Any], metal: str) -> Path:
    """A test kernel folder ``root/kernels/<name>/``: its spec and Metal, with the Python
    (generators and references) of the repo's first kernel, which test kernels reuse."""
    folder = root / "kernels" / spec_doc["name"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / spec_doc["source"]).write_text(metal)
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec_doc, sort_keys=False))
    for name in ("generators.py", "reference.py"):
        shutil.copy(REPO / "kernels" / KERNEL / name, folder / name)
    return folder


# The generator and reference names of the first kernel, as test kernels' specs give them.
FIRST_KERNEL_PYTHON = {
    "generators": {
        "random_strict_lower": {
            "magnitude": {"type": "number", "exclusiveMinimum": 0, "default": 0.1},
            "dirty_upper": {"type": "boolean", "default": False},
        },
    },
    "reference": "unit_lower_inverse",
    "oracle": "unit_lower_oracle",
}


def first_kernel_spec() -> Any:
    """The repo's ``chunk_tri_solve_invert`` spec (parsed once: tests/kernel_specs.py)."""
    from kernel_specs import load_all

    return load_all(REPO / "kernels")[KERNEL]


def generate(generator: str, seed: int, sizes: dict[str, int], params: dict[str, Any]) -> Any:
    """Run a generator of the first kernel as the ``inputs`` rule does."""
    from fixturepipe import kernel_python
    from fixturepipe.fixture import Fixture

    fixture = Fixture.from_params(KERNEL, "t", {
        "sizes": sizes, "seed": seed, "generator": {"name": generator, **params}})
    return kernel_python.generate(first_kernel_spec(), fixture)


def reference(name: str, inputs: Any, sizes: dict[str, int], *, oracle: bool = False) -> Any:
    """A float32 reference (or, with ``oracle``, the float64 oracle) of the first kernel."""
    from fixturepipe import kernel_python
    from fixturepipe.fixture import Fixture

    fixture = Fixture.from_params(KERNEL, "t", {"sizes": sizes, "reference": name})
    run = kernel_python.oracle if oracle else kernel_python.reference
    return run(first_kernel_spec(), fixture, inputs)
