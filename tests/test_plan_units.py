"""The plan the Snakefile loops over, built in-process: fixtures, golden vs candidate, file lists.

tests/test_config_checks.py proves a bad config stops a real ``snakemake -n``;
these run the same cases through ``plan.build`` directly (milliseconds each),
and pin what a valid config turns into.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import kernel_specs
import pytest
from pipeline_project import KERNEL, fixture
from test_config_checks import CASES, SCHEMA_CASES

from fixturepipe import backends, config_checks, golden, manifest, paths, plan, spec

REPO = Path(__file__).resolve().parents[1]
CONFIGFILE = "config/config.yaml"


def config_of(fixtures: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"backend": "auto", **top, "fixtures": fixtures}


@pytest.fixture(autouse=True)
def specs_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``plan.build`` gets each kernels folder's specs parsed once (tests/kernel_specs.py):
    these tests are about the plan, not about parsing specs (test_pipeline_units.py and
    test_composite.py test that)."""
    monkeypatch.setattr(spec, "load_all", kernel_specs.load_all)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Kernels of the repository (a link: their specs are parsed once), no golden set yet."""
    (tmp_path / "kernels").symlink_to(REPO / "kernels", target_is_directory=True)
    return tmp_path


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the first kernel's folder, for tests that edit it or check paths in it (one
    kernel: parsing every kernel's Python takes seconds when mutmut has mutated it)."""
    shutil.copytree(REPO / "kernels" / KERNEL, tmp_path / "kernels" / KERNEL)
    return tmp_path


def accept(project: Path, name: str) -> None:
    """Make fixture ``name`` golden: its files on disk and listed in golden.sha256."""
    folder = project / paths.golden_dir(KERNEL, name)
    folder.mkdir(parents=True)
    names = ["chunk_tri_solve_invert_input_a_strict.bin", "chunk_tri_solve_invert_a_inv_ref.bin",
             "chunk_tri_solve_invert_meta.json"]
    for n in names:
        (folder / n).write_bytes(n.encode())
    old = golden.read_manifest(project)
    new = {f"{paths.golden_dir(KERNEL, name)}/{n}": manifest.sha256_file(folder / n) for n in names}
    (project / paths.GOLDEN_MANIFEST).parent.mkdir(exist_ok=True)
    (project / paths.GOLDEN_MANIFEST).write_text(manifest.format_sums({**old, **new}))


@pytest.mark.parametrize("case", sorted(CASES))
def test_semantic_problems_are_sentences_naming_file_fixture_and_field(case: str) -> None:
    fixtures, top, expected = CASES[case]
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of(fixtures, **top), REPO, [CONFIGFILE])
    message = str(info.value)
    assert message.startswith(f"{CONFIGFILE}: the fixture matrix is invalid:\n  - "), message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"
    assert len(info.value.problems) == 1, info.value.problems


@pytest.mark.parametrize("case", sorted(SCHEMA_CASES))
def test_schema_problems_name_the_fixture_and_field(case: str) -> None:
    """The schema, else the semantic checks (generators are checked against the spec)."""
    fixtures, top, expected = SCHEMA_CASES[case]
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(config_of(fixtures, **top), str(REPO / "config/schema.yaml"),
                                   CONFIGFILE)
        plan.build(config_of(fixtures, **top), REPO, [CONFIGFILE])
    message = str(info.value)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_schema_problem_sentence_shape() -> None:
    bad = config_of([fixture("u", tolerence={"max_ulp": 1})])
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(bad, str(REPO / "config/schema.yaml"), CONFIGFILE)
    (problem,) = info.value.problems
    assert problem.startswith("fixture 'u' (fixtures[0]), field (fixture): "), problem
    assert problem.endswith("; see config/schema.yaml for the allowed keys."), problem
    top = config_of([fixture("a")], backend="gpu")
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(top, str(REPO / "config/schema.yaml"), CONFIGFILE)
    assert info.value.problems[0].startswith("field backend: "), info.value.problems


def test_a_valid_config_passes_the_schema() -> None:
    config_checks.check_schema(config_of([fixture("fine")]), str(REPO / "config/schema.yaml"),
                               CONFIGFILE)


def test_every_problem_is_reported_at_once() -> None:
    fixtures = [
        fixture("odd", sizes={"B": 1, "T": 96, "H": 1, "BT": 64}),
        fixture("neg", sizes={"B": -1, "T": 64, "H": 1, "BT": 64}),
        fixture("fine"),
        fixture("r", reference="nope", generator={"name": "nope"}),
    ]
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of(fixtures), REPO, [CONFIGFILE])
    problems = info.value.problems
    assert [p.split(" (")[0] for p in problems] == [
        "fixture 'odd'", "fixture 'neg'", "fixture 'r'", "fixture 'r'"], problems
    assert "field generator.name: unknown generator 'nope'" in problems[2]
    assert "field reference: unknown reference 'nope'" in problems[3]


