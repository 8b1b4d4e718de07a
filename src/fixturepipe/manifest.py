"""sha256sum-format checksum files (``SHA256SUMS``, ``golden.sha256``) via hashlib.

Sorted relative paths and no timestamps, so the same artifacts give the same
bytes on every machine and ``sha256sum -c`` can check them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from fixturepipe import atomic


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, streamed in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_sums(text: str) -> dict[str, str]:
    """``sha256sum`` format (``<hex>  <path>``) -> {path: hex}."""
    sums: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            sums[name.lstrip("*")] = digest
    return sums


def format_sums(sums: Mapping[str, str]) -> str:
    """{path: hex} -> ``sha256sum`` format, sorted by path (byte-deterministic)."""
    return "".join(f"{sums[p]}  {p}\n" for p in sorted(sums))


def write_manifest(root: str | Path, files: Iterable[str], out: str | Path) -> dict[str, str]:
    """Hash ``files`` (paths relative to ``root``) and write ``out`` atomically; return the sums."""
    sums = {Path(f).as_posix(): sha256_file(Path(root) / f) for f in files}
    atomic.write_text(Path(root) / out, format_sums(sums))
    return sums
