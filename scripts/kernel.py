"""Rule ``kernel_<kernel>``: run the kernel through the backend; faults become data in run.json.

A kernel that fails to compile, crashes, times out or races is a *result*
(the fixture fails in verify, with the message), not a pipeline crash, so
``verify`` can still report every fixture.  Its outputs are then NaN poison.
"""

import time
from pathlib import Path

from fixturepipe import (
    atomic,
    backends,
    fixture_io,
    kernel_stage,
    provenance,
    rulescript,
)
from fixturepipe.manifest import sha256_file


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    backend = backends.resolve(smk.wildcards.backend)
    run_dir = Path(smk.output.run).parent
    # Hashed before the compile reads them: an edit saved during the run then shows as a
    # mismatch in verify (a stale result), never as a new hash over an old result.
    sources = {str(p.name): sha256_file(p) for p in spec.code_files()}
    started = time.perf_counter()
    outputs, status = kernel_stage.run_as_result(
        spec, fixture, backend,
        lambda: fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture))
    fixture_io.write_outputs(run_dir, spec, fixture, outputs)
    atomic.write_json(smk.output.run, {"kernel": spec.name, "fixture": fixture.name,
                                       "backend": backend.name, **status})
    atomic.write_json(smk.output.provenance, provenance.record(
        rule=smk.rule, fixture=fixture.key, backend=backend.name, device=backend.device,
        **backend.provenance,
        kernel_source_sha256=sources,
        launch=spec.launch_for(fixture.sizes), race_check=fixture.race_check,
        seconds=round(time.perf_counter() - started, 3),
    ))


if __name__ == "__main__":
    rulescript.main(main)