def test_size_problems_name_missing_and_extra_sizes() -> None:
    bad = fixture("x", sizes={"B": 1, "T": 64, "BT": 64, "Q": 3})
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([bad]), REPO, [CONFIGFILE])
    assert info.value.problems == [
        f"fixture 'x' (fixtures[0]), field sizes: missing H; kernel {KERNEL!r} needs B, T, H, BT.",
        f"fixture 'x' (fixtures[0]), field sizes: Q not used by kernel {KERNEL!r} "
        "(it needs B, T, H, BT).",
    ]


def test_race_check_needs_the_cpu_backend() -> None:
    with pytest.raises(config_checks.ConfigError, match="field race_check"):
        plan.build(config_of([fixture("r", race_check=True, backend="metal")]), REPO)
    fixtures = plan.build(config_of([fixture("r", race_check=True, backend="cpu")]), REPO).fixtures
    assert fixtures[0].race_check is True and fixtures[0].backend == "cpu"


def test_fixture_fields_merge_spec_defaults_and_overrides(project: Path) -> None:
    raw = fixture("t", seed=0x10, tolerance={"rel_l2": 1e-6}, oracle_tolerance={"max_ulp": 2},
                  timeout=5, description="why", generator={"name": "zeros"})
    (f,) = plan.build(config_of([raw, ]), project, [CONFIGFILE]).fixtures
    assert f == config_checks.Fixture(
        kernel=KERNEL, name="t", sizes={"B": 1, "T": 64, "H": 1, "BT": 64}, seed=16,
        generator="zeros", generator_params={}, reference="unit_lower_inverse",
        tolerance={"max_ulp": 4, "rel_l2": 1e-6}, oracle_tolerance={"max_ulp": 2},
        backend="cpu", race_check=False, timeout=5.0, description="why")
    assert f.golden is False and f.key == f"{KERNEL}/t"
    (g,) = plan.build(config_of([fixture("u", tolerance={"max_ulp": 9})]), project).fixtures
    assert g.tolerance == {"max_ulp": 9} and g.timeout == 60.0 and g.oracle_tolerance == {}
    assert g.generator_params == {"magnitude": 0.1}


def test_rule_params_hold_what_each_rule_depends_on(project: Path) -> None:
    raw = fixture("p", tolerance={"rel_l2": 1e-6}, oracle_tolerance={"max_ulp": 2}, timeout=7,
                  race_check=True, backend="cpu", reference="unit_lower_substitution")
    (f,) = plan.build(config_of([raw]), project).fixtures
    sizes = {"B": 1, "T": 64, "H": 1, "BT": 64}
    assert f.generation_params() == {
        "sizes": sizes, "seed": 7, "generator": {"name": "random_strict_lower", "magnitude": 0.1},
        "reference": "unit_lower_substitution"}
    assert f.reference_params() == {"sizes": sizes, "reference": "unit_lower_substitution"}
    assert f.kernel_params() == {"sizes": sizes, "race_check": True, "timeout": 7.0}
    assert f.compare_params() == {
        "sizes": sizes, "reference": "unit_lower_substitution",
        "tolerance": {"max_ulp": 4, "rel_l2": 1e-6}, "oracle_tolerance": {"max_ulp": 2}}
    rebuilt = config_checks.Fixture.from_params(KERNEL, "p", {**f.compare_params(),
                                                              **f.kernel_params()})
    assert (rebuilt.tolerance, rebuilt.oracle_tolerance, rebuilt.race_check, rebuilt.timeout) == (
        f.tolerance, f.oracle_tolerance, True, 7.0)
    gen = config_checks.Fixture.from_params(KERNEL, "p", f.generation_params())
    assert (gen.seed, gen.generator, gen.generator_params) == (
        7, "random_strict_lower", {"magnitude": 0.1})


