"""Rule ``accept``: promote generated -> golden atomically and rewrite artifacts/golden.sha256."""

from fixturepipe import golden, paths, rulescript
from fixturepipe.spec import load_spec


def main(smk):
    fixtures = {}
    for key, spec_path in smk.params.fixtures.items():
        kernel, name = key.split("/")
        fixtures[(kernel, name)] = paths.fixture_files(load_spec(spec_path, validate=False))
    changes = golden.accept(".", fixtures)
    for kind in ("added", "changed", "removed", "unchanged"):
        if changes[kind]:
            print(f"accept: {kind}: {', '.join(changes[kind])}")
    print(f"accept: wrote {paths.GOLDEN_MANIFEST}; commit it and `dvc push` the fixtures.")


if __name__ == "__main__":
    rulescript.main(main)
