"""The golden set: ``artifacts/golden.sha256`` (in git) and ``artifacts/fixtures/`` (DVC).

Reads the list of accepted fixtures, checks golden files against it, and
implements ``accept`` (generated -> golden, atomically; adds and updates only)
and ``remove`` (the explicit removal, ``python -m fixturepipe.golden remove
<kernel>/<fixture>``).  Nothing else writes a golden file.  No numpy: the
Snakefile calls this at parse time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fixturepipe import atomic, paths
from fixturepipe.manifest import format_sums, parse_sums, sha256_file


class GoldenMissingError(RuntimeError):
    """Golden files listed in ``golden.sha256`` are absent (fetch them with ``dvc pull``).

    ``missing`` lists every absent golden file of the manifest, not only the
    ones of the fixture that ran into it.
    """

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class IntegrityProblem:
    """A golden file whose bytes differ from ``golden.sha256`` (``actual`` None: missing).

    ``manifest_edited``: the file still matches ``dvc.lock``, so the entry in
    ``golden.sha256`` is what changed, and the message blames it, not the file.
    """

    path: str
    expected: str
    actual: str | None
    manifest_edited: bool = False

    def sentence(self) -> str:
        """A message naming the file and both hashes."""
        if self.manifest_edited:
            return (
                f"{paths.GOLDEN_MANIFEST} was edited: it lists sha256 {self.expected} for "
                f"{self.path}, but that file (sha256 {self.actual}) is the one dvc.lock pins; "
                f"restore the manifest with `git checkout -- {paths.GOLDEN_MANIFEST}`."
            )
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
    """Raise :class:`GoldenMissingError` (telling the user to ``dvc pull``) if any is absent.

    The message lists every missing golden file of the manifest, folder by
    folder, so one run tells the whole story (not one fixture per attempt).
    """
    if all((Path(root) / f).is_file() for f in files):
        return
    missing = sorted(
        {p for p in read_manifest(root) if not (Path(root) / p).is_file()}
        | {f for f in files if not (Path(root) / f).is_file()}
    )
    by_folder: dict[str, list[str]] = {}
    for path in missing:
        folder, _, name = path.rpartition("/")
        by_folder.setdefault(folder, []).append(name)
    shown = "; ".join(f"{folder}/: {', '.join(names)}" for folder, names in by_folder.items())
    raise GoldenMissingError(
        f"Golden fixture files listed in {paths.GOLDEN_MANIFEST} are missing ({len(missing)} "
        f"files in {len(by_folder)} folders: {shown}). Run `dvc pull` to fetch them; nothing "
        "regenerates over golden files.",
        missing,
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

    Adds and updates, never removes: golden fixtures that ``fixtures`` does not
    name (a partial ``--configfile``, a fixture dropped from the config) stay as
    they are, with their ``golden.sha256`` lines; :func:`remove` is the separate,
    explicit act.  A fixture whose generated bytes equal its golden ones is not
    touched at all (same files, same mtimes), so nothing downstream of it
    reruns.  A changed fixture folder is staged complete beside its target and
    swapped in by rename, so a reader (or a crash) sees the old folder or the
    new one; unchanged files in it are copied with their mtimes.
    ``golden.sha256`` is written last, atomically.  Returns what happened.
    """
    root = Path(root)
    old = read_manifest(root)
    sums = dict(old)
    changes: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": [], "kept": []}
    for (kernel, fixture), names in sorted(fixtures.items()):
        source = root / paths.generated_dir(kernel, fixture)
        target = root / paths.golden_dir(kernel, fixture)
        prefix = paths.golden_dir(kernel, fixture) + "/"
        new = {f"{prefix}{name}": sha256_file(source / name) for name in names}
        before = {p: h for p, h in old.items() if p.startswith(prefix)}
        key = f"{kernel}/{fixture}"
        if before == new and _matches(root, new):
            changes["unchanged"].append(key)
            continue
        changes["changed" if before else "added"].append(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{fixture}.", dir=target.parent))
        staging.chmod(0o755)
        for name in names:
            path = f"{prefix}{name}"
            if before.get(path) == new[path] and _matches(root, {path: new[path]}):
                shutil.copy2(target / name, staging / name)  # keeps the golden file's mtime
            else:
                shutil.copyfile(source / name, staging / name)
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())
            if sha256_file(staging / name) != new[path]:
                shutil.rmtree(staging)
                raise RuntimeError(f"{source / name} changed while it was being accepted")
        _swap_dir(staging, target)
        for path in before:
            sums.pop(path)
        sums.update(new)
    accepted = set(fixtures)
    changes["kept"] = sorted(f"{k}/{f}" for k, f in golden_fixtures(old) - accepted)
    if sums != old:
        atomic.write_text(root / paths.GOLDEN_MANIFEST, format_sums(sums))
    return changes


def _matches(root: Path, sums: Mapping[str, str]) -> bool:
    """Every file of ``sums`` exists with those bytes (a damaged golden file is rewritten)."""
    return all((root / p).is_file() and sha256_file(root / p) == h for p, h in sums.items())


def remove(root: str | Path, keys: Iterable[str]) -> list[str]:
    """Remove the golden fixtures ``keys`` (``<kernel>/<fixture>``): folders and manifest lines.

    The one way a golden fixture goes away, so it is never a side effect of a
    config that does not list it.  Raises :class:`KeyError` naming any key that
    is not a golden fixture, before removing anything.  Returns the removed
    files.  The manifest is rewritten first (atomically), then the folders go.
    """
    root = Path(root)
    old = read_manifest(root)
    known = {f"{k}/{f}" for k, f in golden_fixtures(old)}
    wanted = list(dict.fromkeys(keys))
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise KeyError(
            f"not golden fixtures: {', '.join(unknown)} (golden fixtures in "
            f"{paths.GOLDEN_MANIFEST}: {', '.join(sorted(known)) or 'none'})"
        )
    prefixes = tuple(f"{paths.GOLDEN_ROOT}/{key}/" for key in wanted)
    removed = sorted(p for p in old if p.startswith(prefixes))
    atomic.write_text(
        root / paths.GOLDEN_MANIFEST,
        format_sums({p: h for p, h in old.items() if not p.startswith(prefixes)}),
    )
    for key in wanted:
        shutil.rmtree(root / paths.GOLDEN_ROOT / key, ignore_errors=True)
    return removed


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


def main(argv: list[str] | None = None) -> int:
    """``python -m fixturepipe.golden remove <kernel>/<fixture> ...``: the explicit removal."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "remove":
        print("usage: python -m fixturepipe.golden remove <kernel>/<fixture> [...]",
              file=sys.stderr)
        return 2
    try:
        removed = remove(".", args[1:])
    except KeyError as exc:
        print(f"golden remove: nothing removed: {exc.args[0]}", file=sys.stderr)
        return 1
    for key in dict.fromkeys(args[1:]):
        files = [p for p in removed if p.startswith(f"{paths.GOLDEN_ROOT}/{key}/")]
        print(f"golden remove: removed {key} ({len(files)} files: "
              f"{', '.join(Path(p).name for p in files)})")
    print(
        f"golden remove: rewrote {paths.GOLDEN_MANIFEST}. Delete these fixtures from the "
        "config too (else the next accept adds them again), then `dvc commit golden` and "
        f"commit {paths.GOLDEN_MANIFEST} and dvc.lock."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