def test_accepted_fixtures_read_golden_files_and_candidates_generated_ones(project: Path) -> None:
    accept(project, "gold")
    p = plan.build(config_of([fixture("gold"), fixture("new")]), project, [CONFIGFILE])
    gold, new = p.fixture(KERNEL, "gold"), p.fixture(KERNEL, "new")
    assert (gold.golden, new.golden) == (True, False)
    assert p.fixtures_of(KERNEL) == [gold, new] and p.fixtures_of("other") == []
    with pytest.raises(KeyError):
        p.fixture(KERNEL, "absent")
    assert p.source_dir(KERNEL, "gold") == paths.golden_dir(KERNEL, "gold")
    assert p.source_dir(KERNEL, "new") == paths.generated_dir(KERNEL, "new")
    g = f"artifacts/fixtures/{KERNEL}/gold/{KERNEL}"
    assert p.fixture_inputs(KERNEL, "gold") == {"a_strict": f"{g}_input_a_strict.bin"}
    assert p.fixture_references(KERNEL, "gold") == {"a_inv": f"{g}_a_inv_ref.bin"}
    assert p.present_golden_files(KERNEL, "gold") == [
        f"{g}_input_a_strict.bin", f"{g}_a_inv_ref.bin", f"{g}_meta.json"]
    n = f"artifacts/generated/{KERNEL}/new/{KERNEL}"
    assert p.fixture_inputs(KERNEL, "new") == {"a_strict": f"{n}_input_a_strict.bin"}
    assert p.run_files(new) == [f"artifacts/runs/cpu/{KERNEL}/new/{KERNEL}_a_inv.bin",
                                f"artifacts/runs/cpu/{KERNEL}/new/run.json"]
    assert p.compare_file(new) == f"artifacts/runs/cpu/{KERNEL}/new/compare.json"
    assert p.reproduce_file(gold) == f"artifacts/reproduce/{KERNEL}/gold/reproducibility.json"
    checksummed = p.checksummed_files()
    assert checksummed == sorted(set(checksummed))
    assert p.reproduce_file(gold) in checksummed and p.reproduce_file(new) not in checksummed
    assert f"{g}_meta.json" in checksummed and f"{n}_meta.json" in checksummed
    assert p.compare_file(new) in checksummed and p.run_files(gold)[1] in checksummed
    assert p.accept_inputs() == p.generated_files(KERNEL, "gold") + p.generated_files(KERNEL, "new")
    assert p.golden_sums == golden.read_manifest(project)


def test_a_missing_golden_file_stops_planning_with_dvc_pull(project: Path) -> None:
    accept(project, "gold")
    (project / paths.golden_dir(KERNEL, "gold") / f"{KERNEL}_meta.json").unlink()
    p = plan.build(config_of([fixture("gold")]), project)
    with pytest.raises(golden.GoldenMissingError, match="Run `dvc pull`"):
        p.source_dir(KERNEL, "gold")
    with pytest.raises(golden.GoldenMissingError, match=f"{KERNEL}_meta.json"):
        p.present_golden_files(KERNEL, "gold")


def test_schema_problems_are_sorted_by_place_and_name_unnamed_fixtures() -> None:
    config = {"backend": "auto", "extra": 1, "fixtures": [
        fixture("a", sizes={"B": "x", "T": 64, "H": 1, "BT": 64}),
        {"kernel": KERNEL, "sizes": {"B": 1}, "seed": 1, "generator": {"name": "zeros"}},
    ]}
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(config, str(REPO / "config/schema.yaml"), "cfg.yaml")
    assert str(info.value) == (
        "cfg.yaml: the fixture matrix is invalid:\n"
        "  - field (top level): Additional properties are not allowed ('extra' was unexpected); "
        "see config/schema.yaml for the allowed keys.\n"
        "  - fixture 'a' (fixtures[0]), field sizes.B: 'x' is not of type 'integer'.\n"
        "  - fixture '?' (fixtures[1]), field (fixture): 'name' is a required property.")
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema({"fixtures": [3]}, str(REPO / "config/schema.yaml"), "c")
    assert info.value.problems[0].startswith("fixture '?' (fixtures[0]), field (fixture): 3 ")


def test_unknown_sizes_get_no_schema_hint(tmp_path: Path) -> None:
    """The allowed sizes come from the kernel spec, not config/schema.yaml: no hint there."""
    schema = tmp_path / "schema.yaml"
    schema.write_text(
        "type: object\nproperties:\n  fixtures:\n    type: array\n    items:\n"
        "      type: object\n      additionalProperties: false\n      properties:\n"
        "        name: {type: string}\n"
        "        sizes: {type: object, additionalProperties: false, properties: {B: {}}}\n")
    config = {"fixtures": [{"name": "n", "sizes": {"B": 1, "Q": 2}, "typo": 1}]}
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(config, str(schema), "c")
    assert info.value.problems == [
        "fixture 'n' (fixtures[0]), field (fixture): Additional properties are not allowed "
        "('typo' was unexpected); see config/schema.yaml for the allowed keys.",
        "fixture 'n' (fixtures[0]), field sizes: Additional properties are not allowed "
        "('Q' was unexpected).",
    ]


