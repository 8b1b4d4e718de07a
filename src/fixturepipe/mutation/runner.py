"""Run one mutant on every fixture of the matrix, through the real kernel stage and compare.

The mutant is only another source text for `fixturepipe.kernel_stage.run`;
its outputs go through `fixturepipe.compare.compare` with the fixture's own
tolerances, exactly as the `kernel_<k>`/`compare_<k>` rules do for the real
kernel. Nothing is written under the real kernel's run folders: the caller
gets a result dict, and the rule script writes it under artifacts/mutants/.

A fixture's cell says what killed the mutant there: the comparison's first
failing metric (e.g. `a_inv.max_ulp`, `a_inv.unwritten`), or the kernel fault
(`crash`, `timeout`, `race`, ...). A mutant that does not compile, or that a
launch rejects, is *stillborn*: counted apart, never as a kill.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from fixturepipe import backends, compare, diagnosis, fixture_io, kernel_python, kernel_stage
from fixturepipe.fixture import Fixture
from fixturepipe.mutation.generate import Mutant, find_mutant
from fixturepipe.spec import KernelSpec

log = logging.getLogger("fixturepipe.mutation")

# Backend faults that mean the mutant never ran: it is stillborn, not killed.
STILLBORN_KINDS = frozenset({"MetalCompileError", "UnsupportedMetalError", "LaunchError"})
# How a runtime fault reads in the kill matrix.
FAULT_NAMES = {
    "KernelCrashError": "crash",
    "KernelTimeoutError": "timeout",
    "RaceDetectedError": "race",
    "BarrierDivergenceError": "barrier_divergence",
    "ThreadgroupBoundsError": "bounds",
}
_METAL_BUILD_ERROR = "Unable to build metal library"
_STILLBORN_CHARS = 400  # of the build error kept in the kill matrix
_LOG_CHARS = 4000  # of a fault message kept in the job log (race reports are long)


@dataclass(frozen=True)
class FixtureData:
    """One fixture with the folder its inputs and references are read from."""

    fixture: Fixture
    folder: Path


class Stillborn(Exception):
    """The mutant cannot be built or launched; the message says why."""


def fault_name(fault: kernel_stage.KernelFault) -> str:
    """The kill-matrix name of a runtime fault; raises Stillborn for build/launch faults."""
    if fault.kind in STILLBORN_KINDS or _METAL_BUILD_ERROR in fault.message:
        text = " ".join(line.strip() for line in fault.message.splitlines() if line.strip())
        raise Stillborn(f"{fault.kind}: {_clip(text, _STILLBORN_CHARS)}")
    return FAULT_NAMES.get(fault.kind, f"error:{fault.kind}")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _verdict(
    spec: KernelSpec, data: FixtureData, outputs: Mapping[str, np.ndarray],
    refs: Mapping[str, np.ndarray], inputs: Mapping[str, np.ndarray],
) -> tuple[str | None, str | None]:
    """The first failing metric of the real comparison (None when the outputs pass), and
    the diagnosis of the first failing output that has one."""
    fixture = data.fixture
    oracle = (
        kernel_python.oracle(spec, fixture, inputs)
        if fixture.oracle_tolerance
        else None
    )
    verdict = compare.compare(outputs, refs, oracle, fixture.tolerance, fixture.oracle_tolerance)
    if verdict["passed"]:
        return None, None
    shapes = {t.name: t.shape for t in spec.outputs}
    diagnosis.annotate(verdict, outputs, refs, shapes, fixture.sizes, fixture.tolerance)
    found = next((e["diagnosis"]["sentence"] for e in verdict["outputs"].values()
                  if e.get("diagnosis")), None)
    return verdict["failing_metric"], found


def run_mutant(
    spec: KernelSpec,
    mutant: Mutant,
    fixtures: Sequence[FixtureData],
    *,
    timeout: float,
    race_timeout: float,
    source_path: str,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Run `mutant` on every fixture; return (result, seconds per fixture).

    The result is deterministic (no times, no messages that vary per run);
    timings are returned apart for the provenance file.
    """
    cells: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    stillborn: str | None = None
    for data in fixtures:
        fixture = data.fixture
        started = time.perf_counter()
        if stillborn is not None:
            cells[fixture.name] = {"by": [], "ran": False}
            continue
        inputs = fixture_io.read_inputs(data.folder, spec, fixture)
        refs = fixture_io.read_references(data.folder, spec, fixture)
        backend = backends.single_threaded(backends.resolve(fixture.backend))
        by: list[str] = []
        looks_like = None
        try:
            killed, looks_like = _run_once(spec, mutant, data, backend, inputs, refs, timeout,
                                           source_path, race_check=fixture.race_check)
            by += killed
            if mutant.race_check and backend.name == "cpu" and not fixture.race_check:
                by += _race_run(spec, mutant, data, backend, inputs, race_timeout, source_path)
        except Stillborn as exc:
            stillborn = str(exc)
            log.info("mutant %s is stillborn: %s", mutant.name, stillborn)
        cells[fixture.name] = {"by": sorted(set(by), key=by.index), "ran": stillborn is None}
        if looks_like and stillborn is None:
            cells[fixture.name]["diagnosis"] = looks_like
        seconds[fixture.name] = round(time.perf_counter() - started, 3)
        log.info("mutant %s on %s: %s (%.2f s)", mutant.name, fixture.key,
                 ", ".join(by) or "survived", seconds[fixture.name])
    if stillborn is not None:
        cells = {name: {"by": [], "ran": False} for name in cells}
    return {"stillborn": stillborn, "fixtures": cells}, seconds


