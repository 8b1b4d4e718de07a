"""Stage versus end to end (issue 11, item 4), as real Snakemake runs in a project copy.

The copy holds the composite chunk_gated_delta_rule_fwd, its six stage kernels and one
small end-to-end fixture (no stage fixtures: the stages' own runs are not the point here).
A mutant of the first stage (chunk_local_cumsum) runs through the whole real chain; its
sampled DAG has one chain job per stage mutant and no per-stage matrix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pipeline_project import make_project, planned_jobs, snakemake
from test_composite import COMPOSITE, STAGES

from fixturepipe import paths
from fixturepipe.mutation import sample
from fixturepipe.mutation.generate import mutants_of_file

FIXTURE = {
    "name": "tiny", "kernel": COMPOSITE,
    "sizes": {"B": 1, "T": 128, "H": 2, "Hg": 1, "K": 64, "V": 64, "BT": 64},
    "seed": 0x5EED6001, "generator": {"name": "gdn_fwd", "decay": "weak"},
    "oracle_tolerance": {"rel_rms": 1.0e-2}, "backend": "cpu",
}
KILLED = "sign_flip_494b6872"  # g_c stored negated: exp(-g) grows the state
EQUIVALENT = "arith_swap_abf4b47f"  # BT * SIMD totals slots instead of BT / SIMD: unused


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("composite_mutants"), [FIXTURE],
                        kernels=(COMPOSITE, *STAGES))
    (root / "sample.yaml").write_text(yaml.safe_dump({"mutants": {"sample": {COMPOSITE: 1}}}))
    return root


def test_a_sample_plans_one_chain_job_per_sampled_stage_mutant(project: Path) -> None:
    planned = planned_jobs(project, "mutants", "--configfile", "config/config.yaml",
                           "sample.yaml")
    rules = [rule for rule, _ in planned]
    assert f"mutant_matrix_{COMPOSITE}" in rules
    assert not [s for s in STAGES if f"mutant_matrix_{s}" in rules]  # stages: results only
    proc = snakemake(project, "-n", "-j1", "mutants", "--configfile", "config/config.yaml",
                     "sample.yaml", "--quiet", "rules")
    counts = dict(line.split()[:2] for line in proc.stdout.splitlines()
                  if line.startswith("mutant_"))
    for stage in STAGES:
        every = [m.name for m in mutants_of_file(project / "kernels" / stage / f"{stage}.metal")]
        want = len(sample.select(every, 1))  # one per operator
        assert want == len({sample.operator_family(n) for n in every})
        assert int(counts[f"mutant_chain_{COMPOSITE}_{stage}"]) == want, stage
        assert int(counts[f"mutant_{stage}"]) == want, stage


def test_a_first_stage_mutant_runs_through_the_real_chain(project: Path) -> None:
    files = [paths.chain_result_file(COMPOSITE, "chunk_local_cumsum", m)
             for m in (KILLED, EQUIVALENT)]
    proc = snakemake(project, "-j2", "--config", f"kernels={COMPOSITE}", "--", *files,
                     timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    killed, survived = (json.loads((project / f).read_text()) for f in files)
    assert (killed["kernel"], killed["mutant"], killed["stillborn"]) == (
        "chunk_local_cumsum", KILLED, None)
    # The negated cumsum decays nothing: o and the state leave the chained reference.
    assert killed["fixtures"]["tiny"]["by"] and killed["fixtures"]["tiny"]["ran"]
    assert killed["fixtures"]["tiny"]["by"][0].startswith(("o.", "final_state."))
    assert survived["fixtures"]["tiny"] == {"by": [], "ran": True}