def test_an_unknown_fixture_key_error_names_it() -> None:
    p = plan.build(config_of([fixture("a")]), REPO)
    with pytest.raises(KeyError) as info:
        p.fixture(KERNEL, "absent")
    assert info.value.args == (f"{KERNEL}/absent",)


def test_a_float_written_without_a_dot_gets_its_yaml_spelling_in_the_message() -> None:
    """YAML 1.1 reads ``1e-6`` as a string; the message shows the spelling it reads as a float."""
    spellings = {"1e-6": "1.0e-6", "2E3": "2.0e+3", "1.5e-3": "1.5e-3", " 3e+2": "3.0e+2"}
    fixtures = [fixture(f"f{i}", tolerance={"rel_l2": text})
                for i, text in enumerate(spellings)]
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(config_of(fixtures), str(REPO / "config/schema.yaml"),
                                   CONFIGFILE)
    message = str(info.value)
    for i, (text, spelled) in enumerate(spellings.items()):
        assert (f"fixture 'f{i}' (fixtures[{i}]), field tolerance.rel_l2: {text!r} is not of "
                f"type 'number'; YAML reads {text} as a string (a YAML float needs a dot, e.g. "
                f"{spelled}).") in message, message
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check_schema(config_of([fixture("w", tolerance={"rel_l2": "tiny"})]),
                                   str(REPO / "config/schema.yaml"), CONFIGFILE)
    assert "YAML reads" not in str(info.value)


def handmade(project: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """A hand-made fixture folder ``handmade/`` and the config entry importing it (pinned)."""
    folder = project / "handmade"
    folder.mkdir()
    names = [f"{KERNEL}_input_a_strict.bin", f"{KERNEL}_a_inv_ref.bin", f"{KERNEL}_meta.json"]
    for name in names[:2]:
        (folder / name).write_bytes(name.encode())
    (folder / names[2]).write_text(json.dumps(meta))
    pins = {n: manifest.sha256_file(folder / n) for n in names}
    return {"name": "hand", "kernel": KERNEL, "import": {"folder": "handmade", "sha256": pins}}


def test_an_imported_fixture_takes_its_sizes_from_its_meta_file(project: Path) -> None:
    raw = handmade(project, {"B": 2, "T": 128, "H": 3, "BT": 64, "seed": "0x00000007"})
    p = plan.build(config_of([raw]), project, [CONFIGFILE])
    (f,) = p.fixtures
    assert f.sizes == {"B": 2, "T": 128, "H": 3, "BT": 64}
    assert p.imported_files(KERNEL, "hand") == [
        f"handmade/{KERNEL}_input_a_strict.bin", f"handmade/{KERNEL}_a_inv_ref.bin",
        f"handmade/{KERNEL}_meta.json"]
    assert plan.build(config_of([{**raw, "sizes": {"B": 2, "H": 3}}]), project).fixtures[0].sizes \
        == {"B": 2, "T": 128, "H": 3, "BT": 64}
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([{**raw, "sizes": {"B": 2, "T": 64, "H": 3}}]), project,
                   [CONFIGFILE])
    assert ("fixture 'hand' (fixtures[0]), field sizes.T: 64, but the imported meta file says "
            "128.") in str(info.value)
    assert plan.build(config_of([fixture("g")]), project).imported_files(KERNEL, "g") == []


def test_code_lists_the_script_what_it_imports_and_the_kernels_python() -> None:
    p = plan.build(config_of([fixture("f")]), REPO)
    inputs = p.code("inputs", KERNEL)
    assert inputs == sorted(inputs) and p.code("inputs.py", KERNEL) == inputs
    assert "scripts/inputs.py" in inputs and "src/fixturepipe/kernel_python.py" in inputs
    assert f"kernels/{KERNEL}/generators.py" in inputs
    assert f"kernels/{KERNEL}/reference.py" not in inputs
    assert "src/fixturepipe/kernel_lib/chunks.py" in inputs
    assert all(not path.startswith("/") for path in inputs)
    assert not [path for path in p.code("inputs") if path.startswith("kernels/")]
    composite = "chunk_gated_delta_rule_fwd"  # its reference is the chain of its stages'
    assert [path for path in p.code("reference", composite) if path.startswith("kernels/")] == [
        f"kernels/{k}/reference.py" for k in sorted([composite, *p.specs[composite].stage_specs])]


