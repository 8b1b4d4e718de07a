"""Reproducibility: do the files generated now match the accepted golden bytes?

Inputs and meta must be byte-identical (they come from seeded integer-exact
generators).  A float32 reference that differs by a few ULP on another machine
(LAPACK builds differ: OpenBLAS here, Accelerate on macOS) still reproduces if
it is within the fixture's tolerance of the golden one; it is reported as such,
never silently.  Any mismatch names the file, how many elements differ and by
how many ULP at most, both hashes, and how to accept the new bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fixturepipe import compare, fixture_io, paths
from fixturepipe.fixture import Fixture
from fixturepipe.manifest import sha256_file
from fixturepipe.spec import KernelSpec

ACCEPT_HINT = "if the new bytes are right, accept them with `dvc repro` then `dvc push`"


def reproduce(
    generated: str | Path, golden: str | Path, spec: KernelSpec, fixture: Fixture,
    tolerance: Mapping[str, Any],
) -> dict[str, Any]:
    """Compare a generated fixture folder with its golden folder, file by file."""
    files: list[dict[str, Any]] = []
    failures: list[str] = []
    reference_names = {paths.reference_file(spec, t.name): t.name for t in spec.outputs}
    near: dict[str, Any] = {}
    drift: dict[str, str] | None = None
    for name in paths.fixture_files(spec):
        gen, gold = Path(generated) / name, Path(golden) / name
        entry = {
            "file": name,
            "generated_sha256": sha256_file(gen),
            "golden_sha256": sha256_file(gold) if gold.is_file() else None,
        }
        entry["identical"] = entry["generated_sha256"] == entry["golden_sha256"]
        if not entry["identical"] and name in reference_names and entry["golden_sha256"]:
            near = near or _reference_metrics(generated, golden, spec, fixture, tolerance)
            entry["within_tolerance"] = near[reference_names[name]]["passed"]
            entry["metrics"] = near[reference_names[name]]["metrics"]
        if not entry["identical"] and not entry.get("within_tolerance", False):
            drift = drift if drift is not None else array_drift(generated, golden, spec, fixture)
            entry["drift"] = drift.get(name, "a JSON file, compared by bytes only")
            failures.append(
                f"{paths.generated_dir(fixture.kernel, fixture.name)}/{name} does not reproduce "
                f"{paths.golden_dir(fixture.kernel, fixture.name)}/{name}: {entry['drift']} "
                f"(generated sha256 {entry['generated_sha256']}, golden sha256 "
                f"{entry['golden_sha256']}); {ACCEPT_HINT}"
            )
        files.append(entry)
    return {"passed": not failures, "failures": failures, "files": files}


def _reference_metrics(
    generated: str | Path, golden: str | Path, spec: KernelSpec, fixture: Fixture,
    tolerance: Mapping[str, Any],
) -> dict[str, Any]:
    try:
        gen = fixture_io.read_references(generated, spec, fixture)
        gold = fixture_io.read_references(golden, spec, fixture)
    except Exception as exc:  # a truncated golden file is a mismatch, reported by hash
        return {t.name: {"passed": False, "metrics": {"error": str(exc)}} for t in spec.outputs}
    out = {}
    for t in spec.outputs:
        result = compare.compare({t.name: gen[t.name]}, {t.name: gold[t.name]}, None, tolerance)
        out[t.name] = {"passed": result["passed"],
                       "metrics": compare.json_safe(result["outputs"][t.name]["vs_reference"])}
    return out


def array_drift(
    generated: str | Path, golden: str | Path, spec: KernelSpec, fixture: Fixture
) -> dict[str, str]:
    """{file name: "N of M elements differ, max K ULP"} for every input and reference file.

    Elements are compared bit for bit (so a NaN payload or -0 counts); the ULP
    distance is taken over the elements finite in both files.
    """
    out: dict[str, str] = {}
    kinds = (
        (fixture_io.read_inputs, {paths.input_file(spec, t.name): t.name for t in spec.inputs}),
        (fixture_io.read_references,
         {paths.reference_file(spec, t.name): t.name for t in spec.outputs}),
    )
    for read, files in kinds:
        try:
            gen, gold = read(generated, spec, fixture), read(golden, spec, fixture)
        except Exception as exc:  # e.g. a truncated golden file: not comparable element-wise
            out.update({f: f"not comparable element by element ({exc})" for f in files})
            continue
        for file, name in files.items():
            out[file] = _describe(gen[name], gold[name])
    return out


def _describe(new: np.ndarray, old: np.ndarray) -> str:
    bits = np.dtype(f"u{new.dtype.itemsize}")
    new, old = new.reshape(-1), old.reshape(-1)
    differ = new.view(bits) != old.view(bits)
    text = f"{int(differ.sum())} of {new.size} elements differ"
    if new.dtype in compare._INT_VIEW:
        finite = np.isfinite(new) & np.isfinite(old)
        ulp = compare.ulp_distance(new[finite], old[finite])
        text += f", max {int(ulp.max()) if ulp.size else 0} ULP"
        non_finite = int((differ & ~finite).sum())
        if non_finite:
            text += f" ({non_finite} of them non-finite)"
    return text
