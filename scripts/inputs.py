"""Rule ``inputs_<kernel>``: a fixture's inputs and meta into artifacts/generated/.

Made by the kernel's generator, taken from other fixtures' generated files
(chained inputs), or copied from a hand-made folder (imported fixtures).
"""

from pathlib import Path

from fixturepipe import (
    atomic,
    fixture_io,
    fixture_sources,
    kernel_python,
    paths,
    provenance,
    rulescript,
)


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    folder = Path(smk.output.meta).parent
    if fixture.imported:
        names = [paths.input_file(spec, t.name) for t in spec.inputs] + [paths.meta_file(spec)]
        fixture_sources.copy_imported(fixture, spec, names, folder)
    else:
        arrays = kernel_python.generate(spec, fixture) if fixture.generator else {}
        arrays.update(fixture_sources.load_chained(fixture, spec, smk.params.chained))
        fixture_io.write_inputs(folder, spec, fixture, arrays)
    atomic.write_json(smk.output.provenance, provenance.record(rule=smk.rule, fixture=fixture.key))


if __name__ == "__main__":
    rulescript.main(main)
