"""Read and write one fixture folder (``<k>_input_<x>.bin``, ``<k>_<y>_ref.bin``, meta).

The folder is seed-script compatible so it can be dropped into a Rust crate's
``tests/fixtures``: raw arrays plus a meta file whose first keys are the seed
script's (sizes, ``seed`` as ``0x%08X``, ``spec_source``, ``reference_impl``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fixturepipe import atomic, binio, paths
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec


def meta(spec: KernelSpec, fixture: Fixture) -> dict[str, Any]:
    """The meta dict: seed-script keys first, then the pipeline's extra keys."""
    sizes = fixture.sizes
    reference_impl = (
        spec.meta.get("reference_impl", fixture.reference)
        if fixture.reference == spec.reference
        else f"fixturepipe.references.{fixture.reference}"
    )
    out: dict[str, Any] = {s: int(sizes[s]) for s in spec.sizes}
    out["seed"] = f"0x{fixture.seed:08X}"
    out["spec_source"] = spec.meta.get("spec_source", "")
    out["reference_impl"] = reference_impl
    out.update({k: v for k, v in spec.meta.items() if k not in out})
    out["fixture"] = fixture.name
    out["generator"] = (
        {"name": fixture.generator, **fixture.generator_params} if fixture.generator else None
    )
    if fixture.inputs_from:  # only chained fixtures carry the key (older meta files keep bytes)
        out["inputs_from"] = {k: dict(v) for k, v in fixture.inputs_from.items()}
    out["reference"] = fixture.reference
    out["inputs"] = {
        t.name: {"file": paths.input_file(spec, t.name), "shape": list(t.shape_for(sizes)),
                 "dtype": t.dtype}
        for t in spec.inputs
    }
    out["outputs"] = {
        t.name: {"file": paths.reference_file(spec, t.name), "shape": list(t.shape_for(sizes)),
                 "dtype": t.dtype}
        for t in spec.outputs
    }
    return out


def write_inputs(
    folder: str | Path, spec: KernelSpec, fixture: Fixture, arrays: Mapping[str, np.ndarray]
) -> None:
    """Write every input array (shape-checked) and the meta file into ``folder``."""
    for t in spec.inputs:
        _write(Path(folder) / paths.input_file(spec, t.name), arrays[t.name], t, fixture)
    text = json.dumps(meta(spec, fixture), indent=2)  # as the seed: no trailing newline
    atomic.write_text(Path(folder) / paths.meta_file(spec), text)


def write_references(
    folder: str | Path, spec: KernelSpec, fixture: Fixture, arrays: Mapping[str, np.ndarray]
) -> None:
    """Write every float32 reference array into ``folder``."""
    for t in spec.outputs:
        _write(Path(folder) / paths.reference_file(spec, t.name), arrays[t.name], t, fixture)


def write_outputs(
    folder: str | Path, spec: KernelSpec, fixture: Fixture, arrays: Mapping[str, np.ndarray]
) -> None:
    """Write kernel outputs (``<k>_<y>.bin``) into a run folder."""
    for t in spec.outputs:
        _write(Path(folder) / paths.output_file(spec, t.name), arrays[t.name], t, fixture)


def read_inputs(folder: str | Path, spec: KernelSpec, fixture: Fixture) -> dict[str, np.ndarray]:
    """Read the inputs of a fixture folder, sizes checked against the spec."""
    return {
        t.name: binio.read_array(
            Path(folder) / paths.input_file(spec, t.name), t.shape_for(fixture.sizes), t.dtype
        )
        for t in spec.inputs
    }


def read_references(
    folder: str | Path, spec: KernelSpec, fixture: Fixture
) -> dict[str, np.ndarray]:
    """Read the float32 references of a fixture folder."""
    return {
        t.name: binio.read_array(
            Path(folder) / paths.reference_file(spec, t.name), t.shape_for(fixture.sizes), t.dtype
        )
        for t in spec.outputs
    }


def read_outputs(folder: str | Path, spec: KernelSpec, fixture: Fixture) -> dict[str, np.ndarray]:
    """Read kernel outputs from a run folder."""
    return {
        t.name: binio.read_array(
            Path(folder) / paths.output_file(spec, t.name), t.shape_for(fixture.sizes), t.dtype
        )
        for t in spec.outputs
    }


def poison_outputs(spec: KernelSpec, fixture: Fixture) -> dict[str, np.ndarray]:
    """NaN-filled outputs: what a launch that never ran 'wrote' (poison, like ``init_value``)."""
    return {t.name: np.full(t.shape_for(fixture.sizes), np.nan, t.dtype) for t in spec.outputs}


def _write(path: Path, array: np.ndarray, tensor: Any, fixture: Fixture) -> None:
    shape = tensor.shape_for(fixture.sizes)
    if tuple(array.shape) != shape:
        raise ValueError(
            f"{path}: array has shape {list(array.shape)}, spec says {list(shape)} "
            f"for fixture {fixture.key}"
        )
    binio.write_array(path, array, tensor.dtype)
