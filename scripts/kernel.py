"""Rule ``kernel_<kernel>``: run the kernel through the backend; faults become data in run.json.

A kernel that fails to compile, crashes, times out or races is a *result*
(the fixture fails in verify, with the message), not a pipeline crash, so
``verify`` can still report every fixture.  Its outputs are then NaN poison.
"""

import logging
import time
from pathlib import Path

from fixturepipe import (
    atomic,
    backends,
    binio,
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
    status = {"kernel": spec.name, "fixture": fixture.name, "backend": backend.name,
              "status": "ok", "error": None, "message": None}
    # Hashed before the compile reads them: an edit saved during the run then shows as a
    # mismatch in verify (a stale result), never as a new hash over an old result.
    sources = {str(p.name): sha256_file(p) for p in spec.code_files()}
    started = time.perf_counter()
    try:
        inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
        outputs = kernel_stage.run(spec, fixture, backend, inputs)
    except (kernel_stage.KernelFault, binio.FixtureFileError) as exc:
        kind = getattr(exc, "kind", type(exc).__name__)
        message = getattr(exc, "message", str(exc))
        logging.error("kernel %s on %s failed: %s: %s", spec.name, fixture.key, kind, message)
        status.update(status="error", error=kind, message=message)
        outputs = fixture_io.poison_outputs(spec, fixture)
    fixture_io.write_outputs(run_dir, spec, fixture, outputs)
    atomic.write_json(smk.output.run, status)
    atomic.write_json(smk.output.provenance, provenance.record(
        rule=smk.rule, fixture=fixture.key, backend=backend.name, device=backend.device,
        **backend.provenance,
        kernel_source_sha256=sources,
        launch=spec.launch_for(fixture.sizes), race_check=fixture.race_check,
        seconds=round(time.perf_counter() - started, 3),
    ))


if __name__ == "__main__":
    rulescript.main(main)
