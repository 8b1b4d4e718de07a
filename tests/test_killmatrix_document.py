"""The kill-matrix document pinned whole: every count, score and row a mutation verdict rests on."""

from __future__ import annotations

import pytest
from test_mutants_killmatrix import FIXTURES, RESULTS, _result

from fixturepipe.mutation.killmatrix import (
    build_kill_matrix,
    equivalences_for,
    mutant_status,
    stale_message,
    summary_line,
    survivor_message,
)


def row(i: int, name: str, status: str, cells: dict, reason=None, stillborn=None) -> dict:
    return {"name": name, "operator": name.split("_L")[0], "line": 1, "col": i,
            "description": f"change {i}", "status": status, "equivalent_reason": reason,
            "listed_equivalent_but_killed": False, "stillborn_error": stillborn, "cells": cells,
            "diagnoses": {}}


def test_the_whole_document() -> None:
    m = build_kill_matrix("k", "cpu", FIXTURES, "seed", list(reversed(RESULTS)),
                          {"loop_bound_L1C3_start_plus": "r"})
    zero = {"total": 1, "killed": 0, "survived": 0, "equivalent": 0, "stillborn": 0}
    empty = {f: [] for f in FIXTURES}
    whole = "all mutants"
    assert m == {
        "kernel": "k", "backend": "cpu", "fixtures": FIXTURES, "seed_fixture": "seed",
        "counts": {"total": 6, "killed": 3, "survived": 1, "equivalent": 1, "stillborn": 1},
        "score": {"matrix": {"killed": 3, "scored": 4, "score": 0.75, "scope": whole},
                  "seed": {"killed": 1, "scored": 4, "score": 0.25, "scope": whole}},
        "sample": None,
        "kills_per_fixture": {"seed": 1, "heads": 2, "chunks": 1},
        "unique_kills": {"seed": [], "heads": ["index_term_drop_L1C1"],
                         "chunks": ["offset_shift_L1C2"]},
        "by_operator": {
            "arith_swap": {**zero, "killed": 1}, "constant_perturb": {**zero, "stillborn": 1},
            "index_term_drop": {**zero, "killed": 1}, "loop_bound": {**zero, "equivalent": 1},
            "offset_shift": {**zero, "killed": 1}, "precision_loss": {**zero, "survived": 1}},
        "survivors": ["precision_loss_L1C4"],
        "stale_equivalences": [],
        "mutants": [
            row(0, "arith_swap_L1C0", "killed",
                {"seed": ["metric:max_ulp"], "heads": ["nan"], "chunks": []}),
            row(1, "index_term_drop_L1C1", "killed",
                {"seed": [], "heads": ["metric:max_abs"], "chunks": []}),
            row(2, "offset_shift_L1C2", "killed", {"seed": [], "heads": [], "chunks": ["crash"]}),
            row(3, "loop_bound_L1C3_start_plus", "equivalent", empty, reason="r"),
            row(4, "precision_loss_L1C4", "survived", empty),
            row(5, "constant_perturb_L1C5_plus", "stillborn", empty, stillborn="compile"),
        ],
    }
    assert summary_line(m) == (
        "mutants k: score 75.0% on the matrix, 25.0% on the seed fixture 'seed' alone; "
        "6 mutants: 3 killed, 1 survived, 1 equivalent, 1 stillborn")


def test_no_seed_fixture_and_nothing_scored() -> None:
    only_stillborn = [_result(0, "c_L1C0", {"seed": []}, stillborn="compile")]
    m = build_kill_matrix("k", "cpu", ["seed"], None, only_stillborn, {})
    nothing = {"killed": 0, "scored": 0, "score": None, "scope": "all mutants"}
    assert m["score"] == {"matrix": nothing, "seed": nothing}
    assert summary_line(m).startswith("mutants k: score n/a on the matrix, n/a on the seed ")
    killed = [_result(0, "a_L1C0", {"seed": ["nan"], "x": ["nan"]})]
    m = build_kill_matrix("k", "cpu", ["seed"], None, killed, {})
    assert m["score"]["seed"]["killed"] == 0 and m["mutants"][0]["cells"] == {"seed": ["nan"]}
    assert m["unique_kills"] == {"seed": ["a_L1C0"]}


