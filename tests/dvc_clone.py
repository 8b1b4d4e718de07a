"""Fresh clones of this repository, for the DVC tests: git clone, dvc pull, compare.

The DVC tests work on a ``git clone`` of the repository (its committed state,
exactly what a new user or CI gets), never on the working tree, so they can
pull, corrupt and kill without touching the developer's golden files.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import yaml

from fixturepipe.paths import GOLDEN_MANIFEST, GOLDEN_ROOT

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
DVC = str(BIN / "dvc")
SNAKEMAKE = str(BIN / "snakemake")


def tool_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's env) with the venv on PATH and a git identity."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for role in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{role}_NAME"] = "fixturepipe tests"
        env[f"GIT_{role}_EMAIL"] = "tests@localhost"
    return env


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command; with ``check`` fail the test with its full output."""
    proc = subprocess.run(
        args, cwd=cwd, env=env or tool_env(), capture_output=True, text=True, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {proc.returncode} in {cwd}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def fresh_clone(dest: Path) -> Path:
    """``git clone`` of the repository's committed state into ``dest``."""
    run(["git", "clone", "-q", str(REPO), str(dest)], dest.parent)
    return dest


def manifest(clone: Path) -> dict[str, str]:
    """``artifacts/golden.sha256`` as {relative path: sha256}."""
    sums = {}
    for line in (clone / GOLDEN_MANIFEST).read_text().splitlines():
        digest, _, path = line.partition("  ")
        sums[path] = digest
    return sums


def sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def golden_files(clone: Path) -> dict[str, str]:
    """{relative path: sha256} of every file now under ``artifacts/fixtures``."""
    root = clone / GOLDEN_ROOT
    if not root.exists():
        return {}
    return {
        p.relative_to(clone).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def wrong_golden_files(clone: Path) -> list[str]:
    """Golden files on disk whose bytes are not the manifest's (or that it does not list)."""
    sums = manifest(clone)
    return [path for path, digest in golden_files(clone).items() if sums.get(path) != digest]


def store_objects(clone: Path) -> dict[str, Path]:
    """{golden file, relative to ``GOLDEN_ROOT``: its object in the clone's committed DVC
    store (``dvc-store/``)}, as ``dvc.lock`` pins them: what a test corrupts to play a
    damaged remote."""
    lock = yaml.safe_load((clone / "dvc.lock").read_text())
    dir_hash = next(o["md5"] for o in lock["stages"]["golden"]["outs"] if o["path"] == GOLDEN_ROOT)
    objects = clone / "dvc-store" / "files" / "md5"
    listing = json.loads((objects / dir_hash[:2] / dir_hash[2:]).read_text())
    return {e["relpath"]: objects / e["md5"][:2] / e["md5"][2:] for e in listing}


def flip_one_bit(path: Path) -> None:
    """Flip one bit in the middle of ``path``: same size, so only a hash check can notice."""
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    path.write_bytes(bytes(raw))


def restrict_fixtures(clone: Path, names: set[str]) -> str:
    """Keep only fixtures ``names`` in the clone's config (a ~3 s verify instead of ~40 s).

    Returns the previous config text so a test can put it back.
    """
    config_file = clone / "config" / "config.yaml"
    before = config_file.read_text()
    config = yaml.safe_load(before)
    config["fixtures"] = [f for f in config["fixtures"] if f["name"] in names]
    config["partial"] = True  # the other golden fixtures go unverified on purpose
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return before
