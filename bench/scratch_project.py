"""A scratch copy of the project for a benchmark, and timed Snakemake runs in it.

Benchmarks run the pipeline in a copy (the files a Snakemake run reads, no
artifacts or caches) so the repository's artifacts are never touched; the copy's
package source is the one imported (``PYTHONPATH``), so what is timed is what
the copy holds. Imported as ``scratch_project`` (bench/ is on sys.path when a
script runs as ``.venv/bin/python bench/<x>.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
FOLDERS = ("rules", "scripts", "kernels", "config", "profiles")


def copy_project(dest: Path, fixtures: int | None = None) -> Path:
    """Copy the project into ``dest``; ``fixtures`` keeps the first N fixtures of the config."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest / "Snakefile")
    for folder in FOLDERS:
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    shutil.copytree(REPO / "src" / "fixturepipe", dest / "src" / "fixturepipe", ignore=ignore)
    if fixtures is not None:
        config_path = dest / "config" / "config.yaml"
        config = yaml.safe_load(config_path.read_text())
        config["fixtures"] = config["fixtures"][:fixtures]
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


def environment(root: Path | None = None, **extra: str) -> dict[str, str]:
    """This environment without ``SBATCH_*`` (a job's own), the venv first on PATH, the
    copy at ``root`` imported, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SBATCH_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    if root is not None:
        env["PYTHONPATH"] = str(root / "src")
    return {**env, **extra}


@dataclass(frozen=True)
class Run:
    """One finished Snakemake invocation."""

    seconds: float
    returncode: int
    output: str  # stdout then stderr


def snakemake(root: Path, env: dict[str, str], *args: str) -> Run:
    """Run ``snakemake args`` in ``root`` and time it (wall seconds)."""
    start = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "snakemake"), *args], cwd=root, env=env,
                          capture_output=True, text=True)
    return Run(time.perf_counter() - start, proc.returncode, proc.stdout + proc.stderr)
