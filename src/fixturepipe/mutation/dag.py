"""What `rules/mutants.smk` needs at DAG-build time: mutant names, inputs, job params.

Mutants are derived here from each kernel's source text (cheap and
deterministic, no numpy), so every mutant is a Snakemake job whose output
name is known before anything runs. Their paths are in fixturepipe.paths
(under artifacts/mutants/ and artifacts/logs/mutants/ only: mutant jobs never
touch the real kernel's runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fixturepipe.fixture import Fixture
from fixturepipe.golden import GoldenMissingError
from fixturepipe.mutation import sample
from fixturepipe.mutation.generate import mutants_of_file
from fixturepipe.mutation.killmatrix import equivalences_for
from fixturepipe.mutation.tokens import TokenizeError

DEFAULT_TIMEOUT = 10.0
DEFAULT_RACE_TIMEOUT = 120.0


def settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `mutants:` config block with defaults filled in."""
    block = dict(config.get("mutants") or {})
    return {
        # Mutants run on the CPU executor by default on every host, also on a Mac: its
        # bounds checks, NaN-poisoned threadgroup memory and race detector make kills
        # reproducible, where an out-of-bounds mutant on a GPU is undefined behaviour.
        "backend": _mutation_backend(block.get("backend", "cpu")),
        "timeout": float(block.get("timeout", DEFAULT_TIMEOUT)),
        "race_timeout": float(block.get("race_timeout", DEFAULT_RACE_TIMEOUT)),
        "seed_fixture": dict(block.get("seed_fixture") or {}),
        "equivalent": list(block.get("equivalent") or []),
        "sample": dict(block.get("sample") or {}),
    }


def _mutation_backend(requested: str) -> str:
    """`mutants.backend` resolved (`auto` -> metal or cpu); a sentence if it cannot run."""
    from snakemake.exceptions import WorkflowError

    from fixturepipe import backends

    try:
        return backends.resolve_name(requested)
    except backends.BackendUnavailable as exc:
        raise WorkflowError(f"config mutants.backend: {exc}") from None


def mutant_names(source_path: str) -> list[str]:
    """Names of every mutant of a kernel source, in catalogue order.

    A source the tokenizer cannot read stops the DAG with a sentence naming the
    file (an unterminated comment would not compile as the real kernel either).
    """
    from snakemake.exceptions import WorkflowError

    try:
        return [m.name for m in mutants_of_file(source_path)]
    except TokenizeError as exc:
        raise WorkflowError(f"{source_path}: cannot derive mutants: {exc}") from None


def sampled_mutant_names(source_path: str, kernel: str, config: Mapping[str, Any]) -> list[str]:
    """The mutants the run covers: all of them, or the sample `mutants.sample.<kernel>` asks
    for (fixturepipe.mutation.sample)."""
    return sample.select(mutant_names(source_path), sample.per_operator(config, kernel))


def fixture_params(fixture: Fixture, folder: str, backend: str) -> dict[str, Any]:
    """What a mutant job depends on for one fixture (editing it reruns the mutants);
    `backend` is the mutation backend (settings()["backend"]), not the fixture's."""
    return {
        "name": fixture.name,
        "folder": folder,
        "backend": backend,
        **fixture.kernel_params(),
        **fixture.compare_params(),
    }


def seed_fixture(kernel: str, fixture_names: list[str], config: Mapping[str, Any]) -> str | None:
    """The kernel's seed fixture: `mutants.seed_fixture.<kernel>`, else its first fixture."""
    chosen = settings(config)["seed_fixture"].get(kernel)
    if chosen is not None and chosen not in fixture_names:
        raise ValueError(
            f"config mutants.seed_fixture.{kernel}: {chosen!r} is not a fixture of {kernel} "
            f"(fixtures: {', '.join(fixture_names)})"
        )
    return chosen or (fixture_names[0] if fixture_names else None)


