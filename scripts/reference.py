"""Rule ``reference_<kernel>``: float32 reference of a fixture's generated inputs."""

from pathlib import Path

from fixturepipe import fixture_io, kernel_python, rulescript


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
    arrays = kernel_python.reference(spec, fixture, inputs)
    fixture_io.write_references(Path(smk.output.refs[0]).parent, spec, fixture, arrays)


if __name__ == "__main__":
    rulescript.main(main)
