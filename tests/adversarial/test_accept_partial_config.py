"""Issue 9, case 3: `accept` with a partial config silently deleted golden fixtures.

`snakemake accept --configfile extra.yaml` (one new fixture; --configfile replaces
the fixture list) now adds that fixture and keeps every other golden fixture,
bytes, mtimes and golden.sha256 lines, saying which it kept.  Removing a golden
fixture is a separate command that names what it removes.  Real Snakemake runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from pipeline_project import KERNEL, env, fixture, make_project, snakemake

GOLDEN = Path("artifacts") / "fixtures" / KERNEL


def golden_files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted((root / "artifacts" / "fixtures").rglob("*")) if p.is_file()}


def manifest(root: Path) -> list[str]:
    return (root / "artifacts" / "golden.sha256").read_text().splitlines()


def remove(root: Path, *keys: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fixturepipe.golden", "remove", *keys],
                          cwd=root, env=env(root), capture_output=True, text=True)


def test_partial_config_accept_adds_and_keeps_then_removal_is_explicit(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", [fixture("a"), fixture("b", seed=8)])
    accepted = snakemake(root, "-j2", "accept")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    before, lines = golden_files(root), manifest(root)
    assert len(lines) == 6

    extra = root / "extra.yaml"
    extra.write_text(yaml.safe_dump({"fixtures": [fixture("c", seed=9)]}, sort_keys=False))
    partial = snakemake(root, "-j2", "accept", "--configfile", str(extra))

    assert partial.returncode == 0, partial.stdout + partial.stderr
    assert f"accept: added: {KERNEL}/c" in partial.stdout
    assert f"kept, not in this config (remove with `python -m fixturepipe.golden remove ...`): " \
           f"{KERNEL}/a, {KERNEL}/b" in partial.stdout
    after = golden_files(root)
    assert {p: v for p, v in after.items() if f"/{KERNEL}/c/" not in p} == before
    assert set(lines) < set(manifest(root)) and len(manifest(root)) == 9

    unknown = remove(root, f"{KERNEL}/a", f"{KERNEL}/nope")
    assert unknown.returncode == 1
    assert f"nothing removed: not golden fixtures: {KERNEL}/nope" in unknown.stderr
    assert golden_files(root) == after

    removed = remove(root, f"{KERNEL}/a")
    assert removed.returncode == 0, removed.stderr
    assert f"golden remove: removed {KERNEL}/a (3 files: " in removed.stdout
    assert not (root / GOLDEN / "a").exists() and (root / GOLDEN / "b").is_dir()
    assert not any(f"/{KERNEL}/a/" in line for line in manifest(root))
    assert len(manifest(root)) == 6
