"""Reproducibility: do the files generated now match the accepted golden bytes?

Inputs and meta must be byte-identical (they come from seeded integer-exact
generators).  A float32 reference that differs by a few ULP on another machine
(LAPACK builds differ: OpenBLAS here, Accelerate on macOS) still reproduces if
it is within the fixture's tolerance of the golden one; it is reported as such,
never silently.  Any mismatch names the file and both hashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fixturepipe import compare, fixture_io, paths
from fixturepipe.config_checks import Fixture
from fixturepipe.manifest import sha256_file
from fixturepipe.spec import KernelSpec


def reproduce(
    generated: str | Path, golden: str | Path, spec: KernelSpec, fixture: Fixture,
    tolerance: Mapping[str, Any],
) -> dict[str, Any]:
    """Compare a generated fixture folder with its golden folder, file by file."""
    files: list[dict[str, Any]] = []
    failures: list[str] = []
    reference_names = {paths.reference_file(spec, t.name): t.name for t in spec.outputs}
    near: dict[str, Any] = {}
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
            failures.append(
                f"{paths.generated_dir(fixture.kernel, fixture.name)}/{name} does not reproduce "
                f"{paths.golden_dir(fixture.kernel, fixture.name)}/{name}: generated sha256 "
                f"{entry['generated_sha256']}, golden sha256 {entry['golden_sha256']}"
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
