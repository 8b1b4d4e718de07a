"""The readable mutation report (Markdown) rendered from a kill matrix."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from fixturepipe.mutation import sample as mutant_sample
from fixturepipe.mutation.generate import Mutant


def mutant_diff(original: str, mutant: Mutant, kernel: str) -> str:
    """A unified diff of the mutant against the original, two lines of context."""
    lines = difflib.unified_diff(
        original.splitlines(),
        mutant.source.splitlines(),
        fromfile=f"{kernel}.metal",
        tofile=mutant.name,
        n=2,
        lineterm="",
    )
    return "\n".join(lines)


def _pct(score: Mapping[str, Any]) -> str:
    if score["score"] is None:
        return "n/a"
    return f"{100 * score['score']:.1f}% ({score['killed']}/{score['scored']})"


def _cell(reasons: list[str]) -> str:
    return "·" if not reasons else "<br>".join(reasons)


def render_report(matrix: Mapping[str, Any], diffs: Mapping[str, str]) -> str:
    """Markdown: scores (seed alone vs matrix), per-operator table, survivors with diffs,
    equivalents with reasons, unique kills per fixture, and the full kill matrix."""
    kernel = matrix["kernel"]
    fixtures = matrix["fixtures"]
    seed = matrix["seed_fixture"]
    counts = matrix["counts"]
    out = [
        f"# Mutation testing: {kernel}",
        "",
        f"Backend: `{matrix['backend']}`. Fixtures: {len(fixtures)}. "
        f"Mutants: {counts['total']} ({counts['killed']} killed, {counts['survived']} survived, "
        f"{counts['equivalent']} equivalent, {counts['stillborn']} stillborn).",
        "",
        "Score = killed / (mutants - stillborn - equivalent). Stillborn mutants (do not "
        "compile or cannot launch) are counted apart, never as kills.",
        "",
    ]
    label = mutant_sample.label(matrix.get("sample"))
    if label:
        out += [f"**{label}**: the scores, counts and tables below are over the sample; the "
                "other mutants were not run and count neither way.", ""]
    out += [
        "| oracle | mutation score |",
        "|---|---|",
        f"| seed fixture alone (`{seed}`) | {_pct(matrix['score']['seed'])} |",
        f"| whole fixture matrix | {_pct(matrix['score']['matrix'])} |",
        "",
        "## By operator",
        "",
        "| operator | mutants | killed | survived | equivalent | stillborn |",
        "|---|---|---|---|---|---|",
    ]
    for op, c in matrix["by_operator"].items():
        out.append(
            f"| {op} | {c['total']} | {c['killed']} | {c['survived']} | {c['equivalent']} "
            f"| {c['stillborn']} |"
        )
    rows = {r["name"]: r for r in matrix["mutants"]}
    out += ["", "## Survivors", ""]
    if not matrix["survivors"]:
        out.append("None: every non-equivalent mutant is killed by some fixture.")
    for name in matrix["survivors"]:
        out += [f"### `{name}`", "", rows[name]["description"], "", "```diff",
                diffs.get(name, ""), "```", ""]
    out += ["", "## Equivalent (listed in config)", ""]
    equivalents = [r for r in matrix["mutants"] if r["status"] == "equivalent"]
    if not equivalents:
        out.append("None.")
    for row in equivalents:
        out.append(f"- `{row['name']}` ({row['description']}): {row['equivalent_reason']}")
    flagged = [r["name"] for r in matrix["mutants"] if r["listed_equivalent_but_killed"]]
    if flagged:
        out += ["", "Listed as equivalent but killed (remove from config): "
                + ", ".join(f"`{n}`" for n in flagged)]
    if matrix["stale_equivalences"]:
        out += ["", "Listed as equivalent but no such mutant (source changed?): "
                + ", ".join(f"`{n}`" for n in matrix["stale_equivalences"])]
    out += ["", "## Fixtures", "", "| fixture | kills | unique kills |", "|---|---|---|"]
    for f in fixtures:
        unique = matrix["unique_kills"][f]
        listed = ", ".join(f"`{n}`" for n in unique) if unique else "-"
        out.append(f"| `{f}` | {matrix['kills_per_fixture'][f]} | {len(unique)}: {listed} |")
    stillborn = [r for r in matrix["mutants"] if r["status"] == "stillborn"]
    if stillborn:
        out += ["", "## Stillborn", ""]
        out += [f"- `{r['name']}`: {r['stillborn_error']}" for r in stillborn]
    out += [
        "",
        "## Kill matrix",
        "",
        "`·` = survived on that fixture; otherwise what killed the mutant there.",
        "",
        "| mutant | status | " + " | ".join(f"`{f}`" for f in fixtures) + " |",
        "|---|---|" + "---|" * len(fixtures),
    ]
    for row in matrix["mutants"]:
        cells = " | ".join(_cell(row["cells"].get(f, [])) for f in fixtures)
        out.append(f"| `{row['name']}` | {row['status']} | {cells} |")
    return "\n".join(out) + "\n"
