"""Which report figures are up to date: redraw a fixture output's figures only when what
they show changed.

``verify`` runs on every invocation (it checks golden integrity each time), so drawing
every figure each time would make a no-op run pay for matplotlib.  Each output's figures
carry a key file: the SHA-256 of its compare.json entry, the tolerance, the bytes of the
output and reference arrays, and the drawing code.  Equal key, existing files: reuse.
This module needs neither numpy nor matplotlib; :mod:`fixturepipe.figures` is imported
only to draw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fixturepipe import atomic, paths

_DRAWING_CODE = Path(__file__).with_name("figures.py")
CAPTIONS = {
    "block_map": "(a) Max |error| per block in ULPs at the output's scale, over the leading "
                 "axes (batch x chunk rows, head columns for FLA layouts): stride and head bugs "
                 "show as patterns.",
    "worst_block": "(b) Signed error (out - ref) in ULPs inside the worst block.",
    "histogram": "(c) Per-element |error| in ULPs against the tolerance line (log scale).",
    "non_finite": "(d) Where the output is unwritten, NaN from uninitialised threadgroup "
                  "memory, or NaN/inf written by the kernel (where the reference is finite).",
}


def _key(entry: Mapping[str, Any], tolerance: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([entry, tolerance], sort_keys=True).encode())
    for name in ("output", "reference"):
        h.update(Path(entry["arrays"][name]).read_bytes())
    h.update(_DRAWING_CODE.read_bytes())
    return h.hexdigest()


def figures_for(result: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{output: {kind: png path}} for one compare.json result, drawing what is stale."""
    folder = Path(paths.figures_dir(result["kernel"], result["fixture"]))
    made: dict[str, dict[str, str]] = {}
    for output, entry in result.get("outputs", {}).items():
        if "arrays" not in entry or "block_map" not in entry:
            continue
        key_file = folder / f"{output}.key.json"
        key = _key(entry, result.get("tolerance", {}))
        try:
            cached = json.loads(key_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
        if cached.get("key") == key and all(Path(p).is_file() for p in cached["files"].values()):
            made[output] = cached["files"]
            continue
        from fixturepipe import figures  # numpy + matplotlib: only when drawing

        for stale in folder.glob(f"{output}.*.png"):
            stale.unlink()
        files = figures.draw(entry, result.get("tolerance", {}), folder, output)
        atomic.write_json(key_file, {"key": key, "files": files})
        made[output] = files
    return made
