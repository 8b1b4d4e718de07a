"""Run one stage's mutant through a composite kernel's whole chain, on its end-to-end fixtures.

The stages before the mutated one are not rerun: their real kernel outputs are read
from the composite's run folders (they do not depend on the mutant). The mutated stage
then runs the mutant's source, every later stage runs its real kernel on what the
mutant produced, and the composite's outputs go through the same comparison as the
composite's own (its chained float32 reference, its float64 oracle, its fixture's
tolerances). So a cell says whether the end-to-end check would have caught the bug.

A cell is what killed the mutant there: the comparison's first failing metric
(``o.rel_rms``), a fault of the mutated stage (``crash``, ``timeout``, ``bounds``, ...),
or a fault of a later stage on the mutant's output (``<stage>:crash``). The mutated
stage is not rerun under the race detector: a race that changes no end-to-end value is
a kill of the stage's own fixtures only, which is what the comparison is about.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from fixturepipe import backends, compare, composite, fixture_io, kernel_python, kernel_stage
from fixturepipe.fixture import Fixture
from fixturepipe.mutation.dag import stages_before, stages_from
from fixturepipe.mutation.generate import Mutant, find_mutant
from fixturepipe.mutation.runner import Stillborn, fault_name
from fixturepipe.spec import KernelSpec

log = logging.getLogger("fixturepipe.mutation")


@dataclass(frozen=True)
class ChainFixture:
    """An end-to-end fixture: where its inputs and references are, and where each earlier
    stage's real kernel outputs are (by stage kernel)."""

    fixture: Fixture
    folder: Path
    stage_folders: Mapping[str, Path]


def _run_stage(
    spec: KernelSpec, fixture: Fixture, kernel: str, backend: backends.Backend,
    inputs: Mapping[str, np.ndarray], made: Mapping[str, Mapping[str, np.ndarray]],
    timeout: float, mutant: Mutant | None, source_path: str,
) -> dict[str, np.ndarray]:
    sf = composite.stage_fixture(spec, fixture, kernel)
    sf = replace(sf, timeout=min(timeout, sf.timeout), race_check=False)
    return kernel_stage.run(
        spec.stage_specs[kernel], sf, backend, composite.stage_inputs(spec, kernel, inputs, made),
        source_text=mutant.source if mutant else None,
        source_path=source_path if mutant else None)


def _cell(
    spec: KernelSpec, stage: str, mutant: Mutant, data: ChainFixture, backend: backends.Backend,
    timeout: float, source_path: str,
) -> list[str]:
    """What killed the mutant on one end-to-end fixture (empty if the chain passed)."""
    fixture = data.fixture
    inputs = fixture_io.read_inputs(data.folder, spec, fixture)
    made: dict[str, Mapping[str, np.ndarray]] = {
        up: fixture_io.read_outputs(data.stage_folders[up], spec.stage_specs[up],
                                    composite.stage_fixture(spec, fixture, up))
        for up in stages_before(spec, stage)}
    for kernel in stages_from(spec, stage):
        try:
            made[kernel] = _run_stage(spec, fixture, kernel, backend, inputs, made, timeout,
                                      mutant if kernel == stage else None, source_path)
        except kernel_stage.KernelFault as fault:
            if kernel == stage:
                return [fault_name(fault)]  # Stillborn propagates
            return [f"{kernel}:{_later_stage_fault(fault)}"]
    refs = fixture_io.read_references(data.folder, spec, fixture)
    oracle = kernel_python.oracle(spec, fixture, inputs) if fixture.oracle_tolerance else None
    verdict = compare.compare(composite.outputs_of(spec, made), refs, oracle, fixture.tolerance,
                              fixture.oracle_tolerance)
    return [] if verdict["passed"] else [verdict["failing_metric"]]


def _later_stage_fault(fault: kernel_stage.KernelFault) -> str:
    """A later (real) stage's fault: its kill-matrix name; a build error there is no
    mutant's doing, so it is reported as an error, not a stillborn mutant."""
    try:
        return fault_name(fault)
    except Stillborn:
        return f"error:{fault.kind}"


def run_chain_mutant(
    spec: KernelSpec, stage: str, mutant: Mutant, fixtures: Sequence[ChainFixture], *,
    timeout: float, source_path: str,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Run ``mutant`` of stage ``stage`` through the chain on every end-to-end fixture;
    return (deterministic result, seconds per fixture)."""
    cells: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    stillborn: str | None = None
    for data in fixtures:
        started = time.perf_counter()
        if stillborn is None:
            try:
                backend = backends.single_threaded(backends.resolve(data.fixture.backend))
                by = _cell(spec, stage, mutant, data, backend, timeout, source_path)
            except Stillborn as exc:
                stillborn, by = str(exc), []
                log.info("mutant %s is stillborn: %s", mutant.name, stillborn)
            log.info("mutant %s/%s on %s: %s", stage, mutant.name, data.fixture.key,
                     ", ".join(by) or "survived")
            cells[data.fixture.name] = {"by": by, "ran": stillborn is None}
        seconds[data.fixture.name] = round(time.perf_counter() - started, 3)
    if stillborn is not None:
        cells = {d.fixture.name: {"by": [], "ran": False} for d in fixtures}
    return {"stillborn": stillborn, "fixtures": cells}, seconds


def chain_mutant_result(
    spec: KernelSpec, stage: str, name: str, fixtures: Sequence[ChainFixture], *,
    timeout: float, source_path: str,
) -> tuple[Mutant, dict[str, Any], dict[str, float]]:
    """Regenerate mutant ``name`` of stage ``stage`` from its source, run it through the
    chain, and describe it (the same fields as a stage's own mutant result)."""
    stage_spec = spec.stage_specs[stage]
    assert stage_spec.source_path is not None
    index, mutant = find_mutant(stage_spec.source_path.read_text(encoding="utf-8"), name)
    outcome, seconds = run_chain_mutant(spec, stage, mutant, fixtures, timeout=timeout,
                                        source_path=source_path)
    result = {
        "composite": spec.name, "kernel": stage, "mutant": mutant.name, "index": index,
        "operator": mutant.operator, "line": mutant.line, "col": mutant.col,
        "variant": mutant.variant, "description": mutant.description,
        "source_sha256": mutant.sha256, **outcome,
    }
    return mutant, result, seconds
