"""Rule ``reference_<kernel>``: float32 reference of a fixture's generated inputs
(or, for an imported fixture, its hand-made reference, checked against its pin; for a
composite kernel, the chain of its stages' references)."""

from pathlib import Path

from fixturepipe import (
    composite_reference,
    fixture_io,
    fixture_sources,
    kernel_python,
    paths,
    rulescript,
)


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    folder = Path(smk.output.refs[0]).parent
    if fixture.imported:
        names = [paths.reference_file(spec, t.name) for t in spec.outputs]
        fixture_sources.copy_imported(fixture, spec, names, folder)
        return
    inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
    if spec.is_composite:
        arrays = composite_reference.chain_reference(spec, fixture, inputs)
    else:
        arrays = kernel_python.reference(spec, fixture, inputs)
    fixture_io.write_references(folder, spec, fixture, arrays)


if __name__ == "__main__":
    rulescript.main(main)
