"""A composite kernel (spec ``stages:``): one job per stage, the chain reference, the bisect.

The project copy holds the composite chunk_gated_delta_rule_fwd and its six stage kernels,
with one small end-to-end fixture. Reruns are read from Snakemake's own dry-run job list;
the sign-flip test edits recompute_w_u's Metal and runs verify for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pipeline_project import REPO, edited, make_project, planned_jobs, snakemake

from fixturepipe import paths
from fixturepipe.spec import SpecError, load_spec

COMPOSITE = "chunk_gated_delta_rule_fwd"
STAGES = ("chunk_local_cumsum", "chunk_scaled_dot_kkt", "chunk_tri_solve_invert",
          "recompute_w_u", "chunk_gated_delta_rule_fwd_h", "chunk_fwd_o")
FIXTURE = {
    "name": "tiny", "kernel": COMPOSITE,
    "sizes": {"B": 1, "T": 128, "H": 2, "Hg": 1, "K": 64, "V": 64, "BT": 64},
    "seed": 0x5EED6001, "generator": {"name": "gdn_fwd", "decay": "strong"},
    "backend": "cpu",
}
TAIL = {(f"kernel_{COMPOSITE}", "tiny"), (f"compare_{COMPOSITE}", "tiny"),
        ("checksums", ""), ("verify", "")}


def stage_jobs(*stages: str) -> set[tuple[str, str]]:
    return {(f"stage_{COMPOSITE}_{s}", "tiny") for s in stages}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("composite"), [FIXTURE],
                        kernels=(COMPOSITE, *STAGES))
    proc = snakemake(root, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def compare_json(root: Path) -> dict:
    return json.loads((root / paths.run_dir("cpu", COMPOSITE, "tiny") / "compare.json")
                      .read_text())


def test_every_stage_runs_in_its_own_folder_and_passes(project: Path) -> None:
    for stage in STAGES:
        run = json.loads((project / paths.stage_run_dir("cpu", COMPOSITE, "tiny", stage)
                          / "run.json").read_text())
        assert (run["kernel"], run["status"]) == (stage, "ok")
    result = compare_json(project)
    assert result["passed"] and result["first_failing_stage"] is None
    assert [s["stage"] for s in result["stages"]] == list(STAGES)
    assert all(s["passed"] for s in result["stages"])
    # The composite outputs are its stages' (composite_outputs), and the chain reference
    # is the chain of the stages' own references: on this fixture the kernels reproduce
    # their references exactly, so the end-to-end error vs the chain is what the stages'
    # error is, and the distance to the float64 recurrence is the chunked algorithm's.
    for name in ("o", "final_state"):
        out = result["outputs"][name]
        assert out["vs_reference"]["rel_rms"] < 1e-3
        assert 0 < out["reference_vs_oracle"]["rel_rms"] < 5e-3


def test_a_stage_edit_reruns_that_stage_and_the_ones_after_it_only(project: Path) -> None:
    metal = project / "kernels" / "recompute_w_u" / "recompute_w_u.metal"
    with edited(metal, lambda text: text + "\n// an edit\n"):
        planned = planned_jobs(project)
    assert planned == stage_jobs("recompute_w_u", "chunk_gated_delta_rule_fwd_h",
                                 "chunk_fwd_o") | TAIL


def test_a_stage_reference_edit_reruns_the_chain_reference_and_compare_only(
    project: Path,
) -> None:
    """The chain reference and the bisect run the stages' reference.py; no stage job does."""
    reference = project / "kernels" / "recompute_w_u" / "reference.py"
    with edited(reference, lambda text: text + "\n# an edit\n"):
        planned = planned_jobs(project)
    assert planned == {(f"reference_{COMPOSITE}", "tiny"), (f"compare_{COMPOSITE}", "tiny"),
                       ("checksums", ""), ("verify", "")}


def test_a_sign_flip_in_recompute_w_u_is_bisected_to_recompute_w_u(project: Path) -> None:
    metal = project / "kernels" / "recompute_w_u" / "recompute_w_u.metal"
    assert "beta_s[tid] = tid < n ? beta[at] : 0.0f;" in metal.read_text()
    with edited(metal, lambda text: text.replace("? beta[at]", "? -beta[at]", 1)):
        proc = snakemake(project, "-j2", "verify")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        result = compare_json(project)
        report = (project / paths.VERIFY_DIR / "report.md").read_text()
        html = (project / paths.VERIFY_DIR / "report.html").read_text()
    assert not result["passed"]
    assert result["first_failing_stage"] == "recompute_w_u"
    assert [s["passed"] for s in result["stages"]][:3] == [True, True, True]
    line = "first stage out of tolerance: recompute_w_u ("
    assert line in proc.stderr  # verify's FAIL lines
    assert line in report
    assert "FAIL (stage recompute_w_u)" in proc.stdout  # the table
    assert "FAIL (stage recompute_w_u)" in report
    assert f"| {COMPOSITE} | tiny | chunk_tri_solve_invert | PASS |" in report
    assert f"| {COMPOSITE} | tiny | recompute_w_u | FAIL (first) |" in report
    assert '<td>recompute_w_u</td><td class="verdict FAIL">FAIL (first)</td>' in html


