"""Check the golden files on disk against the hashes DVC pinned in ``dvc.lock``.

Why not ``dvc status``: it takes about a second to start and answers "changed
outs" for a directory without saying which file changed. ``verify`` must name
the file and stay fast on a no-op run, so this module recomputes DVC's own
hashes directly:

* a file out's hash is the md5 of its bytes (DVC 3, ``hash: md5``);
* a directory out's hash is ``md5(json.dumps(entries, sort_keys=True)) + ".dir"``
  where ``entries`` is ``[{"md5": <file md5>, "relpath": <posix path>}, ...]``
  sorted by ``relpath`` (dvc-data ``hashfile/tree.py``: ``Tree.as_bytes`` and
  ``Tree.digest``). That JSON is also stored as the ``<hash>.dir`` object in the
  DVC cache and remote, which is how a mismatch is traced to single files.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from fixturepipe.paths import GOLDEN_MANIFEST

if TYPE_CHECKING:
    from fixturepipe.golden import IntegrityProblem

LOCK_FILE = "dvc.lock"
# libyaml's loader when present: dvc.lock parsing is on verify's no-op path.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ACCEPT_HINT = "accept the new bytes as golden with `dvc repro` then `dvc push`"


@dataclass(frozen=True)
class Problem:
    """One golden path that does not match ``dvc.lock``, and what to do about it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def sentence(self) -> str:
        """The problem as verify prints it (same method as ``golden.IntegrityProblem``)."""
        return f"{self.path} does not match dvc.lock: {self.message}"


def file_md5(path: Path) -> str:
    """DVC 3's hash of a file: the plain md5 of its bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "md5").hexdigest()


def dir_entries(root: Path) -> dict[str, str]:
    """``{posix relpath: md5}`` of every file under ``root``, as DVC lists a directory."""
    entries: dict[str, str] = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath, name)
            entries[path.relative_to(root).as_posix()] = file_md5(path)
    return entries


def dir_object_bytes(entries: dict[str, str]) -> bytes:
    """The bytes of DVC's ``.dir`` object for a listing (its md5 is the dir hash)."""
    listing = [{"md5": md5, "relpath": rel} for rel, md5 in sorted(entries.items())]
    return json.dumps(listing, sort_keys=True).encode("utf-8")


def dir_md5(entries: dict[str, str]) -> str:
    """DVC 3's hash of a directory with these files, ``<md5>.dir``."""
    return hashlib.md5(dir_object_bytes(entries)).hexdigest() + ".dir"


def _object_dirs(repo_root: Path) -> list[Path]:
    """Local places that may hold DVC objects: the cache and every local-path remote.

    The embedded remote is committed to git, so in a fresh clone it holds the
    ``.dir`` listings even before ``dvc pull``.
    """
    dvc_dir = repo_root / ".dvc"
    places = [dvc_dir / "cache"]
    parser = configparser.ConfigParser(interpolation=None)
    parser.read([dvc_dir / "config", dvc_dir / "config.local"])
    for section in parser.sections():
        if section.startswith("cache") and parser.has_option(section, "dir"):
            places.insert(0, dvc_dir / parser.get(section, "dir"))
        if section.startswith("'remote") and parser.has_option(section, "url"):
            url = parser.get(section, "url")
            if "://" not in url:
                # A relative local-remote path in .dvc/config is relative to .dvc/.
                places.append(dvc_dir / url)
    return [place / "files" / "md5" for place in places]


def load_dir_listing(repo_root: Path, dir_hash: str) -> dict[str, str] | None:
    """The file listing DVC recorded for ``dir_hash``, or None if no local copy.

    A listing is only trusted if its bytes hash to its name.
    """
    value = dir_hash.removesuffix(".dir")
    for objects in _object_dirs(repo_root):
        path = objects / value[:2] / (value[2:] + ".dir")
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if hashlib.md5(raw).hexdigest() != value:
            continue
        return {entry["relpath"]: entry["md5"] for entry in json.loads(raw)}
    return None


def _check_file(repo_root: Path, rel: str, expected: str) -> list[Problem]:
    path = repo_root / rel
    if not path.is_file():
        return [Problem(rel, "missing; dvc.lock pins it: run `dvc pull` to restore it")]
    actual = file_md5(path)
    if actual != expected:
        return [
            Problem(
                rel,
                f"md5 {actual} differs from dvc.lock's {expected}: the file changed after "
                f"it was accepted; restore it with `dvc checkout --force {rel}`, or {ACCEPT_HINT}",
            )
        ]
    return []


