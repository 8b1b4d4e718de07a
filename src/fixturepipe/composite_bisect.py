"""Bisect a composite kernel's run: which stage first leaves its own tolerance.

When the end-to-end output fails, :func:`bisect` checks each stage's kernel output
against that stage's default float32 reference computed on the *same upstream
kernel outputs*, so every stage is judged on exactly the inputs it was given and
the first one out of tolerance is where the chain went wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fixturepipe import compare, kernel_python
from fixturepipe.composite import Arrays, stage_fixture, stage_inputs
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec


def bisect(
    spec: KernelSpec, fixture: Fixture, inputs: Arrays, stage_outputs: Mapping[str, Arrays],
    stage_runs: Mapping[str, Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], str | None]:
    """Each stage's kernel output vs its own reference on the same upstream kernel outputs.

    ``stage_outputs`` and ``stage_runs`` (each stage's ``run.json``) are by stage kernel.
    Returns one result per stage, in order (``stage``, ``passed``, ``failing_metric``,
    ``failures``, ``tolerance``, per-output metrics), and the first stage that failed (a
    kernel error counts), or None.
    """
    results = []
    first = None
    for s in spec.stages:
        stage_spec = spec.stage_specs[s.kernel]
        sf = stage_fixture(spec, fixture, s.kernel)
        run = stage_runs[s.kernel]
        entry: dict[str, Any] = {"stage": s.kernel, "tolerance": dict(sf.tolerance)}
        if run.get("status") != "ok":
            entry.update(passed=False, failing_metric="kernel_error", outputs={},
                         failures=[f"kernel failed: {run.get('error')}: {run.get('message')}"])
        else:
            ref = kernel_python.reference(
                stage_spec, sf, stage_inputs(spec, s.kernel, inputs, stage_outputs))
            entry.update(compare.compare(stage_outputs[s.kernel], ref, None, sf.tolerance))
        results.append(entry)
        if first is None and not entry["passed"]:
            first = s.kernel
    return results, first


def first_failure_sentence(results: list[dict[str, Any]], first: str) -> str:
    """``first stage out of tolerance: <stage> (<why>)``, for verify's failure lines."""
    entry = next(r for r in results if r["stage"] == first)
    why = entry["failures"][0] if entry["failures"] else entry["failing_metric"]
    return f"first stage out of tolerance: {first} ({why})"
