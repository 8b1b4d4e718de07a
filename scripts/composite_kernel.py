"""Rule ``kernel_<composite>``: the composite's run folder from its stages' runs.

Its outputs are the stage outputs ``composite_outputs`` names; run.json is ``ok``
when every stage ran, else the first failed stage's error; run.provenance.json
holds every stage's Metal sha256 (what verify checks for stale results).
"""

import json
from pathlib import Path

from fixturepipe import atomic, paths, provenance, rulescript


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    backend = smk.wildcards.backend
    folders = {s.kernel: paths.stage_run_dir(backend, spec.name, fixture.name, s.kernel)
               for s in spec.stages}

    def read(path):
        return json.loads(Path(path).read_text(encoding="utf-8"))

    runs = {k: read(f"{d}/{paths.RUN_JSON}") for k, d in folders.items()}
    stages = {k: read(f"{d}/{paths.RUN_PROVENANCE}") for k, d in folders.items()}
    run_dir = Path(smk.output.run).parent
    for t in spec.outputs:
        up, output = spec.composite_outputs[t.name].split(".", 1)
        source = f"{folders[up]}/{paths.output_file(spec.stage_specs[up], output)}"
        atomic.write_bytes(run_dir / paths.output_file(spec, t.name), Path(source).read_bytes())
    failed = next((k for k, r in runs.items() if r["status"] != "ok"), None)
    status = {"status": "ok", "error": None, "message": None}
    if failed:
        status = {"status": "error", "error": runs[failed]["error"],
                  "message": f"stage {failed}: {runs[failed]['message']}"}
    ran_on = runs[spec.stages[0].kernel]["backend"]  # every stage ran on the wildcard's backend
    atomic.write_json(smk.output.run, {"kernel": spec.name, "fixture": fixture.name,
                                       "backend": ran_on, **status})
    sources = {name: sha for p in stages.values()
               for name, sha in p["kernel_source_sha256"].items()}
    atomic.write_json(smk.output.provenance, provenance.record(
        rule=smk.rule, fixture=fixture.key, backend=ran_on,
        kernel_source_sha256=sources,
        stages={k: {"seconds": p.get("seconds"), "device": p.get("device")}
                for k, p in stages.items()},
        seconds=round(sum(p.get("seconds") or 0 for p in stages.values()), 3),
    ))


if __name__ == "__main__":
    rulescript.main(main)