def _check_dir(repo_root: Path, rel: str, expected: str) -> list[Problem]:
    root = repo_root / rel
    if not root.is_dir():
        return [Problem(rel, "missing; dvc.lock pins it: run `dvc pull` to restore it")]
    actual = dir_entries(root)
    if dir_md5(actual) == expected:
        return []
    pinned = load_dir_listing(repo_root, expected)
    if pinned is None:
        return [
            Problem(
                rel,
                f"directory hash {dir_md5(actual)} differs from dvc.lock's {expected}, and "
                "its file list is in neither the DVC cache nor a local remote: run `dvc fetch` "
                "to see which files differ, `dvc checkout --force` to restore them",
            )
        ]
    problems = []
    for name in sorted(pinned.keys() | actual.keys()):
        path = f"{rel}/{name}"
        if name not in actual:
            problems.append(Problem(path, "missing; dvc.lock pins it: run `dvc pull`"))
        elif name not in pinned:
            problems.append(
                Problem(path, f"not in dvc.lock's golden set: remove it, or {ACCEPT_HINT}")
            )
        elif actual[name] != pinned[name]:
            problems.append(
                Problem(
                    path,
                    f"md5 {actual[name]} differs from dvc.lock's {pinned[name]}: the file was "
                    f"changed after it was accepted; restore it with `dvc checkout --force {rel}`, "
                    f"or {ACCEPT_HINT}",
                )
            )
    return problems


def check(repo_root: Path | str = ".") -> list[Problem]:
    """Compare every output pinned in ``dvc.lock`` with the files on disk.

    Returns one :class:`Problem` per differing, missing or unexpected file (an
    empty list means the golden set is exactly what ``dvc.lock`` pins, or that
    there is no ``dvc.lock``).
    """
    repo_root = Path(repo_root)
    lock_path = repo_root / LOCK_FILE
    try:
        lock = yaml.load(lock_path.read_text(), Loader=_YAML_LOADER)
    except FileNotFoundError:
        # Not a DVC-tracked project (e.g. a scratch copy of the pipeline): nothing
        # is pinned here; golden.sha256 is still checked by fixturepipe.golden.
        return []
    problems: list[Problem] = []
    for stage_name, stage in (lock.get("stages") or {}).items():
        for out in stage.get("outs") or []:
            rel, expected = out["path"], out.get("md5")
            if out.get("hash") != "md5" or not expected:
                problems.append(
                    Problem(
                        rel,
                        f"stage {stage_name!r} in dvc.lock has no DVC 3 md5 for it: "
                        "run `dvc repro` (or `dvc commit`) with DVC 3",
                    )
                )
            elif expected.endswith(".dir"):
                problems.extend(_check_dir(repo_root, rel, expected))
            else:
                problems.extend(_check_file(repo_root, rel, expected))
    return problems


def _pinned_md5s(repo_root: Path) -> dict[str, str]:
    """{golden file path: md5} as dvc.lock pins it (directory outs via their .dir listing)."""
    try:
        lock = yaml.load((repo_root / LOCK_FILE).read_text(), Loader=_YAML_LOADER)
    except FileNotFoundError:
        return {}
    pinned: dict[str, str] = {}
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            md5 = out.get("md5") or ""
            if md5.endswith(".dir"):
                listing = load_dir_listing(repo_root, md5) or {}
                pinned.update({f"{out['path']}/{rel}": m for rel, m in listing.items()})
            elif md5:
                pinned[out["path"]] = md5
    return pinned


def corrupted_objects(repo_root: Path | str, files: list[str]) -> list[str]:
    """Sentences naming each DVC object of ``files`` whose bytes do not hash to its name.

    A corrupted object in the cache or a local remote makes ``dvc pull`` fail
    on it ("corrupted cache file") every time; saying "run `dvc pull`" again
    would send the user round in a loop, so name the object and the way out.
    """
    root = Path(repo_root)
    pinned = _pinned_md5s(root)
    found = []
    for path in files:
        md5 = pinned.get(path)
        if not md5:
            continue
        for objects in _object_dirs(root):
            obj = objects / md5[:2] / md5[2:]
            if obj.is_file() and (actual := file_md5(obj)) != md5:
                shown = os.path.relpath(obj, root)
                found.append(
                    f"The DVC object {shown} (for {path}) is corrupted: its md5 is {actual}, "
                    f"not {md5}, so `dvc pull` cannot restore {path} and will fail again. "
                    f"Replace that object with a good copy (`dvc push` from a clone whose file "
                    f"is intact), or delete it and accept the fixture anew: {ACCEPT_HINT}."
                )
    return found


def blame_manifest(
    integrity: list[IntegrityProblem], lock_problems: list[Problem]
) -> list[IntegrityProblem]:
    """Mark golden.sha256 mismatches whose file still matches dvc.lock as an edited manifest.

    When ``golden.sha256`` itself differs from dvc.lock and a golden file does
    not, the file is intact and the manifest line is what changed: blaming the
    ``.bin`` would send the user to restore a good file.
    """
    differing = {p.path for p in lock_problems}
    if GOLDEN_MANIFEST not in differing:
        return integrity
    return [
        replace(p, manifest_edited=True)
        if p.actual is not None and p.path not in differing
        and not any(p.path.startswith(d + "/") for d in differing)
        else p
        for p in integrity
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m fixturepipe.dvc_integrity [REPO]``: print problems, exit 1 if any."""
    args = sys.argv[1:] if argv is None else argv
    problems = check(Path(args[0]) if args else Path("."))
    for problem in problems:
        print(problem)
    if not problems:
        print("golden files match dvc.lock")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
