"""Kernel specs for in-process tests, parsed once per kernels folder content, not per call.

``spec.load_all`` reads, schema-checks and cross-checks every kernel's spec.yaml (YAML
parsing and jsonschema: ~0.5 s on this machine). The plan tests build a plan dozens of
times from the same kernels folder, and mutmut runs those tests once per mutant of
config_checks and plan (docs/self_mutation.md), so parsing was most of that run's time.
:func:`load_all` returns what ``spec.load_all`` returns, keyed by the folder's path and
the sha256 of every file under it (an edited spec, Metal or Python file is parsed
again), deep-copied so no test sees another's changes. A failing load is not cached.
The repository's own kernels are parsed at import, i.e. at collection: mutmut's fork
server collects the tests once and every mutant's process inherits them.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

from fixturepipe import spec

REPO = Path(__file__).resolve().parents[1]
_parse = spec.load_all
_loaded: dict[tuple[Path, str], dict[str, spec.KernelSpec]] = {}


def _content(folder: Path) -> str:
    """sha256 over the relative path and bytes of every file under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_all(kernels_dir: str | Path) -> dict[str, spec.KernelSpec]:
    """``spec.load_all(kernels_dir)``, parsed once per folder content."""
    folder = Path(kernels_dir).resolve()
    key = (folder, _content(folder))
    if key not in _loaded:
        _loaded[key] = _parse(kernels_dir)
    return copy.deepcopy(_loaded[key])


load_all(REPO / "kernels")