def test_stage_files_are_each_stages_outputs_and_run_json_in_chain_order() -> None:
    p = plan.build(config_of([fixture("f")]), REPO)
    composite = "chunk_gated_delta_rule_fwd"
    stages = f"artifacts/runs/cpu/{composite}/x/stages"
    assert p.stage_files(composite, "cpu", "x", {"chunk_fwd_o", "chunk_local_cumsum"}) == [
        f"{stages}/chunk_local_cumsum/chunk_local_cumsum_g_c.bin",
        f"{stages}/chunk_local_cumsum/run.json",
        f"{stages}/chunk_fwd_o/chunk_fwd_o_o.bin", f"{stages}/chunk_fwd_o/run.json"]
    every = p.stage_files(composite, "{backend}", "{fixture}")
    assert [f.split("/stages/")[1] for f in every if f.endswith("run.json")] == [
        f"{s.kernel}/run.json" for s in p.specs[composite].stages]
    assert all(f.startswith(f"artifacts/runs/{{backend}}/{composite}/{{fixture}}/stages/")
               for f in every)
    assert len(every) == 15  # six stages' run.json and their nine outputs
    assert p.stage_files(KERNEL, "cpu", "x") == [], "a kernel with Metal source has no stages"


def test_a_composite_fixture_s_run_files_are_its_own_then_each_stage_s() -> None:
    composite = "chunk_gated_delta_rule_fwd"
    raw = {"name": "g", "kernel": composite, "seed": 1, "generator": {"name": "gdn_fwd"},
           "sizes": {"B": 1, "T": 64, "H": 1, "Hg": 1, "K": 64, "V": 64, "BT": 64}}
    p = plan.build(config_of([raw]), REPO)
    (f,) = p.fixtures
    run = f"artifacts/runs/{f.backend}/{composite}/g"
    assert p.run_files(f) == [
        f"{run}/{composite}_o.bin", f"{run}/{composite}_final_state.bin", f"{run}/run.json",
        *p.stage_files(composite, f.backend, "g")]
    assert all(path.startswith(f"{run}/") for path in p.run_files(f))


def test_kernels_narrows_the_plan_to_the_kernels_named_in_a_string_or_a_list() -> None:
    """``--config kernels=a,b`` arrives as one string, a YAML list as a list; both choose."""
    fixtures = [fixture("f"), fixture("g", kernel="chunk_local_cumsum",
                                      sizes={"B": 1, "T": 64, "H": 1, "BT": 64},
                                      generator={"name": "log_decay"})]
    every = plan.build(config_of(fixtures), REPO)
    assert every.kernels == () and len(every.targets) == 2
    for chosen in ("chunk_local_cumsum", " chunk_local_cumsum ,", ["chunk_local_cumsum"]):
        p = plan.build(config_of(fixtures, kernels=chosen), REPO)
        assert p.kernels == ("chunk_local_cumsum",), chosen
        assert [f.name for f in p.targets] == ["g"], chosen
    both = plan.build(config_of(fixtures, kernels=f"chunk_local_cumsum,{KERNEL}"), REPO)
    assert both.kernels == ("chunk_local_cumsum", KERNEL)


def test_an_unknown_kernel_in_kernels_is_named_with_the_known_ones() -> None:
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([fixture("f")], kernels=f"{KERNEL}, nope,also_not"), REPO,
                   [CONFIGFILE])
    known = ", ".join(sorted(plan.build(config_of([fixture("f")]), REPO).specs))
    assert str(info.value) == (
        f"{CONFIGFILE}: the fixture matrix is invalid:\n  - field kernels: unknown kernel "
        f"'nope', 'also_not'; kernels (kernels/*/spec.yaml): {known}.")
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.selected_kernels({"kernels": ["x"]}, {}, CONFIGFILE)
    assert info.value.problems == [
        "field kernels: unknown kernel 'x'; kernels (kernels/*/spec.yaml): none."]


def test_a_constraint_names_the_spec_relative_to_the_working_directory_else_whole(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = config_of([fixture("c", sizes={"B": 1, "T": 64, "H": 1, "BT": 32})])
    spec_file = f"kernels/{KERNEL}/spec.yaml"
    elsewhere = project_copy / "elsewhere"
    elsewhere.mkdir()
    shown_from_elsewhere = f"{project_copy.resolve()}/{spec_file}"
    for cwd, shown in ((elsewhere, shown_from_elsewhere), (project_copy, spec_file)):
        monkeypatch.chdir(cwd)
        with pytest.raises(config_checks.ConfigError) as info:
            plan.build(bad, project_copy)
        assert f" of kernel {KERNEL!r} in {shown})." in str(info.value), (cwd, str(info.value))


def test_an_imported_fixture_without_a_size_anywhere_is_told_which_size_is_missing(
    project: Path,
) -> None:
    """A meta file without T and a config without T: a sentence, not a KeyError."""
    raw = handmade(project, {"B": 2, "H": 3, "BT": 64})
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([raw]), project, [CONFIGFILE])
    assert info.value.problems == [
        f"fixture 'hand' (fixtures[0]), field sizes: missing T; kernel {KERNEL!r} needs "
        "B, T, H, BT."]


