"""Content, not time: the sha256 of everything that decides a job's result, and its check.

Snakemake 9.27 reruns a job when an input is *newer* than the job's outputs
(and, up to ``--max-checksum-file-size``, its bytes differ from the recorded
checksum).  A file whose bytes changed but whose mtime is old (``touch -d``,
``cp -p``, ``tar``, ``rsync -a``, ``git checkout`` of an old branch, an edit
saved while a run read the file) is not noticed, and verify would report the
old result as PASS.  Snakemake does compare a job's *params* with the values
recorded at its last run, whatever the mtimes, when the param is a function of
the wildcards only.  So each rule gets a ``content`` param: {path: sha256} of
its deciding files (kernel source and header, spec, the code the rule runs,
the golden bytes it reads) plus the toolchain versions; any changed byte reruns
exactly the jobs that read it.

Verify adds the second half (:func:`stale_sources`): each run records the
sha256 of the kernel source it compiled (``run.provenance.json``), and a run
whose recorded hashes differ from today's files is a stale verdict, reported
as a failure naming kernel, fixture and file.

No numpy here: the Snakefile calls this on every invocation.  Hashes are
memoised per process (one Snakemake invocation parses the Snakefile once).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from fixturepipe import paths
from fixturepipe.manifest import sha256_file

#: Packages whose version changes what a kernel run computes: MLX (Metal backend and the
#: array glue of both backends) and the pinned zig/clang that compiles the CPU executor.
TOOLCHAIN = ("mlx", "ziglang")


@functools.cache
def _sha256(path: Path) -> str:
    return sha256_file(path) if path.is_file() else "missing"


def files(root: str | Path, relpaths: Iterable[str | Path]) -> dict[str, str]:
    """{path relative to ``root``: sha256} of ``relpaths`` (relative or absolute), sorted.

    Relative keys keep the param the same when the project folder moves.
    """
    base = Path(root).resolve()
    rel = sorted({paths.relative(base / p, base) for p in relpaths})
    return {p: _sha256((base / p).resolve()) for p in rel}


@functools.cache
def toolchain() -> dict[str, str]:
    """Installed versions of :data:`TOOLCHAIN` (``"absent"`` when a package is not installed)."""
    found = {}
    for name in TOOLCHAIN:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def content_param(
    root: str | Path,
    deciding: Iterable[str | Path],
    golden: Callable[[str], Mapping[str, str]] | None = None,
    with_toolchain: bool = False,
) -> Callable[[Any], dict[str, Any]]:
    """A wildcards-only params function: hashes of ``deciding`` files (+ golden sums, toolchain).

    ``golden(fixture)`` gives the ``golden.sha256`` entries a fixture's job reads
    (empty for a candidate); taken from the manifest, so nothing is rehashed
    and verify's integrity check covers the bytes on disk.
    """
    fixed = files(root, deciding)

    def param(wildcards: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"files": fixed}
        if golden is not None and "fixture" in dict(wildcards.items()):
            out["golden"] = dict(sorted(golden(wildcards.fixture).items()))
        if with_toolchain:
            out["toolchain"] = toolchain()
        return out

    return param


def stale_sources(recorded: Mapping[str, str], current: Mapping[str, Path]) -> list[str]:
    """Sentences for each kernel file whose sha256 differs from the one a run recorded.

    ``recorded`` is ``run.provenance.json``'s ``kernel_source_sha256`` ({file
    name: sha256}); ``current`` maps the same names to today's files.  A file
    the run did not record (a header added since) counts as changed too.
    """
    problems = []
    for name, path in sorted(current.items()):
        now = sha256_file(path) if path.is_file() else None
        then = recorded.get(name)
        if now != then:
            problems.append(
                f"stale result: {path.as_posix()} has sha256 {now or '(missing)'}, but this run "
                f"was computed from sha256 {then or '(not recorded)'} (the file changed after "
                "or while the kernel ran); run verify again to recompute it."
            )
    return problems
