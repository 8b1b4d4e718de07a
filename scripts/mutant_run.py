"""Rule ``mutant_<kernel>``: run one mutant on every fixture -> results/<mutant>.json."""

import time
from pathlib import Path

from fixturepipe import atomic, provenance, rulescript
from fixturepipe.fixture import Fixture
from fixturepipe.mutation.runner import FixtureData, mutant_result
from fixturepipe.spec import load_spec


def main(smk):
    spec = load_spec(smk.input.spec)
    fixtures = [
        FixtureData(Fixture.from_params(smk.params.kernel, p["name"], p), Path(p["folder"]))
        for p in smk.params.fixtures
    ]
    started = time.perf_counter()
    mutant, result, seconds = mutant_result(
        spec, smk.wildcards.mutant, fixtures, timeout=smk.params.timeout,
        race_timeout=smk.params.race_timeout, source_path=smk.output.source,
    )
    atomic.write_text(smk.output.source, mutant.source)
    atomic.write_json(smk.output.result, result)
    atomic.write_json(smk.output.provenance, provenance.record(
        rule=smk.rule, mutant=mutant.name, backends=sorted({f.fixture.backend for f in fixtures}),
        seconds_per_fixture=seconds, seconds=round(time.perf_counter() - started, 3),
    ))


if __name__ == "__main__":
    rulescript.main(main)