def test_status_of_one_result() -> None:
    assert mutant_status({"stillborn": "x", "fixtures": {"a": {"by": ["nan"]}}}) == "stillborn"
    assert mutant_status({"fixtures": {"a": {"by": []}, "b": {"by": ["crash"]}}}) == "killed"
    assert mutant_status({"stillborn": None, "fixtures": {"a": {"by": []}}}) == "survived"


def test_survivor_message_names_ten_then_elides() -> None:
    results = [_result(i, f"m{i}_L1C{i}", {"seed": []}) for i in range(12)]
    m = build_kill_matrix("k", "cpu", ["seed"], "seed", results, {})
    shown = ", ".join(f"m{i}_L1C{i}" for i in range(10))
    assert survivor_message(m, "km.json", "r.md") == (
        f"12 mutant(s) of k survived every fixture of the matrix: {shown} .... "
        "See r.md (diffs) and km.json. Add a fixture that tells them apart, or, if a mutant "
        "cannot change any output, list it in config/config.yaml under mutants.equivalent as "
        "{kernel: k, mutant: <name>, reason: <why>}.")


def test_equivalences_without_a_mutants_section() -> None:
    assert equivalences_for("k", {}) == {}
    assert equivalences_for("k", {"mutants": None}) == {}
    assert equivalences_for("k", {"mutants": {"equivalent": None}}) == {}
    entries = {"mutants": {"equivalent": [{"kernel": "k", "mutant": "m", "reason": "  why \n"}]}}
    assert equivalences_for("k", entries) == {"m": "why"}


def test_survivor_message_elides_only_past_ten() -> None:
    for count, tail in ((10, ""), (11, " ...")):
        results = [_result(i, f"m{i}_L1C{i}", {"seed": []}) for i in range(count)]
        m = build_kill_matrix("k", "cpu", ["seed"], "seed", results, {})
        shown = ", ".join(f"m{i}_L1C{i}" for i in range(10))
        assert survivor_message(m, "a", "b").startswith(
            f"{count} mutant(s) of k survived every fixture of the matrix: {shown}{tail}. See b ")


def test_counts_per_operator_and_reasons_only_on_equivalent_rows() -> None:
    results = [_result(0, "arith_swap_L1C0", {"seed": ["nan"]}),
               _result(1, "arith_swap_L2C0", {"seed": []}),
               _result(2, "arith_swap_L3C0", {"seed": []}),
               _result(3, "arith_swap_L4C0", {"seed": []})]
    m = build_kill_matrix("k", "cpu", ["seed"], "seed", results,
                          {"arith_swap_L1C0": "wrong", "arith_swap_L2C0": "right"})
    assert m["by_operator"] == {"arith_swap": {"total": 4, "killed": 1, "survived": 2,
                                               "equivalent": 1, "stillborn": 0}}
    assert [r["equivalent_reason"] for r in m["mutants"]] == [None, "right", None, None]
    assert [r["listed_equivalent_but_killed"] for r in m["mutants"]] == [True, False, False,
                                                                         False]
    assert m["score"]["matrix"] == {"killed": 1, "scored": 3, "score": 0.333333,
                                    "scope": "all mutants"}
    thirds = [_result(i, f"a_L{i}C0", {"seed": ["nan"] if i == 0 else []}) for i in range(3)]
    assert build_kill_matrix("k", "cpu", ["seed"], "seed", thirds, {})["score"]["matrix"][
        "score"] == 0.333333


def test_an_equivalence_without_a_reason_is_refused_with_the_fix() -> None:
    for entry in ({"kernel": "k", "mutant": "m"}, {"kernel": "k", "mutant": "m", "reason": ""}):
        with pytest.raises(ValueError) as info:
            equivalences_for("k", {"mutants": {"equivalent": [entry]}})
        assert str(info.value) == (
            "config mutants.equivalent: the entry for k/m has no reason; write why the mutant "
            "cannot change any output")


