"""Kill-matrix aggregation: scores, seed vs matrix, unique kills, equivalents, stillborn."""

from __future__ import annotations

import pytest

from fixturepipe.mutation.killmatrix import (
    build_kill_matrix,
    equivalences_for,
    stale_message,
    survivor_message,
)
from fixturepipe.mutation.report import render_report


def _result(index: int, name: str, cells: dict[str, list[str]], stillborn: str | None = None):
    return {
        "index": index, "mutant": name, "operator": name.split("_L")[0], "line": 1,
        "col": index, "description": f"change {index}", "stillborn": stillborn,
        "fixtures": {f: {"by": by} for f, by in cells.items()},
    }


FIXTURES = ["seed", "heads", "chunks"]
RESULTS = [
    _result(0, "arith_swap_L1C0", {"seed": ["metric:max_ulp"], "heads": ["nan"], "chunks": []}),
    _result(1, "index_term_drop_L1C1", {"seed": [], "heads": ["metric:max_abs"], "chunks": []}),
    _result(2, "offset_shift_L1C2", {"seed": [], "heads": [], "chunks": ["crash"]}),
    _result(3, "loop_bound_L1C3_start_plus", {"seed": [], "heads": [], "chunks": []}),
    _result(4, "precision_loss_L1C4", {"seed": [], "heads": [], "chunks": []}),
    _result(5, "constant_perturb_L1C5_plus", {f: [] for f in FIXTURES}, stillborn="compile"),
]


def test_scores_unique_kills_and_survivors() -> None:
    equivalent = {"loop_bound_L1C3_start_plus": "row 0 of L is never read"}
    m = build_kill_matrix("k", "cpu", FIXTURES, "seed", RESULTS, equivalent)
    assert m["counts"] == {"total": 6, "killed": 3, "survived": 1, "equivalent": 1,
                           "stillborn": 1}
    whole = "all mutants"
    assert m["score"]["matrix"] == {"killed": 3, "scored": 4, "score": 0.75, "scope": whole}
    assert m["score"]["seed"] == {"killed": 1, "scored": 4, "score": 0.25, "scope": whole}
    assert m["unique_kills"] == {"seed": [], "heads": ["index_term_drop_L1C1"],
                                 "chunks": ["offset_shift_L1C2"]}
    assert m["survivors"] == ["precision_loss_L1C4"]
    message = survivor_message(m, "kill_matrix.json", "report.md")
    assert message and "precision_loss_L1C4" in message and "mutants.equivalent" in message
    report = render_report(m, {"precision_loss_L1C4": "-float\n+half"})
    assert "| seed fixture alone (`seed`) | 25.0% (1/4) |" in report
    assert "| whole fixture matrix | 75.0% (3/4) |" in report
    assert "row 0 of L is never read" in report and "+half" in report


def test_equivalent_listing_clears_the_target_and_flags_wrong_entries() -> None:
    equivalent = {
        "loop_bound_L1C3_start_plus": "row 0 of L is never read",
        "precision_loss_L1C4": "the accumulator holds exact small integers",
        "arith_swap_L1C0": "wrongly listed",
        "gone_L9C9": "stale",
    }
    m = build_kill_matrix("k", "cpu", FIXTURES, "seed", RESULTS, equivalent)
    assert survivor_message(m, "a", "b") is None
    assert m["stale_equivalences"] == ["gone_L9C9"]
    killed_but_listed = [r["name"] for r in m["mutants"] if r["listed_equivalent_but_killed"]]
    assert killed_but_listed == ["arith_swap_L1C0"]


def test_equivalence_entries_need_a_reason() -> None:
    config = {"mutants": {"equivalent": [{"kernel": "k", "mutant": "m", "reason": " "}]}}
    with pytest.raises(ValueError, match="no reason"):
        equivalences_for("k", config)
    config["mutants"]["equivalent"][0]["reason"] = "why"
    assert equivalences_for("k", config) == {"m": "why"}
    assert equivalences_for("other", config) == {}


def test_stale_entry_is_stale_and_its_renamed_mutant_is_not_sent_to_add_fixtures() -> None:
    # precision_loss_0123abcd was listed; its line was edited, so it is now 89abcdef.
    results = [
        {**_result(0, "precision_loss_89abcdef", {f: [] for f in FIXTURES}),
         "operator": "precision_loss"},
        {**_result(1, "sign_flip_11112222", {f: [] for f in FIXTURES}), "operator": "sign_flip"},
    ]
    equivalent = {"precision_loss_0123abcd": "the flag is exact in half"}
    m = build_kill_matrix("k", "cpu", FIXTURES, "seed", results, equivalent)
    assert m["stale_equivalences"] == ["precision_loss_0123abcd"]
    stale = stale_message(m, "report.md")
    assert stale and "name no mutant of today's source (stale" in stale
    assert "precision_loss_0123abcd" in stale
    assert "may be the listed mutant under its new name: precision_loss_89abcdef" in stale
    survivors = survivor_message(m, "kill_matrix.json", "report.md")
    assert survivors and "sign_flip_11112222" in survivors
    assert "precision_loss_89abcdef" not in survivors
    assert stale_message(build_kill_matrix("k", "cpu", FIXTURES, "seed", results, {}),
                         "report.md") is None
