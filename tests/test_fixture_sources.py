"""Chained and imported fixtures (issue 10 items 3 and 6) through real Snakemake runs.

A chained fixture's input is another fixture's generated reference: the bytes are
the upstream's, and editing the upstream kernel's generator reruns the upstream and
everything chained below it, nothing else (Snakemake's own dry-run job list).  An
imported fixture takes its inputs, reference and meta from a hand-made folder,
byte for byte, each file pinned by sha256; a changed byte stops the run before
any job, naming file and both hashes.  Chain and import mistakes are config
errors naming fixture and field.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from pipeline_project import (
    KERNEL,
    edited,
    first_kernel_spec,
    fixture,
    make_project,
    planned_jobs,
    snakemake,
    write_config,
)

from fixturepipe import config_checks, spec

KKT = "chunk_scaled_dot_kkt"
KKT_FIXTURE = {"name": "kkt", "kernel": KKT, "seed": 5, "generator": {"name": "fla_keys"},
               "sizes": {"B": 1, "T": 64, "H": 2, "Hg": 1, "K": 64, "BT": 64}}
SOLVE = {"name": "solve", "kernel": KERNEL, "sizes": {"B": 1, "T": 64, "H": 2, "BT": 64},
         "inputs": {"a_strict": {"from": f"{KKT}/kkt", "output": "A"}}}
FIXTURES = [KKT_FIXTURE, SOLVE, fixture("plain")]
ONLY_SOLVER = ("--config", f"kernels={KERNEL}")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("chain"), FIXTURES, kernels=(KERNEL, KKT))
    proc = snakemake(root, "-j2", "verify", *ONLY_SOLVER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def test_a_chained_input_is_the_upstream_reference(project: Path) -> None:
    upstream = project / f"artifacts/generated/{KKT}/kkt/{KKT}_A_ref.bin"
    chained = project / f"artifacts/generated/{KERNEL}/solve/{KERNEL}_input_a_strict.bin"
    assert upstream.read_bytes() == chained.read_bytes()
    meta = (project / f"artifacts/generated/{KERNEL}/solve/{KERNEL}_meta.json").read_text()
    assert f'"from": "{KKT}/kkt"' in meta


def test_editing_the_upstream_generator_reruns_the_chain_and_nothing_else(project: Path) -> None:
    path = project / "kernels" / KKT / "generators.py"
    with edited(path, lambda text: text + "\n# edited\n"):
        planned = planned_jobs(project, "verify", *ONLY_SOLVER)
    fixtures_rerun = {f for rule, f in planned if f}
    assert fixtures_rerun == {"kkt", "solve"}, planned
    assert {r for r, f in planned if f == "kkt"} == {f"inputs_{KKT}", f"reference_{KKT}"}
    assert planned_jobs(project, "verify", *ONLY_SOLVER) == {("verify", "")}


def test_an_imported_fixture_is_the_hand_made_bytes(project: Path, tmp_path: Path) -> None:
    hand = project / "handmade"
    shutil.rmtree(hand, ignore_errors=True)
    hand.mkdir()
    made = project / f"artifacts/generated/{KERNEL}/plain"
    for name in (f"{KERNEL}_input_a_strict.bin", f"{KERNEL}_a_inv_ref.bin", f"{KERNEL}_meta.json"):
        shutil.copy(made / name, hand / name)
    pins = {p.name: sha(p) for p in hand.iterdir()}
    imported = {"name": "hand", "kernel": KERNEL, "import": {"folder": "handmade", "sha256": pins}}
    write_config(project, [*FIXTURES, imported])
    try:
        proc = snakemake(project, "-j2", "verify", *ONLY_SOLVER)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "hand" in proc.stdout
        got = project / f"artifacts/generated/{KERNEL}/hand"
        assert {p.name: sha(p) for p in got.iterdir()
                if not p.name.endswith(".provenance.json")} == pins

        data = bytearray((hand / f"{KERNEL}_input_a_strict.bin").read_bytes())
        data[100] ^= 1
        (hand / f"{KERNEL}_input_a_strict.bin").write_bytes(bytes(data))
        tampered = snakemake(project, "-n", "verify", *ONLY_SOLVER)
        assert tampered.returncode != 0
        assert (f"fixture 'hand' (fixtures[3]), field import.sha256.{KERNEL}_input_a_strict.bin: "
                f"handmade/{KERNEL}_input_a_strict.bin has sha256 ") in tampered.stdout
        assert pins[f"{KERNEL}_input_a_strict.bin"] in tampered.stdout
    finally:
        write_config(project, FIXTURES)


def problems_of(fixtures: list[dict]) -> list[str]:
    kernels = Path(__file__).resolve().parents[1] / "kernels"
    specs = {KERNEL: first_kernel_spec(), KKT: spec.load_spec(kernels / KKT / "spec.yaml")}
    with pytest.raises(config_checks.ConfigError) as caught:
        config_checks.check({"backend": "cpu", "fixtures": fixtures}, specs, "c.yaml")
    return caught.value.problems


@pytest.mark.parametrize(
    ("solve", "message"),
    [
        ({**SOLVE, "inputs": {"a_strict": {"from": f"{KKT}/nope", "output": "A"}}},
         f"field inputs.a_strict.from: '{KKT}/nope' is not a fixture of this config"),
        ({**SOLVE, "inputs": {"a_strict": {"from": f"{KKT}/kkt", "output": "B"}}},
         f"field inputs.a_strict.output: kernel '{KKT}' has no output 'B' (its outputs: A)"),
        ({**SOLVE, "sizes": {"B": 1, "T": 128, "H": 2, "BT": 64}},
         f"field inputs.a_strict: {KKT}/kkt output 'A' is float32 [1, 64, 2, 64], but input "
         "'a_strict' of this fixture is float32 [1, 128, 2, 64]"),
        ({**SOLVE, "seed": 1, "generator": {"name": "zeros"},
          "inputs": {"x": {"from": f"{KKT}/kkt", "output": "A"}}},
         f"field inputs.x: kernel '{KERNEL}' has no input 'x'"),
        ({k: v for k, v in SOLVE.items() if k != "inputs"},
         "field generator: missing; input(s) a_strict are neither chained"),
    ],
)
def test_chain_mistakes_are_config_errors(solve: dict, message: str) -> None:
    problems = problems_of([KKT_FIXTURE, solve])
    assert any("fixture 'solve' (fixtures[1])" in p and message in p for p in problems), problems


def test_a_cycle_is_a_config_error() -> None:
    a = {**SOLVE, "name": "a", "inputs": {"a_strict": {"from": f"{KERNEL}/b", "output": "a_inv"}}}
    b = {**SOLVE, "name": "b", "inputs": {"a_strict": {"from": f"{KERNEL}/a", "output": "a_inv"}}}
    problems = problems_of([a, b])
    assert any("fixtures chain in a cycle: " in p and f"{KERNEL}/a" in p for p in problems)


def test_chained_config_error_stops_before_any_job(project: Path) -> None:
    bad = {**SOLVE, "inputs": {"a_strict": {"from": f"{KKT}/kkt", "input": "nope"}}}
    write_config(project, [KKT_FIXTURE, bad])
    try:
        proc = snakemake(project, "-n", "verify")
    finally:
        write_config(project, FIXTURES)
    assert proc.returncode != 0
    assert "config/config.yaml: the fixture matrix is invalid" in proc.stdout
    assert "field inputs.a_strict.input: kernel 'chunk_scaled_dot_kkt' has no input 'nope'" \
        in proc.stdout
    assert yaml.safe_load((project / "config" / "config.yaml").read_text())["fixtures"]


S = {"B": 1, "T": 64, "H": 2, "Hg": 1, "K": 64, "V": 64, "BT": 64}
FAMILY = ("chunk_local_cumsum", KKT, KERNEL, "recompute_w_u", "chunk_gated_delta_rule_fwd_h",
          "chunk_fwd_o")


def _sizes(*names: str) -> dict[str, int]:
    return {n: S[n] for n in names}


def _from(fixture_key: str, **kind: str) -> dict[str, str]:
    return {"from": fixture_key, **kind}


# The gated-delta-rule forward pass as one chain: cumsum -> kkt -> solve -> w/u -> h -> o.
CHAIN = [
    {"name": "c", "kernel": "chunk_local_cumsum", "sizes": _sizes("B", "T", "H", "BT"),
     "seed": 1, "generator": {"name": "log_decay"}},
    {"name": "k", "kernel": KKT, "sizes": _sizes("B", "T", "H", "Hg", "K", "BT"), "seed": 2,
     "generator": {"name": "fla_keys"},
     "inputs": {"g": _from("chunk_local_cumsum/c", output="g_c")}},
    {"name": "s", "kernel": KERNEL, "sizes": _sizes("B", "T", "H", "BT"),
     "inputs": {"a_strict": _from(f"{KKT}/k", output="A")}},
    {"name": "w", "kernel": "recompute_w_u", "sizes": S, "seed": 3, "generator": {"name": "fla_wu"},
     "inputs": {"a_inv": _from(f"{KERNEL}/s", output="a_inv"), "k": _from(f"{KKT}/k", input="k"),
                "beta": _from(f"{KKT}/k", input="beta"),
                "g": _from("chunk_local_cumsum/c", output="g_c")}},
    {"name": "h", "kernel": "chunk_gated_delta_rule_fwd_h", "sizes": S, "seed": 4,
     "generator": {"name": "fla_state"},
     "inputs": {"k": _from(f"{KKT}/k", input="k"), "w": _from("recompute_w_u/w", output="w"),
                "u": _from("recompute_w_u/w", output="u"),
                "g": _from("chunk_local_cumsum/c", output="g_c")}},
    {"name": "o", "kernel": "chunk_fwd_o", "sizes": S, "seed": 5,
     "generator": {"name": "fla_output"},
     "inputs": {"k": _from(f"{KKT}/k", input="k"),
                "h": _from("chunk_gated_delta_rule_fwd_h/h", output="h"),
                "v": _from("chunk_gated_delta_rule_fwd_h/h", output="v_new"),
                "g": _from("chunk_local_cumsum/c", output="g_c")}},
]


def test_editing_the_kkt_generator_reruns_the_family_below_it_only(tmp_path: Path) -> None:
    """The family's chain, generated (inputs and references only: the chain is in them):
    editing kkt's generator reruns kkt and every fixture below it, never the cumsum."""
    root = make_project(tmp_path / "family", CHAIN, kernels=FAMILY)
    targets = [f"artifacts/generated/{f['kernel']}/{f['name']}/{f['kernel']}_meta.json"
               for f in CHAIN]
    refs = [
        f"artifacts/generated/{KERNEL}/s/{KERNEL}_a_inv_ref.bin",
        "artifacts/generated/chunk_fwd_o/o/chunk_fwd_o_o_ref.bin",
    ]
    made = snakemake(root, "-j2", *targets, *refs)
    assert made.returncode == 0, made.stdout + made.stderr
    path = root / "kernels" / KKT / "generators.py"
    with edited(path, lambda text: text + "\n# edited\n"):
        rerun = planned_jobs(root, *targets, *refs)
    assert {fx for _, fx in rerun} == {"k", "s", "w", "h", "o"}, sorted(rerun)
    assert not any(rule.endswith("chunk_local_cumsum") for rule, _ in rerun)
    assert planned_jobs(root, *targets, *refs) == set()