def test_a_sampled_run_says_so_in_scores_sample_and_summary() -> None:
    """A run over a sample of today's mutants is scored over what ran, labelled a SAMPLE
    everywhere, and an equivalent entry for a mutant outside the sample is not stale."""
    ran = [_result(0, "sign_flip_00000001", {"seed": ["nan"]}),
           _result(1, "sign_flip_00000002", {"seed": []}),
           _result(2, "loop_bound_00000003_end_plus", {"seed": ["crash"]})]
    population = [r["mutant"] for r in ran] + ["sign_flip_00000004", "loop_bound_00000005"]
    equivalent = {"sign_flip_00000004": "not run, still today's", "gone_0000000f": "edited"}
    m = build_kill_matrix("k", "cpu", ["seed"], "seed", ran, equivalent,
                          population=population, sample_per_operator=2)
    label = "SAMPLE of 3 of 5 mutants (at most 2 per operator, by name hash)"
    assert m["sample"] == {
        "per_operator": 2, "run": 3, "of": 5,
        "rule": "at most 2 mutants per operator, those whose sha256(name) sorts first",
        "by_operator": {"loop_bound": {"run": 1, "of": 2}, "sign_flip": {"run": 2, "of": 3}}}
    assert m["score"]["matrix"] == {"killed": 2, "scored": 3, "score": 0.666667, "scope": label}
    assert m["score"]["seed"]["scope"] == label
    assert m["stale_equivalences"] == ["gone_0000000f"]
    assert summary_line(m) == (
        "mutants k: score 66.7% on the matrix, 66.7% on the seed fixture 'seed' alone; "
        f"3 mutants: 2 killed, 1 survived, 0 equivalent, 0 stillborn; {label}: the other 2 "
        "were not run, so this score is an estimate, not a gate over every mutant")
    without = build_kill_matrix("k", "cpu", ["seed"], "seed", ran, equivalent,
                                population=population)
    assert without["sample"] is None and without["score"]["matrix"]["scope"] == "all mutants"
    assert without["stale_equivalences"] == ["gone_0000000f"]
    alone = build_kill_matrix("k", "cpu", ["seed"], "seed", ran, equivalent)
    assert alone["stale_equivalences"] == ["gone_0000000f", "sign_flip_00000004"]


def test_rows_keep_each_fixtures_diagnosis() -> None:
    result = _result(0, "sign_flip_00000001", {"seed": ["nan"], "heads": []})
    result["fixtures"]["seed"]["diagnosis"] = "rows 3-5 of chunk 0 differ"
    result["fixtures"]["heads"]["diagnosis"] = ""
    m = build_kill_matrix("k", "cpu", ["seed", "heads", "chunks"], "seed", [result], {})
    assert m["mutants"][0]["diagnoses"] == {"seed": "rows 3-5 of chunk 0 differ"}
    assert m["mutants"][0]["cells"] == {"seed": ["nan"], "heads": []}


def test_the_stale_entry_sentence_whole() -> None:
    results = [_result(0, "precision_loss_89abcdef", {"seed": []}),
               _result(1, "sign_flip_11112222", {"seed": []}),
               _result(2, "precision_loss_76543210", {"seed": []})]
    equivalent = {"precision_loss_0123abcd": "r", "gone_01234567": "r"}
    m = build_kill_matrix("kern", "cpu", ["seed"], "seed", results, equivalent)
    assert stale_message(m, "report.md") == (
        "2 entry(ies) of mutants.equivalent in config/config.yaml for kern name no mutant of "
        "today's source (stale: the code they named was edited or removed): gone_01234567, "
        "precision_loss_0123abcd. Surviving mutants of the same operator, one of which may be "
        "the listed mutant under its new name: precision_loss_89abcdef, precision_loss_76543210 "
        "(diffs in report.md). "
        "Check that the reason still holds for the code as it is now, then update the entry's "
        "name, or remove the entry.")
    m = build_kill_matrix("kern", "cpu", ["seed"], "seed", results, {"gone_01234567": "r"})
    assert stale_message(m, "report.md") == (
        "1 entry(ies) of mutants.equivalent in config/config.yaml for kern name no mutant of "
        "today's source (stale: the code they named was edited or removed): gone_01234567. "
        "Check that the reason still holds for the code as it is now, then update the entry's "
        "name, or remove the entry.")
