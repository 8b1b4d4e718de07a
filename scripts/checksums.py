"""Rule ``checksums``: artifacts/SHA256SUMS over every checksummed artifact (sha256sum format)."""

from fixturepipe import manifest, rulescript


def main(smk):
    manifest.write_manifest(".", list(smk.input.files), smk.output.sums)


if __name__ == "__main__":
    rulescript.main(main)