def _run_once(
    spec: KernelSpec, mutant: Mutant, data: FixtureData, backend: backends.Backend,
    inputs: Mapping[str, np.ndarray], refs: Mapping[str, np.ndarray], timeout: float,
    source_path: str, *, race_check: bool,
) -> tuple[list[str], str | None]:
    """What killed the mutant on one fixture (nothing if it passed), and the diagnosis."""
    fixture = replace(data.fixture, timeout=min(timeout, data.fixture.timeout),
                      race_check=race_check)
    try:
        outputs = kernel_stage.run(spec, fixture, backend, inputs, source_text=mutant.source,
                                   source_path=source_path)
    except kernel_stage.KernelFault as fault:
        name = fault_name(fault)
        log.info("mutant %s on %s: %s", mutant.name, fixture.key, _clip(str(fault), _LOG_CHARS))
        return [name], None
    failing, looks_like = _verdict(spec, data, outputs, refs, inputs)
    return ([failing] if failing else []), looks_like


def _race_run(
    spec: KernelSpec, mutant: Mutant, data: FixtureData, backend: backends.Backend,
    inputs: Mapping[str, np.ndarray], race_timeout: float, source_path: str,
) -> list[str]:
    """The extra race-detection run: only a race report counts as a kill here.

    Other faults in this mode (a timeout under the slower instrumented binary)
    are logged, not counted, since the plain run already judged the outputs.
    """
    fixture = replace(data.fixture, timeout=race_timeout, race_check=True)
    try:
        kernel_stage.run(spec, fixture, backend, inputs, source_text=mutant.source,
                         source_path=source_path)
    except kernel_stage.KernelFault as fault:
        log.info("mutant %s on %s under race check: %s", mutant.name, fixture.key,
                 _clip(str(fault), _LOG_CHARS))
        if fault.kind == "RaceDetectedError":
            return ["race"]
    return []


def mutant_result(
    spec: KernelSpec, name: str, fixtures: Sequence[FixtureData], *, timeout: float,
    race_timeout: float, source_path: str,
) -> tuple[Mutant, dict[str, Any], dict[str, float]]:
    """Regenerate mutant `name` from the spec's source, run it, and describe it."""
    index, mutant = find_mutant(spec.source_path.read_text(encoding="utf-8"), name)
    outcome, seconds = run_mutant(spec, mutant, fixtures, timeout=timeout,
                                  race_timeout=race_timeout, source_path=source_path)
    result = {
        "kernel": spec.name,
        "mutant": mutant.name,
        "index": index,
        "operator": mutant.operator,
        "line": mutant.line,
        "col": mutant.col,
        "variant": mutant.variant,
        "description": mutant.description,
        "race_check": mutant.race_check,
        "source_sha256": mutant.sha256,
        **outcome,
    }
    return mutant, result, seconds
