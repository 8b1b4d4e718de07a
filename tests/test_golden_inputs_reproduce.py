"""Every configured, accepted fixture's inputs regenerate to the bytes in artifacts/golden.sha256.

The fast, in-process half of "reproducibility is the product" (CI also runs
`make verify` on the pulled golden set, which checks references too): a change
to a generator, the seed handling or the file format that alters golden bytes
fails here, naming the fixture and file, without DVC or Snakemake.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixturepipe import fixture_io, golden, kernel_python, manifest, paths, plan
from fixturepipe.fixture import Fixture

REPO = Path(__file__).resolve().parents[1]
CONFIG = "config/config.yaml"


def committed_plan() -> plan.Plan:
    """The pipeline's own view of the committed config, specs and golden manifest."""
    config = yaml.safe_load((REPO / CONFIG).read_text(encoding="utf-8"))
    return plan.build(config, REPO, [CONFIG])


PLAN = committed_plan()
FIXTURES = [f for f in PLAN.fixtures if f.golden]  # accepted ones; candidates have no bytes yet


def test_the_committed_config_has_accepted_fixtures() -> None:
    assert len(FIXTURES) >= 8, [f.key for f in FIXTURES]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.key for f in FIXTURES])
def test_inputs_and_meta_regenerate_to_golden_bytes(fixture: Fixture, tmp_path: Path) -> None:
    """Generated inputs regenerate to their golden bytes; a chained input's golden bytes are
    its upstream file's (the pipeline copies them), so it is checked against that file's line."""
    spec = PLAN.specs[fixture.kernel]
    chained = PLAN.chained_inputs(fixture.kernel, fixture.name)
    arrays = kernel_python.generate(spec, fixture) if fixture.generator else {}
    upstream = {}
    for name, generated in chained.items():
        *_, kernel, source, file = Path(generated).parts
        upstream[paths.input_file(spec, name)] = f"{paths.golden_dir(kernel, source)}/{file}"
        arrays.pop(name, None)
    fixture_io.write_inputs(tmp_path, spec, fixture, {**arrays, **_placeholders(spec, fixture,
                                                                                chained)})
    sums = golden.read_manifest(REPO)
    names = [paths.input_file(spec, t.name) for t in spec.inputs] + [paths.meta_file(spec)]
    for name in names:
        listed = f"{paths.golden_dir(fixture.kernel, fixture.name)}/{name}"
        assert listed in sums, f"{listed} is not in {paths.GOLDEN_MANIFEST}"
        if name in upstream:
            assert sums[listed] == sums.get(upstream[name]), (
                f"{fixture.key}: chained {name} has sha256 {sums[listed]}, but its upstream "
                f"{upstream[name]} is listed with {sums.get(upstream[name])}"
            )
            continue
        got = manifest.sha256_file(tmp_path / name)
        assert got == sums[listed], (
            f"{fixture.key}: regenerated {name} has sha256 {got}, but {paths.GOLDEN_MANIFEST} "
            f"lists {sums[listed]} for {listed}: the golden bytes no longer reproduce"
        )


def _placeholders(spec, fixture: Fixture, chained) -> dict:
    """Zero arrays for chained inputs (their bytes are checked against upstream instead)."""
    import ml_dtypes
    import numpy as np

    tensors = {t.name: t for t in spec.inputs}
    dtype = {"bfloat16": ml_dtypes.bfloat16}
    return {
        name: np.zeros(tensors[name].shape_for(fixture.sizes),
                       dtype.get(tensors[name].dtype, tensors[name].dtype))
        for name in chained
    }