def test_generator_parameter_problems_are_whole_sentences_in_field_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each names what the generator takes (or that it takes nothing) and where its schema
    is; several problems come sorted by field, not in the schema validator's order."""
    monkeypatch.chdir(REPO)
    schema = f"schema in kernels/{KERNEL}/spec.yaml field generators"
    cases = {
        "zeros": ({"magnitude": 1.0}, [
            "field generator: Additional properties are not allowed ('magnitude' was "
            f"unexpected) (generator 'zeros' of kernel {KERNEL!r} takes no parameters; "
            f"{schema}/zeros)."]),
        "random_strict_lower": ({"magnitude": -1, "dirty_upper": "x"}, [
            f"field generator.{field}: {message} (generator 'random_strict_lower' of kernel "
            f"{KERNEL!r} takes magnitude, dirty_upper; {schema}/random_strict_lower)."
            for field, message in (("dirty_upper", "'x' is not of type 'boolean'"),
                                   ("magnitude", "-1 is less than or equal to the minimum of 0"))
        ]),
    }
    for name, (params, expected) in cases.items():
        with pytest.raises(config_checks.ConfigError) as info:
            plan.build(config_of([fixture("g", generator={"name": name, **params})]), REPO)
        assert info.value.problems == [f"fixture 'g' (fixtures[0]), {p}" for p in expected]


def test_an_unknown_reference_is_told_the_kernel_s_references() -> None:
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([fixture("r", reference="nope")]), REPO)
    assert info.value.problems == [
        f"fixture 'r' (fixtures[0]), field reference: unknown reference 'nope' for kernel "
        f"{KERNEL!r}; it accepts unit_lower_inverse, unit_lower_substitution."]


def test_size_problems_list_every_missing_and_extra_size() -> None:
    bad = fixture("x", sizes={"B": 1, "T": 64, "Q": 3, "R": 4})
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([bad]), REPO)
    assert info.value.problems == [
        f"fixture 'x' (fixtures[0]), field sizes: missing H, BT; kernel {KERNEL!r} needs "
        "B, T, H, BT.",
        f"fixture 'x' (fixtures[0]), field sizes: Q, R not used by kernel {KERNEL!r} "
        "(it needs B, T, H, BT).",
    ]


def test_a_constraint_that_cannot_be_checked_is_said_and_the_next_ones_still_run(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_file = project_copy / "kernels" / KERNEL / "spec.yaml"
    spec_file.write_text(spec_file.read_text().replace(
        "constraints:\n", 'constraints:\n  - {check: "T // (B - 1) >= 0", message: "unread"}\n', 1))
    monkeypatch.chdir(project_copy)
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([fixture("c", sizes={"B": 1, "T": 96, "H": 1, "BT": 64})]),
                   project_copy)
    assert info.value.problems == [
        "fixture 'c' (fixtures[0]), field sizes: cannot check 'T // (B - 1) >= 0': expression "
        "'T // (B - 1) >= 0' divides by zero.",
        "fixture 'c' (fixtures[0]), field sizes (BT=64, T=96): T must be a multiple of BT "
        f"(constraint 'T % BT == 0' of kernel {KERNEL!r} in kernels/{KERNEL}/spec.yaml).",
    ]


def test_a_fixture_needs_a_generator_and_seed_unless_its_inputs_are_chained() -> None:
    bare = {k: v for k, v in fixture("bare").items() if k not in ("generator", "seed")}
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([bare]), REPO)
    no_generator = ("fixture 'bare' (fixtures[0]), field generator: missing; input(s) a_strict "
                    "are neither chained (`inputs:`) nor imported, so a generator must make them.")
    assert info.value.problems == [
        no_generator, "fixture 'bare' (fixtures[0]), field seed: missing (the generator's seed)."]
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([{**bare, "seed": 3}]), REPO)
    assert info.value.problems == [no_generator], "a seed alone is no reason to ask for one"
    chained = {**bare, "name": "chained",
               "inputs": {"a_strict": {"from": f"{KERNEL}/up", "output": "a_inv"}}}
    p = plan.build(config_of([fixture("up"), chained]), REPO)
    assert p.fixture(KERNEL, "chained").generator == ""
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([fixture("up"), {**chained, "reference": "nope"}]), REPO)
    assert info.value.problems == [
        f"fixture 'chained' (fixtures[1]), field reference: unknown reference 'nope' for kernel "
        f"{KERNEL!r}; it accepts unit_lower_inverse, unit_lower_substitution."]


