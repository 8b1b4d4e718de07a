"""Rule ``stage_<composite>_<stage>``: one stage of a composite kernel, on the previous
stages' *kernel* outputs (not their references), into its own run folder.

A stage whose upstream stage failed does not launch: its run.json says which stage
failed and its outputs are NaN poison, so the composite's verdict names the first one.
"""

import json
import time
from pathlib import Path

from fixturepipe import (
    atomic,
    backends,
    composite,
    fixture_io,
    kernel_stage,
    paths,
    provenance,
    rulescript,
)
from fixturepipe.manifest import sha256_file


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    kernel = smk.params.stage
    stage_spec = spec.stage_specs[kernel]
    stage_fixture = composite.stage_fixture(spec, fixture, kernel)
    backend = backends.resolve(smk.wildcards.backend)
    sources = {str(p.name): sha256_file(p) for p in stage_spec.code_files()}
    started = time.perf_counter()
    wired = {up for up, _ in composite.stage(spec, kernel).upstream().values()}
    upstream = [s.kernel for s in spec.stages if s.kernel in wired]  # in stage order
    folders = {up: paths.stage_run_dir(smk.wildcards.backend, spec.name, fixture.name, up)
               for up in upstream}
    runs = {up: json.loads(Path(f"{folders[up]}/{paths.RUN_JSON}").read_text(encoding="utf-8"))
            for up in upstream}
    failed = [up for up in upstream if runs[up]["status"] != "ok"]
    if failed:
        outputs = fixture_io.poison_outputs(stage_spec, stage_fixture)
        status = {"status": "error", "error": "UpstreamStageFailed",
                  "message": f"not run: upstream stage {failed[0]} failed "
                             f"({runs[failed[0]]['error']}: {runs[failed[0]]['message']})"}
    else:
        def read_inputs():
            inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
            made = {up: fixture_io.read_outputs(
                folders[up], spec.stage_specs[up], composite.stage_fixture(spec, fixture, up))
                for up in upstream}
            return composite.stage_inputs(spec, kernel, inputs, made)

        outputs, status = kernel_stage.run_as_result(stage_spec, stage_fixture, backend,
                                                     read_inputs)
    fixture_io.write_outputs(Path(smk.output.run).parent, stage_spec, stage_fixture, outputs)
    atomic.write_json(smk.output.run, {"kernel": kernel, "composite": spec.name,
                                       "fixture": fixture.name, "backend": backend.name,
                                       **status})
    atomic.write_json(smk.output.provenance, provenance.record(
        rule=smk.rule, fixture=fixture.key, stage=kernel, backend=backend.name,
        device=backend.device, **backend.provenance, kernel_source_sha256=sources,
        launch=stage_spec.launch_for(stage_fixture.sizes), race_check=fixture.race_check,
        seconds=round(time.perf_counter() - started, 3),
    ))


if __name__ == "__main__":
    rulescript.main(main)
