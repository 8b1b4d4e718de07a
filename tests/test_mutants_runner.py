"""One mutant through the real kernel stage and comparison (CPU executor), in process.

Covers what the tiny end-to-end test does not: a mutant that does not compile
is stillborn (not a kill), and a deleted barrier is killed "by race" in the
extra race-detection run.
"""

from __future__ import annotations

from pathlib import Path

from pipeline_project import FIRST_KERNEL_PYTHON, write_kernel

from fixturepipe import fixture_io, kernel_python
from fixturepipe.fixture import Fixture
from fixturepipe.mutation import generate_mutants
from fixturepipe.mutation.generate import Mutant
from fixturepipe.mutation.runner import FixtureData, run_mutant
from fixturepipe.spec import load_spec

# Column j of a 4x4 unit-lower inverse, staged through threadgroup memory so a barrier matters.
STAGED = """\
threadgroup float tile[16];
const uint j = thread_position_in_threadgroup.x;
const uint base = threadgroup_position_in_grid.z * 16;
for (uint i = 0; i < 4; ++i) {
    tile[i * 4 + j] = (j < i) ? a_strict[base + i * 4 + j] : 0.0f;
}
threadgroup_barrier(mem_flags::mem_threadgroup);
for (uint i = 0; i < 4; ++i) {
    float acc = (i == j) ? 1.0f : 0.0f;
    for (uint k = j; k < i; ++k) {
        acc -= tile[i * 4 + k] * a_inv[base + k * 4 + j];
    }
    a_inv[base + i * 4 + j] = acc;
}
"""


def _setup(tmp_path: Path) -> tuple:
    spec_doc = {
        "name": "staged", "source": "staged.metal", "sizes": ["B", "T", "H", "BT"],
        "inputs": {"a_strict": {"shape": ["B", "T", "H", "BT"], "dtype": "float32"}},
        "outputs": {"a_inv": {"shape": ["B", "T", "H", "BT"], "dtype": "float32"}},
        **FIRST_KERNEL_PYTHON,
        "launch": {"grid": ["T", "H", "B"], "threadgroup": ["BT", 1, 1]},
        "tolerance": {"max_ulp": 4}, "meta": {},
    }
    spec = load_spec(write_kernel(tmp_path, spec_doc, STAGED) / "spec.yaml")
    fixture = Fixture.from_params("staged", "two", {
        "sizes": {"B": 2, "T": 4, "H": 1, "BT": 4}, "reference": "unit_lower_inverse",
        "tolerance": {"max_ulp": 4}, "backend": "cpu", "timeout": 30,
    })
    folder = tmp_path / "two"
    generated = Fixture.from_params("staged", "two", {
        "sizes": fixture.sizes, "seed": 3, "generator": {"name": "random_strict_lower"}})
    inputs = kernel_python.generate(spec, generated)
    fixture_io.write_inputs(folder, spec, fixture, inputs)
    fixture_io.write_references(folder, spec, fixture,
                                kernel_python.reference(spec, fixture, inputs))
    return spec, [FixtureData(fixture, folder)]


def _run(spec, fixtures, mutant: Mutant) -> dict:
    result, _ = run_mutant(spec, mutant, fixtures, timeout=20, race_timeout=60,
                           source_path="staged_mutant.metal")
    return result


def test_stillborn_killed_and_race(tmp_path: Path) -> None:
    spec, fixtures = _setup(tmp_path)
    mutants = {f"{m.operator}@{m.line}:{m.col}{m.variant}": m for m in generate_mutants(STAGED)}

    broken = Mutant("sign_flip_00000000", "sign_flip", 1, 1, "", "broken", "this is not metal;",
                    False)
    result = _run(spec, fixtures, broken)
    assert result["stillborn"] and result["stillborn"].startswith("MetalCompileError")
    assert result["fixtures"]["two"] == {"by": [], "ran": False}

    # Both blocks land on block 0: block 1 is never written (NaN poison).
    result = _run(spec, fixtures, mutants["index_term_drop@13:11"])
    cell = result["fixtures"]["two"]
    assert result["stillborn"] is None and (cell["by"], cell["ran"]) == (["a_inv.unwritten"], True)
    assert cell["diagnosis"].startswith("a region never written")  # what it looks like

    # `i < 4 + 1`: row 4 of the 16-float tile is read past its end, in every group.
    result = _run(spec, fixtures, mutants["loop_bound@8:22end_plus"])
    assert result["fixtures"]["two"] == {"by": ["bounds"], "ran": True}

    barrier = mutants["barrier_delete@7:1"]
    assert barrier.race_check
    result = _run(spec, fixtures, barrier)
    assert "race" in result["fixtures"]["two"]["by"]