def test_an_imported_fixture_takes_neither_a_generator_nor_chained_inputs(project: Path) -> None:
    raw = handmade(project, {"B": 2, "T": 128, "H": 3, "BT": 64})
    sentence = ("fixture 'hand' (fixtures[1]), field import: an imported fixture takes every "
                "input from its folder; drop `generator` and `inputs`.")
    link = {"a_strict": {"from": f"{KERNEL}/up", "output": "a_inv"}}
    for extra in ({"generator": {"name": "zeros"}}, {"inputs": link}):
        with pytest.raises(config_checks.ConfigError) as info:
            plan.build(config_of([fixture("up"), {**raw, **extra}]), project)
        assert sentence in info.value.problems, (extra, info.value.problems)


def test_the_inputs_no_chain_makes_are_listed_and_a_generator_needs_its_seed() -> None:
    kkt = {"name": "kkt", "kernel": "chunk_scaled_dot_kkt",
           "sizes": {"B": 1, "T": 64, "H": 2, "Hg": 1, "K": 64, "BT": 64},
           "inputs": {"g": {"from": "chunk_local_cumsum/up", "output": "g_c"}}}
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([kkt]), REPO)
    assert info.value.problems == [
        "fixture 'kkt' (fixtures[0]), field generator: missing; input(s) k, beta are neither "
        "chained (`inputs:`) nor imported, so a generator must make them.",
        "fixture 'kkt' (fixtures[0]), field seed: missing (the generator's seed)."]
    seedless = {k: v for k, v in fixture("seedless").items() if k != "seed"}
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([seedless]), REPO)
    assert info.value.problems == [
        "fixture 'seedless' (fixtures[0]), field seed: missing (the generator's seed)."]


def test_an_unknown_generator_is_told_the_kernel_s_generators_and_where_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([fixture("g", generator={"name": "gaussian"})]), REPO)
    assert info.value.problems == [
        f"fixture 'g' (fixtures[0]), field generator.name: unknown generator 'gaussian' for "
        f"kernel {KERNEL!r}; it accepts random_strict_lower, fla_kkt, zeros, nilpotent_block "
        f"(kernels/{KERNEL}/spec.yaml field generators)."]


def test_fields_a_fixture_leaves_out_take_their_defaults(project: Path) -> None:
    """A generated, a chained and an imported fixture, each with only what it needs; the
    imported one takes its tolerance from its meta file, under the config's."""
    meta = {"B": 2, "T": 128, "H": 3, "BT": 64, "tolerance": {"max_abs": 0.5, "rel_l2": 1.0}}
    imported = {**handmade(project, meta), "tolerance": {"rel_l2": 1e-6}}
    link = {"a_strict": {"from": f"{KERNEL}/plain", "output": "a_inv"}}
    chained = {"name": "chained", "kernel": KERNEL, "sizes": dict(fixture("x")["sizes"]),
               "inputs": link}
    p = plan.build(config_of([fixture("plain"), chained, imported]), project)
    plain, chain, hand = p.fixtures
    for f in (plain, chain, hand):
        assert (f.reference, f.oracle_tolerance, f.backend, f.race_check, f.timeout,
                f.description) == ("unit_lower_inverse", {}, "cpu", False, 60.0, ""), f
    assert (plain.inputs_from, plain.imported) == ({}, {})
    assert (chain.generator, chain.generator_params, chain.seed) == ("", {}, 0)
    assert (chain.inputs_from, chain.imported, chain.tolerance) == (link, {}, {"max_ulp": 4})
    assert hand.imported == imported["import"] and hand.inputs_from == {}
    assert hand.tolerance == {"max_ulp": 4, "max_abs": 0.5, "rel_l2": 1e-6}
    (chosen,) = plan.build(config_of([fixture("s", reference="unit_lower_substitution")]),
                           project).fixtures
    assert chosen.reference == "unit_lower_substitution"


def test_kernel_name_and_race_check_problems_are_whole_sentences() -> None:
    known = ", ".join(sorted(plan.build(config_of([fixture("f")]), REPO).specs))
    cases = [
        ([fixture("k", kernel="nope")],
         f"fixture 'k' (fixtures[0]), field kernel: unknown kernel 'nope'; known kernels "
         f"(kernels/*/spec.yaml): {known}."),
        ([fixture("twice"), fixture("twice", seed=8)],
         f"fixture 'twice' (fixtures[1]), field name: duplicate of fixtures[0] for kernel "
         f"{KERNEL!r}; fixture names must be unique per kernel."),
    ]
    for fixtures, sentence in cases:
        with pytest.raises(config_checks.ConfigError) as info:
            plan.build(config_of(fixtures), REPO)
        assert info.value.problems == [sentence]
    raced = fixture("r", race_check=True, backend="metal")
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([raced]), REPO)
    assert info.value.problems[-1] == (
        "fixture 'r' (fixtures[0]), field race_check: race checking exists only on the cpu "
        "backend, but backend 'metal' resolves to 'metal'; set race_check: false or "
        "backend: cpu.")
    with pytest.raises(config_checks.ConfigError) as info:
        config_checks.check(config_of([fixture("k", kernel="nope")]), {}, CONFIGFILE)
    assert info.value.problems[0].endswith("known kernels (kernels/*/spec.yaml): none.")