def matrix_params(kernel: str, fixture_names: list[str], config: Mapping[str, Any]) -> dict:
    """Params of the kill-matrix job: fixtures, seed, equivalents (with reasons).

    A config mistake here (an unknown seed fixture) stops the DAG with its sentence.
    """
    from snakemake.exceptions import WorkflowError

    try:
        return {
            "kernel": kernel,
            "fixtures": fixture_names,
            "seed_fixture": seed_fixture(kernel, fixture_names, config),
            "equivalent": equivalences_for(kernel, config),
            "sample_per_operator": sample.per_operator(config, kernel),
        }
    except ValueError as exc:
        raise WorkflowError(str(exc)) from None


def fixture_files(plan: Any, kernel: str) -> list[str]:
    """Inputs and references of every fixture of `kernel`, golden or candidate as in verify.

    A golden fixture whose files are absent stops the DAG with the pipeline's
    "run `dvc pull`" sentence, as the real kernel rule does.
    """
    from snakemake.exceptions import WorkflowError

    files: list[str] = []
    try:
        for f in plan.fixtures_of(kernel):
            files += list(plan.fixture_inputs(kernel, f.name).values())
            files += list(plan.fixture_references(kernel, f.name).values())
    except GoldenMissingError as exc:
        raise WorkflowError(str(exc)) from None
    return files


def fixtures_params(plan: Any, kernel: str, backend: str) -> list[dict[str, Any]]:
    """`fixture_params` of every fixture of `kernel`, in config order, run on `backend`."""
    return [
        fixture_params(f, plan.source_dir(kernel, f.name), backend)
        for f in plan.fixtures_of(kernel)
    ]


# -- composites: every stage's mutants through the whole chain (stage versus end to end) ----
def stages_before(spec: Any, stage: str) -> list[str]:
    """The stage kernels of composite ``spec`` that run before ``stage`` (a mutant of
    ``stage`` does not change their outputs, so the chain reads their real runs)."""
    order = [s.kernel for s in spec.stages]
    return order[: order.index(stage)]


def stages_from(spec: Any, stage: str) -> list[str]:
    """``stage`` and the stage kernels after it: what a chain mutant job runs."""
    order = [s.kernel for s in spec.stages]
    return order[order.index(stage):]


def chain_fixture_files(plan: Any, composite: str, backend: str, stage: str) -> list[str]:
    """Inputs and references of every end-to-end fixture of ``composite``, and the real
    kernel outputs of the stages before ``stage`` in each (on the mutation ``backend``)."""
    from snakemake.exceptions import WorkflowError

    spec = plan.specs[composite]
    files = fixture_files(plan, composite)
    try:
        for f in plan.fixtures_of(composite):
            files += plan.stage_files(composite, backend, f.name, stages_before(spec, stage))
    except GoldenMissingError as exc:
        raise WorkflowError(str(exc)) from None
    return files


def composite_mutants(spec: Any, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """{stage kernel: names of its mutants that the composite's run takes}: all of them, or
    the sample `mutants.sample.<composite>` asks for, per stage and operator."""
    per_op = sample.per_operator(config, spec.name)
    return {s.kernel: sample.select(mutant_names(str(spec.stage_specs[s.kernel].source_path)),
                                    per_op)
            for s in spec.stages}


def composite_matrix_params(plan: Any, composite: str, config: Mapping[str, Any]) -> dict:
    """Params of a composite's stage-vs-end-to-end job: its fixtures, the sample size, and
    per stage its own fixtures and listed equivalents."""
    spec = plan.specs[composite]
    return {
        "kernel": composite,
        "fixtures": [f.name for f in plan.fixtures_of(composite)],
        "sample_per_operator": sample.per_operator(config, composite),
        "stages": {
            s.kernel: {"fixtures": [f.name for f in plan.fixtures_of(s.kernel)],
                       "equivalent": equivalences_for(s.kernel, config)}
            for s in spec.stages
        },
    }
