"""Rule ``reproduce_<kernel>``: generated vs golden bytes -> reproducibility.json."""

from pathlib import Path

from fixturepipe import atomic, reproduce, rulescript


def main(smk):
    spec, fixture = rulescript.spec_and_fixture(smk)
    result = reproduce.reproduce(
        Path(smk.input.generated[0]).parent, Path(smk.input.golden[0]).parent, spec, fixture,
        fixture.tolerance,
    )
    atomic.write_json(smk.output.reproducibility, {"kernel": spec.name, "fixture": fixture.name,
                                                   **result})


if __name__ == "__main__":
    rulescript.main(main)
