"""Composite kernels (a spec with ``stages:``): how stages are wired to each other.

A composite runs each stage's kernel on the previous stages' *kernel* outputs
(one Snakemake job per stage, ``scripts/stage_kernel.py``), so a bug in one stage
reaches the end-to-end output the way it would in production.  This module says,
for one stage, which sizes, tolerance and arrays it gets.  The chain reference
(:mod:`fixturepipe.composite_reference`) and the bisect
(:mod:`fixturepipe.composite_bisect`) run ``reference.py`` files and live apart, so
that a stage's kernel job depends on no ``reference.py`` and the reference job not
on the comparison code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec, Stage

if TYPE_CHECKING:
    import numpy as np

Arrays = Mapping[str, "np.ndarray"]  # name -> array


def stage(spec: KernelSpec, kernel: str) -> Stage:
    """The stage of ``spec`` that runs ``kernel``."""
    return next(s for s in spec.stages if s.kernel == kernel)


def stage_fixture(spec: KernelSpec, fixture: Fixture, kernel: str) -> Fixture:
    """The composite fixture as seen by one stage: its sizes, its default reference and
    tolerance (the stage kernel's spec), the composite fixture's backend and limits."""
    stage_spec = spec.stage_specs[kernel]
    return replace(
        fixture, kernel=kernel, sizes=spec.stage_sizes(kernel, fixture.sizes), generator="",
        generator_params={}, reference=stage_spec.reference,
        tolerance=dict(stage_spec.tolerance), oracle_tolerance={}, inputs_from={}, imported={},
    )


def stage_inputs(
    spec: KernelSpec, kernel: str, inputs: Arrays, upstream: Mapping[str, Arrays]
) -> dict[str, np.ndarray]:
    """The inputs of stage ``kernel``: composite inputs and earlier stages' outputs
    (``upstream``: {stage kernel: {output: array}}), by the stage's wiring."""
    arrays = {}
    for name, source in stage(spec, kernel).inputs.items():
        if "." in source:
            up, output = source.split(".", 1)
            arrays[name] = upstream[up][output]
        else:
            arrays[name] = inputs[source]
    return arrays


def outputs_of(spec: KernelSpec, stage_outputs: Mapping[str, Arrays]) -> dict[str, np.ndarray]:
    """The composite's outputs picked from its stages' outputs (``composite_outputs``)."""
    picked = {}
    for name, source in spec.composite_outputs.items():
        up, output = source.split(".", 1)
        picked[name] = stage_outputs[up][output]
    return picked
