"""What the Snakefile builds: validated fixtures, their file lists, and each rule's code inputs.

Built once at Snakefile parse time from the config, the kernel specs and the
golden manifest; the Snakefile only loops over it.  It decides, per fixture,
whether the kernel runs on golden files (accepted, in ``golden.sha256``) or on
freshly generated ones (a *candidate*).  No numpy or MLX import here: this
cost is paid by every Snakemake invocation, including a no-op ``verify``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fixturepipe import code_deps, config_checks, fixture_sources, golden, paths, spec
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec


@dataclass(frozen=True)
class Plan:
    """Everything the Snakefile needs, computed once per invocation."""

    root: Path
    specs: Mapping[str, KernelSpec]
    fixtures: Sequence[Fixture]
    golden_sums: Mapping[str, str]
    kernels: tuple[str, ...] = ()

    @property
    def targets(self) -> list[Fixture]:
        """The fixtures ``verify``, ``accept`` and ``mutants`` cover: those of the kernels
        chosen with ``--config kernels=...``, else all (other fixtures may still be
        generated when a target chains from them)."""
        return [f for f in self.fixtures if not self.kernels or f.kernel in self.kernels]

    def fixture(self, kernel: str, name: str) -> Fixture:
        """The fixture ``kernel/name`` (KeyError if the config has none)."""
        for f in self.fixtures:
            if f.kernel == kernel and f.name == name:
                return f
        raise KeyError(f"{kernel}/{name}")

    def fixtures_of(self, kernel: str) -> list[Fixture]:
        """The fixtures of one kernel, in config order."""
        return [f for f in self.fixtures if f.kernel == kernel]

    # -- file lists ---------------------------------------------------------------------------
    def generated_files(self, kernel: str, name: str) -> list[str]:
        """Inputs, references and meta in ``artifacts/generated/<k>/<f>/``."""
        d = paths.generated_dir(kernel, name)
        return [f"{d}/{n}" for n in paths.fixture_files(self.specs[kernel])]

    def golden_files(self, kernel: str, name: str) -> list[str]:
        """The same names in ``artifacts/fixtures/<k>/<f>/``."""
        d = paths.golden_dir(kernel, name)
        return [f"{d}/{n}" for n in paths.fixture_files(self.specs[kernel])]

    def present_golden_files(self, kernel: str, name: str) -> list[str]:
        """:meth:`golden_files`, raising :class:`golden.GoldenMissingError` if any is absent."""
        files = self.golden_files(kernel, name)
        golden.require_present(self.root, files)
        return files

    def source_dir(self, kernel: str, name: str) -> str:
        """Where the kernel and compare read fixtures: golden if accepted, else generated.

        For an accepted fixture whose golden files are absent this raises
        :class:`golden.GoldenMissingError` ("run `dvc pull`"); Snakemake calls it
        while building the DAG, so the run stops before any job.
        """
        f = self.fixture(kernel, name)
        if not f.golden:
            return paths.generated_dir(kernel, name)
        golden.require_present(self.root, self.golden_files(kernel, name))
        return paths.golden_dir(kernel, name)

    def fixture_inputs(self, kernel: str, name: str) -> dict[str, str]:
        """{input name: path} of the kernel's inputs for this fixture (golden or candidate)."""
        s = self.specs[kernel]
        d = self.source_dir(kernel, name)
        return {t.name: f"{d}/{paths.input_file(s, t.name)}" for t in s.inputs}

    def fixture_references(self, kernel: str, name: str) -> dict[str, str]:
        """{output name: path} of the float32 references (golden or candidate)."""
        s = self.specs[kernel]
        d = self.source_dir(kernel, name)
        return {t.name: f"{d}/{paths.reference_file(s, t.name)}" for t in s.outputs}

    def chained_inputs(self, kernel: str, name: str) -> dict[str, str]:
        """{input name: upstream generated file} of a chained fixture (empty otherwise)."""
        f = self.fixture(kernel, name)
        return {
            x: fixture_sources.upstream_file(self.specs[link["from"].split("/", 1)[0]], link)
            for x, link in f.inputs_from.items()
        }

    def imported_files(self, kernel: str, name: str) -> list[str]:
        """The hand-made folder's files of an imported fixture (empty otherwise)."""
        f = self.fixture(kernel, name)
        if not f.imported:
            return []
        return list(fixture_sources.imported_files(f, self.specs[kernel]).values())

    def run_files(self, f: Fixture) -> list[str]:
        """Kernel outputs and ``run.json`` of a fixture, and of each stage of a composite
        (checksummed)."""
        s = self.specs[f.kernel]
        d = paths.run_dir(f.backend, f.kernel, f.name)
        own = [f"{d}/{paths.output_file(s, t.name)}" for t in s.outputs] + [f"{d}/{paths.RUN_JSON}"]
        return own + self.stage_files(f.kernel, f.backend, f.name)

    def stage_files(
        self, kernel: str, backend: str, fixture: str, stages: Collection[str] | None = None
    ) -> list[str]:
        """The kernel outputs and ``run.json`` of each stage (of ``stages``, default all) in
        a composite's run; empty for a kernel with Metal source.  ``backend`` and
        ``fixture`` may be wildcard patterns."""
        s = self.specs[kernel]
        files = []
        for stage in s.stages:
            if stages is not None and stage.kernel not in stages:
                continue
            d = paths.stage_run_dir(backend, kernel, fixture, stage.kernel)
            stage_spec = s.stage_specs[stage.kernel]
            files += [f"{d}/{paths.output_file(stage_spec, t.name)}" for t in stage_spec.outputs]
            files.append(f"{d}/{paths.RUN_JSON}")
        return files

    def compare_file(self, f: Fixture) -> str:
        """``compare.json`` of a fixture."""
        return f"{paths.run_dir(f.backend, f.kernel, f.name)}/{paths.COMPARE_JSON}"

    def reproduce_file(self, f: Fixture) -> str:
        """``reproducibility.json`` of an accepted fixture."""
        return f"{paths.reproduce_dir(f.kernel, f.name)}/{paths.REPRODUCIBILITY_JSON}"

    def checksummed_files(self) -> list[str]:
        """Every artifact the verify DAG reads or writes, except logs and provenance."""
        files: list[str] = []
        for f in self.targets:
            files += self.generated_files(f.kernel, f.name) + self.run_files(f)
            files.append(self.compare_file(f))
            if f.golden:
                files += self.golden_files(f.kernel, f.name)
                files.append(self.reproduce_file(f))
        return sorted(set(files))

    def accept_inputs(self) -> list[str]:
        """Generated files of every target fixture (what ``accept`` promotes)."""
        return [p for f in self.targets for p in self.generated_files(f.kernel, f.name)]

    # -- code each rule runs ------------------------------------------------------------------
    def code(self, script: str, kernel: str | None = None) -> list[str]:
        """``scripts/<script>.py`` and every file it runs, so editing one reruns its rules.

        Snakemake notices neither a ``shell:`` rule's script nor the modules it
        imports, so they are declared as inputs, derived from the script's
        imports (:mod:`fixturepipe.code_deps`).  With ``kernel``, the files of
        ``kernels/<kernel>/`` that the script runs (its generators or
        references) and what they import are included; for a composite kernel, also its
        stages' references (its own reference is their chain).
        """
        name = script if script.endswith(".py") else f"{script}.py"
        folder = self.specs[kernel].folder if kernel is not None else None
        stages = self.specs[kernel].stage_specs.values() if kernel is not None else ()
        files = code_deps.script_code(
            self.root / "scripts" / name, folder, tuple(s.folder for s in stages))
        return sorted(paths.relative(p, self.root) for p in files)


def build(config: Mapping[str, Any], root: str | Path, configfiles: Sequence[str] = ()) -> Plan:
    """Load specs, run the semantic config checks, and mark accepted fixtures golden.

    Raises :class:`config_checks.ConfigError` or :class:`spec.SpecError` with
    sentences naming file, fixture and field.
    """
    root = Path(root).resolve()
    configfile = ", ".join(str(c) for c in configfiles) or "config"
    specs = spec.load_all(root / str(config.get("kernels_dir", "kernels")))
    fixtures = config_checks.check(config, specs, configfile, root)
    sums = golden.read_manifest(root)
    accepted = golden.golden_fixtures(sums)
    fixtures = [replace(f, golden=(f.kernel, f.name) in accepted) for f in fixtures]
    kernels = config_checks.selected_kernels(config, specs, configfile)
    return Plan(root, specs, fixtures, sums, kernels)
