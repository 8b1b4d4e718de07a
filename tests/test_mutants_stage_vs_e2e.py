"""Stage versus end to end (issue 11): the classes of a stage mutant and their counts.

The composite's run itself is real Snakemake on the real chain (the figures in
docs/mutants.md); here, the counting, which decides what the report says.
"""

from __future__ import annotations

from fixturepipe.mutation.stage_vs_e2e import build, classify, render, summary_line


def _result(index: int, operator: str, killed_on: list[str], stillborn: str | None = None):
    return {"mutant": f"{operator}_{index:08x}", "index": index, "operator": operator,
            "line": index + 1, "col": 1, "description": f"edit {index}",
            "stillborn": stillborn,
            "fixtures": {f: {"by": ["o.rel_rms"] if f in killed_on else []}
                         for f in ("e2e", "own_a", "own_b")}}


def test_classes_of_a_mutant() -> None:
    both = _result(0, "arith_swap", ["own_a"]), _result(0, "arith_swap", ["e2e"])
    assert classify(*both, equivalent=False) == "end_to_end"
    masked = _result(1, "sign_flip", ["own_b"]), _result(1, "sign_flip", [])
    assert classify(*masked, equivalent=False) == "stage_only"
    none = _result(2, "store_skip", []), _result(2, "store_skip", [])
    assert classify(*none, equivalent=False) == "neither"
    assert classify(*none, equivalent=True) == "equivalent"
    # Listed as equivalent but killed: a kill counts, the listing does not hide it.
    assert classify(*masked, equivalent=True) == "stage_only"
    dead = _result(3, "loop_bound", [], "compile"), _result(3, "loop_bound", [], "compile")
    assert classify(*dead, equivalent=False) == "stillborn"


def test_counts_per_stage_and_operator_and_the_report_opens_with_the_table() -> None:
    pairs = [
        (_result(0, "arith_swap", ["own_a"]), _result(0, "arith_swap", ["e2e"])),
        (_result(1, "arith_swap", ["own_a"]), _result(1, "arith_swap", [])),
        (_result(2, "sign_flip", []), _result(2, "sign_flip", ["e2e"])),
        (_result(3, "store_skip", []), _result(3, "store_skip", [])),
        (_result(4, "store_skip", []), _result(4, "store_skip", [])),
    ]
    first_population = ([r["mutant"] for r, _ in pairs]
                        + [f"sign_flip_{i:08x}" for i in range(16, 23)])
    stages = {"first": {"fixtures": ["own_a", "own_b"], "population": first_population,
                        "equivalent": {"store_skip_00000004": "row 0 is never read"},
                        "pairs": pairs},
              "second": {"fixtures": ["own_c"], "equivalent": {},
                         "population": ["sign_flip_00000000", "sign_flip_00000009",
                                        "arith_swap_0000000a"],
                         "pairs": [(_result(0, "sign_flip", [], "compile"),
                                    _result(0, "sign_flip", [], "compile"))]}}
    m = build("chain", "cpu", ["e2e"], stages, 2)
    first = m["stages"]["first"]
    assert first["counts"] == {"mutants": 5, "stillborn": 0, "equivalent": 1, "end_to_end": 2,
                               "stage_only": 1, "neither": 1, "end_to_end_only": 1}
    assert first["by_operator"]["arith_swap"]["end_to_end"] == 1
    assert first["by_operator"]["arith_swap"]["stage_only"] == 1
    assert first["by_operator"]["sign_flip"]["end_to_end_only"] == 1
    assert m["stages"]["second"]["counts"]["stillborn"] == 1
    assert m["counts"]["mutants"] == 6 and m["counts"]["end_to_end"] == 2
    report = render(m)
    lines = report.splitlines()
    assert "SAMPLE of 6 of 15 mutants" in lines[2] and "not the full run" in lines[2]
    assert first["sample"]["by_operator"]["sign_flip"] == {"run": 1, "of": 8}
    table = next(i for i, line in enumerate(lines) if line.startswith("| stage |"))
    assert table < next(i for i, line in enumerate(lines) if line.startswith("## "))
    assert "| **first** | 5 | 0 | 1 | 2 | 1 | 1 | 1 |" in lines
    assert "| first | arith_swap | 2 | 0 | 0 | 1 | 1 | 0 | 0 |" in lines
    assert "`arith_swap_00000001`" in report.split("Killed by neither")[0]  # masked
    assert "6 stage mutants: 2 killed end to end, 1 only by the stage" in summary_line(m)
    assert build("chain", "cpu", ["e2e"], stages, 2) == m
    full = build("chain", "cpu", ["e2e"], stages, None)
    assert full["sample"] is None and full["scope"] == "all 15 mutants of the stages (the full run)"
