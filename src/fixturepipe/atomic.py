"""Atomic file writes: a killed job never leaves a partial file under an output name.

Every artifact is written to a temporary file in the *same* directory (so the
final ``os.replace`` is a rename within one filesystem, which POSIX makes
atomic) and only then moved to its final name.  A reader sees either the old
file, no file, or the complete new file, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp's 0600 would hide artifacts


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temp file beside ``path``; on clean exit fsync it and rename it to ``path``.

    On an exception the temp file is removed and ``path`` is untouched.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open supports modes 'wb' and 'w', not {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with _suppress_missing():
            os.unlink(tmp)
        raise


@contextmanager
def _suppress_missing() -> Iterator[None]:
    with suppress(FileNotFoundError):
        yield


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace ``path`` with ``data``."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Atomically replace ``path`` with UTF-8 ``text``."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json(path: str | os.PathLike[str], obj: Any, *, indent: int = 2) -> None:
    """Atomically write ``obj`` as JSON with a trailing newline and stable key order.

    Keys keep insertion order (not sorted) so seed-compatible meta files keep the
    seed script's order; callers build dicts deterministically.
    """
    write_text(path, json.dumps(obj, indent=indent) + "\n")
