"""A stated sample of a kernel's mutants: deterministic choice, labelled scores, honest gate."""

from __future__ import annotations

import hashlib

import pytest
from test_mutants_killmatrix import _result

from fixturepipe.mutation import sample
from fixturepipe.mutation.killmatrix import build_kill_matrix, summary_line
from fixturepipe.mutation.report import render_report
from fixturepipe.mutation.report_html import render

# Twelve names of three operators; variants share their operator's quota.
NAMES = [f"arith_swap_{i:08x}" for i in range(5)] + [
    f"loop_bound_{i:08x}_{v}" for i in range(2) for v in ("end_plus", "start_minus")
] + [f"store_delete_{i:08x}" for i in range(3)]


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def test_at_most_n_per_operator_those_hashing_first_in_original_order() -> None:
    chosen = sample.select(NAMES, 2)
    for op in ("arith_swap", "loop_bound", "store_delete"):
        members = [n for n in NAMES if n.startswith(op)]
        assert [n for n in chosen if n.startswith(op)] == [
            n for n in members if n in sorted(members, key=_hash)[:2]]
    assert chosen == [n for n in NAMES if n in chosen]  # catalogue order kept
    assert len(chosen) == 6


def test_the_choice_depends_on_the_names_alone() -> None:
    assert sample.select(list(reversed(NAMES)), 2) == list(reversed(sample.select(NAMES, 2)))
    assert sample.select(NAMES, None) == NAMES
    assert sample.select(NAMES, 100) == NAMES
    # Adding a mutant of another operator leaves this operator's choice alone.
    more = [*NAMES, "sign_flip_0000000a"]
    assert [n for n in sample.select(more, 2) if not n.startswith("sign_flip")] == \
        sample.select(NAMES, 2)
    with pytest.raises(ValueError, match="at least 1"):
        sample.select(NAMES, 0)
    with pytest.raises(ValueError, match="not a mutant name"):
        sample.select(["nonsense"], 1)


def test_config_key_per_kernel() -> None:
    config = {"mutants": {"sample": {"k": 3}}}
    assert sample.per_operator(config, "k") == 3
    assert sample.per_operator(config, "other") is None
    assert sample.per_operator({}, "k") is None


def test_a_sampled_kill_matrix_says_so_everywhere() -> None:
    population = ["arith_swap_00000001", "arith_swap_00000002", "store_delete_00000003",
                  "sign_flip_00000004"]
    ran = sample.select(population, 1)
    assert len(ran) == 3
    results = [_result(population.index(n), n, {"seed": ["crash"]}) for n in ran]
    equivalent = {n: "listed, outside the sample" for n in population if n not in ran}
    m = build_kill_matrix("k", "cpu", ["seed"], "seed", results, equivalent,
                          population=population, sample_per_operator=1)
    label = "SAMPLE of 3 of 4 mutants (at most 1 per operator, by name hash)"
    assert m["sample"]["run"] == 3 and m["sample"]["of"] == 4
    assert m["sample"]["by_operator"]["arith_swap"] == {"run": 1, "of": 2}
    assert m["score"]["matrix"]["scope"] == label == m["score"]["seed"]["scope"]
    assert m["counts"]["total"] == 3
    # An equivalent entry for a mutant that was not sampled is not stale.
    assert m["stale_equivalences"] == []
    assert summary_line(m).endswith(
        f"; {label}: the other 1 were not run, so this score is an estimate, not a gate over "
        "every mutant")
    assert f"**{label}**" in render_report(m, {})
    assert f'<p id="sample"><strong>{label}</strong>' in render(m, "x;\n", {})


def test_a_full_run_is_not_labelled_a_sample() -> None:
    results = [_result(0, "arith_swap_00000001", {"seed": ["crash"]})]
    m = build_kill_matrix("k", "cpu", ["seed"], "seed", results, {},
                          population=["arith_swap_00000001"])
    assert m["sample"] is None and m["score"]["matrix"]["scope"] == "all mutants"
    assert "SAMPLE" not in summary_line(m) + render_report(m, {}) + render(m, "x;\n", {})