def test_an_unavailable_top_level_backend_is_said_once_not_per_fixture() -> None:
    config = config_of([fixture("a"), fixture("b")], backend="metal")
    if backends.metal_available():
        assert [f.backend for f in plan.build(config, REPO).fixtures] == ["metal", "metal"]
        return
    with pytest.raises(backends.BackendUnavailable) as reason:
        backends.resolve_name("metal")
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config, REPO)
    assert info.value.problems == [f"field backend: {reason.value}"]


def test_a_config_without_backend_is_auto_and_without_fixtures_plans_none() -> None:
    """The schema's defaults, for callers that did not run Snakemake's ``validate``."""
    (f,) = plan.build({"fixtures": [fixture("f")]}, REPO).fixtures
    assert f.backend == backends.resolve_name("auto")
    assert plan.build({"backend": "cpu"}, REPO).fixtures == []


def test_every_fixture_is_checked_after_a_duplicate_an_unknown_kernel_or_a_bad_backend(
    project: Path,
) -> None:
    late = fixture("late", sizes={"B": 1, "T": 64, "H": 1})
    missing = (f"field sizes: missing BT; kernel {KERNEL!r} needs B, T, H, BT.")
    for first, where in (([fixture("twice"), fixture("twice")], "fixtures[2]"),
                         ([fixture("k", kernel="nope")], "fixtures[1]")):
        with pytest.raises(config_checks.ConfigError) as info:
            plan.build(config_of([*first, late]), project)
        assert info.value.problems[-1] == f"fixture 'late' ({where}), {missing}"
    if backends.metal_available():
        return
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([fixture("a"), late], backend="metal"), project)
    assert info.value.problems[1:] == [f"fixture 'late' (fixtures[1]), {missing}"]


def test_import_problems_name_the_fixture_and_default_to_the_working_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = handmade(project, {"B": 2, "T": 128, "H": 3, "BT": 64})
    specs = plan.build(config_of([fixture("f")]), project).specs
    bad = {**raw, "import": {**raw["import"], "folder": "elsewhere"}}
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([bad]), project)
    assert info.value.problems[0] == (
        f"fixture 'hand' (fixtures[0]), field import.folder: elsewhere is not a folder "
        f"(relative to {project.resolve()}).")
    monkeypatch.chdir(project)
    (f,) = config_checks.check(config_of([raw]), specs, CONFIGFILE)
    assert f.sizes["T"] == 128, "the folder is found relative to the working directory"


def test_a_broken_chain_is_named_with_its_link() -> None:
    chained = {"name": "chained", "kernel": KERNEL, "sizes": dict(fixture("x")["sizes"]),
               "inputs": {"a_strict": {"from": f"{KERNEL}/nope", "output": "a_inv"}}}
    with pytest.raises(config_checks.ConfigError) as info:
        plan.build(config_of([chained]), REPO)
    assert info.value.problems == [
        f"fixture 'chained' (fixtures[0]), field inputs.a_strict.from: '{KERNEL}/nope' is not "
        "a fixture of this config (write <kernel>/<fixture> of a fixture listed in `fixtures`)."]


def test_problems_name_every_config_file_or_config(project: Path) -> None:
    bad = config_of([fixture("k", kernel="nope")])
    for configfiles, shown in (([], "config"), (["a.yaml", Path("b.yaml")], "a.yaml, b.yaml")):
        with pytest.raises(config_checks.ConfigError) as info:
            plan.build(bad, project, configfiles)
        assert str(info.value).startswith(f"{shown}: the fixture matrix is invalid:\n"), shown


def test_kernels_dir_says_where_the_kernel_folders_are(project_copy: Path) -> None:
    (project_copy / "kernels").rename(project_copy / "elsewhere")
    p = plan.build(config_of([fixture("f")], kernels_dir="elsewhere"), project_copy)
    assert p.specs[KERNEL].path == project_copy.resolve() / "elsewhere" / KERNEL / "spec.yaml"
