"""Rule ``reference_<kernel>``: float32 reference of a fixture's generated inputs."""

from pathlib import Path

import numpy as np

from fixturepipe import fixture_io, references, rulescript


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    inputs = fixture_io.read_inputs(Path(smk.input.inputs[0]).parent, spec, fixture)
    arrays = references.compute(fixture.reference, inputs, fixture.sizes, np.float32)
    fixture_io.write_references(Path(smk.output.refs[0]).parent, spec, fixture, arrays)


if __name__ == "__main__":
    rulescript.main(main)
