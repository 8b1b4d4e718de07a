"""Rule ``compare_<kernel>``: metrics vs float32 reference and float64 oracle -> compare.json."""

import json
from pathlib import Path

from fixturepipe import (
    atomic,
    binio,
    compare,
    composite,
    composite_bisect,
    diagnosis,
    error_map,
    fixture_io,
    kernel_python,
    paths,
    rulescript,
)


def read_run(path: Path) -> dict:
    """``run.json``, or a failed status if it was damaged after the kernel wrote it.

    Reported as this fixture's failure (not a traceback), with the command that
    regenerates it: deleting it would not do (Snakemake reruns no job for a
    missing intermediate whose consumers are up to date), ``--forcerun`` does.
    """
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(run, dict) and {"backend", "status", "error", "message"} <= run.keys():
            return run
        problem = "it lacks the backend/status/error/message fields"
    except (ValueError, UnicodeDecodeError) as exc:
        problem = f"it is not valid JSON ({exc})"
    return {"backend": None, "status": "damaged", "error": "DamagedIntermediate",
            "message": f"{path} was damaged after the kernel wrote it: {problem}. Regenerate "
                       f"it with `snakemake -j4 verify --forcerun {path}`."}


def bisect(smk, spec, fixture, result):
    """A composite's per-stage results and ``first_failing_stage`` (docs/pipeline.md
    "Composite kernels"); when the end-to-end output fails, its failure lines say which
    stage first left its own tolerance.  A stage out of tolerance while the end-to-end
    output passes is recorded, not a failure: the end-to-end verdict stays its own."""
    backend = smk.wildcards.backend
    runs, outputs = {}, {}
    try:
        inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
        for s in spec.stages:
            folder = Path(paths.stage_run_dir(backend, spec.name, fixture.name, s.kernel))
            runs[s.kernel] = read_run(folder / paths.RUN_JSON)
            outputs[s.kernel] = fixture_io.read_outputs(
                folder, spec.stage_specs[s.kernel],
                composite.stage_fixture(spec, fixture, s.kernel))
        stages, first = composite_bisect.bisect(spec, fixture, inputs, outputs, runs)
    except binio.FixtureFileError as exc:
        result.update(stages=[], first_failing_stage=None, passed=False)
        result["failures"].append(f"the stage bisect could not read its files: {exc}")
        return
    result.update(stages=stages, first_failing_stage=first)
    if first is not None and not result["passed"]:
        result["failures"].append(composite_bisect.first_failure_sentence(stages, first))


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    run = read_run(Path(smk.input.run))
    source_dir = Path(smk.input.refs[0]).parent
    result = {
        "kernel": spec.name, "fixture": fixture.name,
        "backend": run["backend"] or smk.wildcards.backend,
        "source": "golden" if source_dir.as_posix().startswith(paths.GOLDEN_ROOT) else "candidate",
        "tolerance": dict(fixture.tolerance), "oracle_tolerance": dict(fixture.oracle_tolerance),
        "kernel_error": None,
    }
    try:
        refs = fixture_io.read_references(source_dir, spec, fixture)
        inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
        oracle = kernel_python.oracle(spec, fixture, inputs)
        # Tolerances that an all-zero output or the poison would pass are a config error,
        # whatever the kernel did (issue 10): checked for every fixture, every run.
        vacuous = compare.vacuous(refs, oracle, fixture.tolerance, fixture.oracle_tolerance)
        if run["status"] == "damaged":
            verdict = {"passed": False, "failing_metric": "damaged_intermediate",
                       "failures": [run["message"]], "outputs": {}}
        elif run["status"] != "ok":
            result["kernel_error"] = {"type": run["error"], "message": run["message"]}
            verdict = {"passed": False, "failing_metric": "kernel_error", "outputs": {},
                       "failures": [f"kernel failed: {run['error']}: {run['message']}"]}
        else:
            outputs = fixture_io.read_outputs(Path(smk.input.outputs[0]).parent, spec, fixture)
            verdict = compare.compare(outputs, refs, oracle, fixture.tolerance,
                                      fixture.oracle_tolerance)
            shapes = {t.name: t.shape for t in spec.outputs}
            diagnosis.annotate(verdict, outputs, refs, shapes, fixture.sizes, fixture.tolerance)
            error_map.add_block_maps(verdict, outputs, refs, shapes, fixture.sizes)
            run_dir = Path(smk.input.outputs[0]).parent
            for t in spec.outputs:  # what the report's figures read, in the job's terms
                verdict["outputs"][t.name]["arrays"] = {
                    "output": (run_dir / paths.output_file(spec, t.name)).as_posix(),
                    "reference": (source_dir / paths.reference_file(spec, t.name)).as_posix(),
                    "shape": list(t.shape_for(fixture.sizes)), "dtype": t.dtype,
                    "layout": [str(d) for d in t.shape], "sizes": dict(fixture.sizes)}
    except binio.FixtureFileError as exc:
        vacuous = []
        verdict = {"passed": False, "failing_metric": "fixture_file",
                   "failures": [str(exc)], "outputs": {}}
    if vacuous:
        result["config_error"] = vacuous
        verdict.update(passed=False, failing_metric="tolerance", failures=[
            f"configuration error: fixture {fixture.key!r}, field tolerance: {p}"
            for p in vacuous] + verdict["failures"])
    result.update(verdict)
    if spec.is_composite:
        bisect(smk, spec, fixture, result)
    atomic.write_json(smk.output.compare, compare.json_safe(result))


if __name__ == "__main__":
    rulescript.main(main)
