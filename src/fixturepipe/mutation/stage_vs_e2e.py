"""Stage versus end to end: which of a stage's mutants the composite's fixtures catch.

For a composite kernel (a chain of stage kernels), every mutant of every stage has two
results: its own stage's mutation run (the stage's fixtures) and its run through the
whole chain (the composite's end-to-end fixtures, :mod:`fixturepipe.mutation.chain`).
This module only counts them, per stage and per operator, into four classes:

* ``end_to_end``: some end-to-end fixture kills it;
* ``stage_only``: only the stage's own fixtures kill it (the chain masks the bug);
* ``neither``: no fixture kills it and config does not list it as equivalent;
* ``equivalent`` / ``stillborn``: counted apart, as in a stage's own matrix.

``end_to_end_only`` (killed end to end, missed by the stage's fixtures) is reported
beside them: a gap in the stage's matrix the chain happens to cover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fixturepipe.mutation import sample as mutant_sample

CLASSES = ("end_to_end", "stage_only", "neither", "equivalent", "stillborn")
_COLUMNS = ("mutants", "stillborn", "equivalent", "end_to_end", "stage_only", "neither",
            "end_to_end_only")
_HEADINGS = ("mutants", "stillborn", "equivalent", "killed end to end",
             "killed only by the stage's fixtures", "killed by neither",
             "of those killed end to end: missed by the stage's fixtures")


def _killed(result: Mapping[str, Any]) -> bool:
    return any(cell["by"] for cell in result["fixtures"].values())


def classify(stage_result: Mapping[str, Any], chain_result: Mapping[str, Any],
             equivalent: bool) -> str:
    """The class of one mutant from its stage result and its chain result."""
    if stage_result.get("stillborn") or chain_result.get("stillborn"):
        return "stillborn"
    if _killed(chain_result):
        return "end_to_end"
    if _killed(stage_result):
        return "stage_only"
    return "equivalent" if equivalent else "neither"


def _counts() -> dict[str, int]:
    return dict.fromkeys(_COLUMNS, 0)


def build(
    composite: str, backend: str, fixtures: Sequence[str],
    stages: Mapping[str, Mapping[str, Any]], per_operator: int | None,
) -> dict[str, Any]:
    """The stage-vs-end-to-end document (deterministic for equal inputs).

    ``stages`` maps each stage kernel, in chain order, to ``{"fixtures": its own fixture
    names, "population": every mutant name of its source, "equivalent": {name: reason},
    "pairs": [(stage result, chain result), ...]}`` for the mutants run; ``per_operator``
    is the sample size (``mutants.sample.<composite>``), None for the full run.
    """
    per_stage: dict[str, Any] = {}
    totals = _counts()
    for stage, data in stages.items():
        rows = []
        by_operator: dict[str, dict[str, int]] = {}
        stage_counts = _counts()
        for stage_result, chain_result in sorted(data["pairs"], key=lambda p: p[0]["index"]):
            name = stage_result["mutant"]
            cls = classify(stage_result, chain_result, name in data["equivalent"])
            e2e_only = cls == "end_to_end" and not _killed(stage_result)
            rows.append({
                "name": name, "operator": stage_result["operator"],
                "line": stage_result["line"], "col": stage_result["col"],
                "description": stage_result["description"], "class": cls,
                "end_to_end_only": e2e_only,
                "end_to_end_cells": {f: chain_result["fixtures"].get(f, {}).get("by", [])
                                     for f in fixtures},
                "stage_kills": sorted(f for f, c in stage_result["fixtures"].items() if c["by"]),
            })
            for counts in (by_operator.setdefault(stage_result["operator"], _counts()),
                           stage_counts, totals):
                counts["mutants"] += 1
                counts[cls] += 1
                counts["end_to_end_only"] += e2e_only
        ran = [p[0]["mutant"] for p in sorted(data["pairs"], key=lambda p: p[0]["index"])]
        per_stage[stage] = {
            "stage_fixtures": list(data["fixtures"]), "mutants_total": len(data["population"]),
            "sample": mutant_sample.describe(ran, list(data["population"]), per_operator),
            "counts": stage_counts, "by_operator": dict(sorted(by_operator.items())),
            "mutants": rows,
        }
    population = sum(len(d["population"]) for d in stages.values())
    sampled = None if per_operator is None else {
        "per_operator": per_operator, "run": totals["mutants"], "of": population}
    return {
        "kernel": composite, "composite": True, "backend": backend,
        "fixtures": list(fixtures), "sample": sampled,
        "scope": (f"{mutant_sample.label(sampled)} in each stage; not the full run"
                  if sampled else f"all {population} mutants of the stages (the full run)"),
        "counts": totals, "stages": per_stage,
    }


def _row(label: str, counts: Mapping[str, int]) -> str:
    return f"| {label} | " + " | ".join(str(counts[c]) for c in _COLUMNS) + " |"


def table(matrix: Mapping[str, Any]) -> list[str]:
    """The stage-vs-end-to-end table (Markdown lines): a row per stage, then per operator."""
    out = ["| stage | " + " | ".join(_HEADINGS) + " |", "|---" * (len(_COLUMNS) + 1) + "|"]
    for stage, data in matrix["stages"].items():
        out.append(_row(f"**{stage}**", data["counts"]))
    out.append(_row("**all stages**", matrix["counts"]))
    out += ["", "| stage | operator | " + " | ".join(_HEADINGS) + " |",
            "|---" * (len(_COLUMNS) + 2) + "|"]
    for stage, data in matrix["stages"].items():
        for op, counts in data["by_operator"].items():
            out.append(_row(f"{stage} | {op}", counts))
    return out


def render(matrix: Mapping[str, Any]) -> str:
    """Markdown: the table first, then the mutants of each class that say the most."""
    c = matrix["counts"]
    out = [
        f"# Mutation testing: {matrix['kernel']} (stage versus end to end)", "",
        f"Backend `{matrix['backend']}`. End-to-end fixtures: "
        + ", ".join(f"`{f}`" for f in matrix["fixtures"]) + ". "
        f"Mutants: {matrix['scope']}.", "",
        "Each stage's mutants ran on the stage's own fixtures and through the whole chain "
        "(earlier stages' real outputs, the mutated stage, the later stages' real kernels) "
        "on the end-to-end fixtures, compared as the composite is (docs/mutants.md, "
        "\"Stage versus end to end\").", "",
        *table(matrix), "",
        f"Killed end to end: {c['end_to_end']}; only by the stage's fixtures: "
        f"{c['stage_only']}; by neither: {c['neither']} (equivalent {c['equivalent']}, "
        f"stillborn {c['stillborn']}).", "",
    ]
    for stage, data in matrix["stages"].items():
        masked = [r for r in data["mutants"] if r["class"] == "stage_only"]
        neither = [r for r in data["mutants"] if r["class"] == "neither"]
        gained = [r for r in data["mutants"] if r["end_to_end_only"]]
        out += [f"## {stage}", "",
                f"Stage fixtures: {', '.join(f'`{f}`' for f in data['stage_fixtures'])}; "
                f"{data['counts']['mutants']} of its {data['mutants_total']} mutants here.", ""]
        for title, rows in (("Masked by the chain (only the stage's fixtures kill them)", masked),
                            ("Killed by neither", neither),
                            ("Killed end to end, missed by the stage's fixtures", gained)):
            if rows:
                out += [f"{title}:", ""]
                out += [f"- `{r['name']}` (line {r['line']}): {r['description']}" for r in rows]
                out.append("")
    out += ["## Cells", "", "What killed each mutant on each end-to-end fixture (`·`: it "
            "passed there) and which stage fixtures killed it.", "",
            "| stage | mutant | class | " + " | ".join(f"`{f}`" for f in matrix["fixtures"])
            + " | stage fixtures that kill it |",
            "|---" * (len(matrix["fixtures"]) + 4) + "|"]
    for stage, data in matrix["stages"].items():
        for r in data["mutants"]:
            cells = " | ".join("<br>".join(r["end_to_end_cells"][f]) or "·"
                               for f in matrix["fixtures"])
            out.append(f"| {stage} | `{r['name']}` | {r['class']} | {cells} | "
                       f"{', '.join(r['stage_kills']) or '-'} |")
    return "\n".join(out) + "\n"


def summary_line(matrix: Mapping[str, Any]) -> str:
    """One terminal line: the class counts over every stage and what was run."""
    c = matrix["counts"]
    return (f"mutants {matrix['kernel']} (stage vs end to end, {matrix['scope']}): "
            f"{c['mutants']} stage mutants: {c['end_to_end']} killed end to end, "
            f"{c['stage_only']} only by the stage fixtures, {c['neither']} by neither, "
            f"{c['equivalent']} equivalent, {c['stillborn']} stillborn")