def test_a_stage_that_fails_to_compile_stops_the_stages_after_it(project: Path) -> None:
    metal = project / "kernels" / "chunk_scaled_dot_kkt" / "chunk_scaled_dot_kkt.metal"
    with edited(metal, lambda text: "this is not Metal;\n" + text):
        proc = snakemake(project, "-j2", "verify")
        result = compare_json(project)
        runs = {s: json.loads((project / paths.stage_run_dir("cpu", COMPOSITE, "tiny", s)
                               / "run.json").read_text()) for s in STAGES}
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert runs["chunk_local_cumsum"]["status"] == "ok"
    assert runs["chunk_scaled_dot_kkt"]["error"] == "MetalCompileError"
    for later in STAGES[2:]:
        assert runs[later]["error"] == "UpstreamStageFailed", later
    assert result["failing_metric"] == "kernel_error"
    assert result["kernel_error"]["message"].startswith("stage chunk_scaled_dot_kkt: ")
    assert result["first_failing_stage"] == "chunk_scaled_dot_kkt"
    assert "FAIL (stage chunk_scaled_dot_kkt)" in proc.stdout


# -- the spec's wiring is checked at load time ---------------------------------------------

def composite_folder(tmp_path: Path, edit: dict) -> Path:
    """kernels/ with the stage folders and a composite whose spec has ``edit`` applied."""
    kernels = tmp_path / "kernels"
    for name in (COMPOSITE, *STAGES):
        src = REPO / "kernels" / name
        (kernels / name).mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file():
                (kernels / name / f.name).write_bytes(f.read_bytes())
    spec_path = kernels / COMPOSITE / "spec.yaml"
    doc = yaml.safe_load(spec_path.read_text())
    doc.update(edit)
    spec_path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return spec_path


def stages_with(index: int, **inputs: str) -> list[dict]:
    doc = yaml.safe_load((REPO / "kernels" / COMPOSITE / "spec.yaml").read_text())
    doc["stages"][index]["inputs"].update(inputs)
    return doc["stages"]


@pytest.mark.parametrize(("edit", "message"), [
    ({"stages": stages_with(3, a_inv="chunk_fwd_o.o")},
     "stages[3]/inputs/a_inv: 'chunk_fwd_o.o' is neither a composite input nor an output "
     "of an earlier stage"),
    ({"stages": stages_with(0, extra="g")},
     "stages[0]/inputs: must give exactly the inputs of 'chunk_local_cumsum' (g); it gives "
     "g, extra"),
    ({"stages": stages_with(2, a_strict="k")},
     "stages[2]/inputs/a_strict: 'k' is bfloat16 ['B', 'T', 'Hg', 'K'], but it is read as "
     "float32 ['B', 'T', 'H', 'BT']"),
    ({"composite_outputs": {"o": "chunk_fwd_o.o"}},
     "field composite_outputs: must name a stage output for each output"),
])
def test_wiring_errors_name_the_field(tmp_path: Path, edit: dict, message: str) -> None:
    spec_path = composite_folder(tmp_path, edit)
    with pytest.raises(SpecError) as exc:
        load_spec(spec_path)
    assert message in str(exc.value)


def test_a_kernel_is_at_most_one_stage(tmp_path: Path) -> None:
    doc = yaml.safe_load((REPO / "kernels" / COMPOSITE / "spec.yaml").read_text())
    spec_path = composite_folder(tmp_path, {"stages": [*doc["stages"], doc["stages"][0]]})
    with pytest.raises(SpecError, match=r"stages\[6\]/kernel: 'chunk_local_cumsum' appears "
                                        "twice"):
        load_spec(spec_path)


def test_code_files_are_the_stages_metal_in_order() -> None:
    spec = load_spec(REPO / "kernels" / COMPOSITE / "spec.yaml")
    assert [p.name for p in spec.code_files()] == [f"{s}.metal" for s in STAGES]
    # The composite states the stage's constraint itself, with the reason (the stage's own
    # copy is then not repeated).
    (failure,) = spec.constraint_failures({**FIXTURE["sizes"], "T": 100})
    assert failure.startswith("T must be a multiple of BT: chunk_tri_solve_invert")
