"""Rule ``inputs_<kernel>``: generate a fixture's inputs and meta into artifacts/generated/."""

from pathlib import Path

from fixturepipe import atomic, fixture_io, kernel_python, provenance, rulescript


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    arrays = kernel_python.generate(spec, fixture)
    fixture_io.write_inputs(Path(smk.output.meta).parent, spec, fixture, arrays)
    atomic.write_json(smk.output.provenance, provenance.record(rule=smk.rule, fixture=fixture.key))


if __name__ == "__main__":
    rulescript.main(main)
