"""Rule ``mutant_chain_<composite>_<stage>``: one stage mutant through the composite's chain
on every end-to-end fixture -> chain/<stage>/<mutant>.json."""

import time
from pathlib import Path

from fixturepipe import atomic, paths, provenance, rulescript
from fixturepipe.fixture import Fixture
from fixturepipe.mutation.chain import ChainFixture, chain_mutant_result
from fixturepipe.mutation.dag import stages_before
from fixturepipe.spec import load_spec


def main(smk):
    spec = load_spec(smk.input.spec)
    stage = smk.params.stage
    fixtures = []
    for p in smk.params.fixtures:
        fixture = Fixture.from_params(spec.name, p["name"], p)
        folders = {up: Path(paths.stage_run_dir(p["backend"], spec.name, p["name"], up))
                   for up in stages_before(spec, stage)}
        fixtures.append(ChainFixture(fixture, Path(p["folder"]), folders))
    started = time.perf_counter()
    mutant, result, seconds = chain_mutant_result(
        spec, stage, smk.wildcards.mutant, fixtures, timeout=smk.params.timeout,
        source_path=paths.mutant_source_file(stage, smk.wildcards.mutant))
    atomic.write_json(smk.output.result, result)
    atomic.write_json(smk.output.provenance, provenance.record(
        rule=smk.rule, stage=stage, mutant=mutant.name,
        backends=sorted({f.fixture.backend for f in fixtures}),
        seconds_per_fixture=seconds, seconds=round(time.perf_counter() - started, 3),
    ))


if __name__ == "__main__":
    rulescript.main(main)
