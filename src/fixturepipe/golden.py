"""The golden set: ``artifacts/golden.sha256`` (in git) and ``artifacts/fixtures/`` (DVC).

Reads the list of accepted fixtures, checks golden files against it, and
implements ``accept`` (generated -> golden, atomically).  Nothing else writes a
golden file.  No numpy: the Snakefile calls this at parse time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fixturepipe import atomic, paths
from fixturepipe.manifest import format_sums, parse_sums, sha256_file


class GoldenMissingError(RuntimeError):
    """Golden files listed in ``golden.sha256`` are absent (fetch them with ``dvc pull``)."""


@dataclass(frozen=True)
class IntegrityProblem:
    """A golden file whose bytes differ from ``golden.sha256`` (``actual`` None: missing)."""

    path: str
    expected: str
    actual: str | None

    def sentence(self) -> str:
        """A message naming the file and both hashes."""
        if self.actual is None:
            return f"{self.path} is listed in {paths.GOLDEN_MANIFEST} but missing; run `dvc pull`."
        return (
            f"{self.path} was altered: sha256 {self.actual}, but {paths.GOLDEN_MANIFEST} "
            f"expects {self.expected}; restore it with `dvc checkout` / `dvc pull`, or accept "
            "new bytes with `dvc repro`."
        )


def read_manifest(root: str | Path = ".") -> dict[str, str]:
    """The golden manifest, {relative path: sha256}; empty if there is none yet."""
    file = Path(root) / paths.GOLDEN_MANIFEST
    return parse_sums(file.read_text(encoding="utf-8")) if file.is_file() else {}


def golden_fixtures(manifest: Mapping[str, str]) -> set[tuple[str, str]]:
    """(kernel, fixture) pairs that have accepted golden files."""
    found = set()
    prefix = paths.GOLDEN_ROOT + "/"
    for path in manifest:
        if path.startswith(prefix):
            parts = path[len(prefix) :].split("/")
            if len(parts) == 3:
                found.add((parts[0], parts[1]))
    return found


def require_present(root: str | Path, files: Iterable[str]) -> None:
    """Raise :class:`GoldenMissingError` (telling the user to ``dvc pull``) if any is absent."""
    missing = [f for f in files if not (Path(root) / f).is_file()]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        shown = ", ".join(missing[:3]) + more
        raise GoldenMissingError(
            f"Golden fixture files listed in {paths.GOLDEN_MANIFEST} are missing ({shown}). "
            "Run `dvc pull` to fetch them; nothing regenerates over golden files."
        )


def integrity_problems(root: str | Path = ".") -> list[IntegrityProblem]:
    """Every golden file whose bytes differ from ``golden.sha256``, or that is missing."""
    problems = []
    for path, expected in sorted(read_manifest(root).items()):
        file = Path(root) / path
        actual = sha256_file(file) if file.is_file() else None
        if actual != expected:
            problems.append(IntegrityProblem(path, expected, actual))
    return problems


def accept(
    root: str | Path, fixtures: Mapping[tuple[str, str], list[str]]
) -> dict[str, list[str]]:
    """Promote generated -> golden for ``{(kernel, fixture): [file names]}``; rewrite the manifest.

    Each fixture folder is staged complete in a temp folder beside its target,
    then swapped in by rename, so a reader (or a crash) sees the old folder or
    the new one.  Golden folders of fixtures no longer in the config are removed.
    ``golden.sha256`` is written last, atomically.  Returns what changed.
    """
    root = Path(root)
    old = read_manifest(root)
    sums: dict[str, str] = {}
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": [], "unchanged": []}
    for (kernel, fixture), names in sorted(fixtures.items()):
        source = root / paths.generated_dir(kernel, fixture)
        target = root / paths.golden_dir(kernel, fixture)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{fixture}.", dir=target.parent))
        staging.chmod(0o755)
        for name in names:
            shutil.copyfile(source / name, staging / name)
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())
            sums[f"{paths.golden_dir(kernel, fixture)}/{name}"] = sha256_file(staging / name)
        prefix = paths.golden_dir(kernel, fixture) + "/"
        new = {p: h for p, h in sums.items() if p.startswith(prefix)}
        before = {p: h for p, h in old.items() if p.startswith(prefix)}
        key = f"{kernel}/{fixture}"
        if not before:
            changes["added"].append(key)
        elif before != new:
            changes["changed"].append(key)
        else:
            changes["unchanged"].append(key)
        _swap_dir(staging, target)
    for kernel, fixture in sorted(golden_fixtures(old) - set(fixtures)):
        shutil.rmtree(root / paths.golden_dir(kernel, fixture), ignore_errors=True)
        changes["removed"].append(f"{kernel}/{fixture}")
    atomic.write_text(root / paths.GOLDEN_MANIFEST, format_sums(sums))
    return changes


def _swap_dir(staging: Path, target: Path) -> None:
    """Replace directory ``target`` by ``staging`` with renames (atomic per fixture folder)."""
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(retired)
        os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired)
    else:
        os.replace(staging, target)
