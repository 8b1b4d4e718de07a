"""Seeded-bug copies of the project's kernel, added to a project copy as kernels of their own.

Kernels are data, so a bug under test is a new kernel folder (or spec + source pair) whose
Metal source differs from the real kernel by one edit; one Snakemake run then verifies
them all side by side, each under its own name.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipeline_project import KERNEL


def add_variant(project: Path, name: str, edits: list[tuple[str, str]]) -> None:
    """Add kernel ``name``: a copy of the real kernel with each (old, new) edit applied once."""
    kernels = project / "kernels"
    if (kernels / KERNEL).is_dir():  # kernels/<name>/spec.yaml + <name>.metal
        folder = kernels / name
        shutil.copytree(kernels / KERNEL, folder)
        (folder / f"{KERNEL}.metal").rename(folder / f"{name}.metal")
        spec, metal = folder / "spec.yaml", folder / f"{name}.metal"
    else:  # kernels/<name>.yaml + kernels/<name>.metal
        spec, metal = kernels / f"{name}.yaml", kernels / f"{name}.metal"
        shutil.copy(kernels / f"{KERNEL}.yaml", spec)
        shutil.copy(kernels / f"{KERNEL}.metal", metal)
    text = spec.read_text()
    text = re.sub(r"(?m)^name: .*$", f"name: {name}", text)
    spec.write_text(re.sub(r"(?m)^source: .*$", f"source: {name}.metal", text))
    source = metal.read_text()
    for old, new in edits:
        assert old in source, f"{old!r} is not in the kernel source"
        source = source.replace(old, new, 1)
    metal.write_text(source)
