"""Every kernel in kernels/ compiles and links to a Mach-O binary for both macOS
targets on Linux, through `metal-cpu check --target` (what a user would run).

The conformance kernels get the same treatment from conftest.py's autouse fixture.
No binary is run: this project has no Mac (docs/metal_cpu.md, "Platforms").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixturepipe import expr
from fixturepipe.metal_cpu import cli

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
# Sizes inside every kernel's constraints (64 for any other size name); only dtypes,
# ranks and "fewer than 8 elements" shape the generated signature, so any valid do.
SIZES = {"B": 1, "T": 64, "H": 2, "Hg": 1, "K": 64, "V": 64, "BT": 64}


def _specs() -> list[Path]:
    flat = [p for p in KERNELS.glob("*.yaml")]
    folders = [p for p in KERNELS.glob("*/spec.yaml")]
    # A composite kernel (`stages:`) has no Metal of its own; its stages are compiled here.
    return sorted(p for p in flat + folders if "stages" not in yaml.safe_load(p.read_text()))


def _check_args(spec_path: Path) -> list[str]:
    spec = yaml.safe_load(spec_path.read_text())
    sizes = {name: SIZES.get(name, 64) for name in spec["sizes"]}
    for c in spec.get("constraints", []):
        assert expr.evaluate(c["check"], sizes), f"{spec_path}: add sizes meeting {c['check']}"
    args = [str(spec_path.parent / spec["source"]), "--name", spec["name"]]
    if spec.get("header"):
        args += ["--header", str(spec_path.parent / spec["header"])]
    for name, t in spec["inputs"].items():
        shape = "x".join(str(expr.evaluate(d, sizes)) for d in t["shape"]) or "scalar"
        args += ["--input", f"{name}:{t['dtype']}:{shape}"]
    for name, t in spec["outputs"].items():
        args += ["--output", f"{name}:{t['dtype']}"]
    for name, value in (spec.get("launch", {}).get("template") or {}).items():
        value = value if isinstance(value, str) and not value[0].isupper() else expr.evaluate(
            value, sizes
        )
        args += ["--template", f"{name}={str(value).lower()}"]
    return args


def test_every_kernel_is_found() -> None:
    names = {p.parent.name if p.name == "spec.yaml" else p.stem for p in _specs()}
    assert "chunk_tri_solve_invert" in names and len(names) >= 2


@pytest.mark.parametrize("triple", ["aarch64-macos", "x86_64-macos"])
@pytest.mark.parametrize(
    "spec_path", _specs(), ids=lambda p: p.parent.name if p.name == "spec.yaml" else p.stem
)
def test_kernel_links_for_macos(
    spec_path: Path, triple: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["check", *_check_args(spec_path), "--target", triple])
    out, err = capsys.readouterr()
    assert code == 0, err
    arch = "arm64" if triple.startswith("aarch64") else "x86_64"
    assert f"ok for {triple}" in out and f"Mach-O 64-bit executable, {arch}" in out, out
