"""Rule ``accept``: promote generated -> golden atomically and update artifacts/golden.sha256.

Adds and updates only; golden fixtures the config does not list are kept and
said so (removing one is `python -m fixturepipe.golden remove <kernel>/<fixture>`).
"""

from fixturepipe import golden, paths, rulescript
from fixturepipe.spec import load_spec

_SAID = {
    "added": "added",
    "changed": "updated",
    "unchanged": "unchanged (files and mtimes untouched)",
    "kept": "kept, not in this config (remove with `python -m fixturepipe.golden remove ...`)",
}


def main(smk):
    fixtures = {}
    for key, spec_path in smk.params.fixtures.items():
        kernel, name = key.split("/")
        fixtures[(kernel, name)] = paths.fixture_files(load_spec(spec_path, validate=False))
    changes = golden.accept(".", fixtures)
    for kind, said in _SAID.items():
        if changes[kind]:
            print(f"accept: {said}: {', '.join(changes[kind])}")
    if changes["added"] or changes["changed"]:
        print(f"accept: wrote {paths.GOLDEN_MANIFEST}; commit it and `dvc push` the fixtures.")
    else:
        print(f"accept: golden set unchanged; {paths.GOLDEN_MANIFEST} not rewritten.")


if __name__ == "__main__":
    rulescript.main(main)
