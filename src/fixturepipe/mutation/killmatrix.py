"""Aggregate per-mutant results into the kill matrix, scores and unique kills.

A per-mutant result (written by `fixturepipe.mutation.runner`) says, for every
fixture, whether the mutant was killed and by what (`metric:<name>`, `nan`,
`crash`, `timeout`, `race`, ...), or that it could not be built (stillborn).
This module only counts; it runs nothing, so it is cheap to test and rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fixturepipe.mutation import sample as mutant_sample
from fixturepipe.mutation.generate import operator_of

STATUSES = ("killed", "survived", "equivalent", "stillborn")


@dataclass(frozen=True)
class Equivalence:
    """A config entry declaring a mutant semantically equal to the kernel."""

    kernel: str
    mutant: str
    reason: str


def equivalences_for(kernel: str, config: Mapping[str, Any]) -> dict[str, str]:
    """`mutants.equivalent` entries for `kernel`: mutant name -> written reason."""
    entries = (config.get("mutants") or {}).get("equivalent") or []
    out: dict[str, str] = {}
    for entry in entries:
        if entry["kernel"] == kernel:
            reason = str(entry.get("reason", "")).strip()
            if not reason:
                raise ValueError(
                    f"config mutants.equivalent: the entry for {kernel}/{entry['mutant']} has "
                    "no reason; write why the mutant cannot change any output"
                )
            out[entry["mutant"]] = reason
    return out


def mutant_status(result: Mapping[str, Any]) -> str:
    """killed / survived / stillborn from one mutant's result."""
    if result.get("stillborn"):
        return "stillborn"
    if any(cell["by"] for cell in result["fixtures"].values()):
        return "killed"
    return "survived"


def _score(killed: int, scored: int, scope: str) -> dict[str, Any]:
    return {
        "killed": killed,
        "scored": scored,
        "score": round(killed / scored, 6) if scored else None,
        "scope": scope,
    }


def build_kill_matrix(
    kernel: str,
    backend: str,
    fixtures: Sequence[str],
    seed_fixture: str | None,
    results: Sequence[Mapping[str, Any]],
    equivalent: Mapping[str, str],
    population: Sequence[str] | None = None,
    sample_per_operator: int | None = None,
) -> dict[str, Any]:
    """The kill matrix document (`kill_matrix.json`), deterministic for equal inputs.

    Scores count killed / (all - stillborn - equivalent). The seed score uses
    only the seed fixture's column, over the same denominator, so the two
    numbers say how much the rest of the matrix adds. `population` is every
    mutant of today's source (default: those in `results`); when the results are
    a sample of it (`sample_per_operator`), the document says so in `sample` and
    in each score's `scope`, and an equivalent entry outside the sample is not stale.
    """
    rows = []
    ran = [r["mutant"] for r in sorted(results, key=lambda r: r["index"])]
    names = set(population) if population is not None else set(ran)
    sample = mutant_sample.describe(ran, list(population or ran), sample_per_operator)
    scope = mutant_sample.label(sample) or "all mutants"
    for result in sorted(results, key=lambda r: r["index"]):
        status = mutant_status(result)
        reason = equivalent.get(result["mutant"])
        if reason is not None and status == "survived":
            status = "equivalent"
        rows.append(
            {
                "name": result["mutant"],
                "operator": result["operator"],
                "line": result["line"],
                "col": result["col"],
                "description": result["description"],
                "status": status,
                "equivalent_reason": reason if status == "equivalent" else None,
                "listed_equivalent_but_killed": reason is not None and status == "killed",
                "stillborn_error": result.get("stillborn"),
                "cells": {f: result["fixtures"][f]["by"] for f in fixtures
                          if f in result["fixtures"]},
                "diagnoses": {f: result["fixtures"][f]["diagnosis"] for f in fixtures
                              if result["fixtures"].get(f, {}).get("diagnosis")},
            }
        )
    scored = [r for r in rows if r["status"] in ("killed", "survived")]
    killed = [r for r in scored if r["status"] == "killed"]
    seed_killed = [r for r in scored if seed_fixture and r["cells"].get(seed_fixture)]
    unique: dict[str, list[str]] = {f: [] for f in fixtures}
    for row in killed:
        killers = [f for f in fixtures if row["cells"].get(f)]
        if len(killers) == 1:
            unique[killers[0]].append(row["name"])
    per_fixture = {f: sum(1 for r in scored if r["cells"].get(f)) for f in fixtures}
    by_operator: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = by_operator.setdefault(row["operator"], {"total": 0, **dict.fromkeys(STATUSES, 0)})
        counts["total"] += 1
        counts[row["status"]] += 1
    return {
        "kernel": kernel,
        "backend": backend,
        "fixtures": list(fixtures),
        "seed_fixture": seed_fixture,
        "counts": {"total": len(rows), **{s: sum(r["status"] == s for r in rows)
                                          for s in STATUSES}},
        "score": {
            "matrix": _score(len(killed), len(scored), scope),
            "seed": _score(len(seed_killed), len(scored), scope),
        },
        "sample": sample,
        "kills_per_fixture": per_fixture,
        "unique_kills": unique,
        "by_operator": dict(sorted(by_operator.items())),
        "survivors": [r["name"] for r in rows if r["status"] == "survived"],
        "stale_equivalences": sorted(set(equivalent) - names),
        "mutants": rows,
    }


def _renamed_candidates(matrix: Mapping[str, Any]) -> list[str]:
    """Survivors of the same operator (and variant) as a stale equivalent entry.

    When the line a listed equivalent mutant sat on is edited, the mutant gets
    a new name: it then survives under that name while its entry goes stale.
    Such survivors are pointed at the stale entry, not at "add a fixture".
    """
    stale_ops = {operator_of(n) for n in matrix["stale_equivalences"]} - {None}
    return [n for n in matrix["survivors"] if operator_of(n) in stale_ops]


def stale_message(matrix: Mapping[str, Any], report_path: str) -> str | None:
    """A sentence naming stale ``mutants.equivalent`` entries, or None when there are none."""
    stale = matrix["stale_equivalences"]
    if not stale:
        return None
    kernel = matrix["kernel"]
    renamed = _renamed_candidates(matrix)
    maybe = (
        f" Surviving mutants of the same operator, one of which may be the listed mutant under "
        f"its new name: {', '.join(renamed)} (diffs in {report_path})."
        if renamed else ""
    )
    return (
        f"{len(stale)} entry(ies) of mutants.equivalent in config/config.yaml for {kernel} name "
        f"no mutant of today's source (stale: the code they named was edited or removed): "
        f"{', '.join(stale)}.{maybe} Check that the reason still holds for the code as it is "
        "now, then update the entry's name, or remove the entry."
    )


def survivor_message(matrix: Mapping[str, Any], matrix_path: str, report_path: str) -> str | None:
    """A sentence naming surviving mutants and what to do, or None when there are none.

    Survivors that may be a stale equivalent entry's mutant under a new name
    are left to :func:`stale_message`.
    """
    renamed = set(_renamed_candidates(matrix))
    survivors = [n for n in matrix["survivors"] if n not in renamed]
    if not survivors:
        return None
    kernel = matrix["kernel"]
    shown = ", ".join(survivors[:10]) + (" ..." if len(survivors) > 10 else "")
    return (
        f"{len(survivors)} mutant(s) of {kernel} survived every fixture of the matrix: {shown}. "
        f"See {report_path} (diffs) and {matrix_path}. Add a fixture that tells them apart, "
        "or, if a mutant cannot change any output, list it in config/config.yaml under "
        f"mutants.equivalent as {{kernel: {kernel}, mutant: <name>, reason: <why>}}."
    )


def summary_line(matrix: Mapping[str, Any]) -> str:
    """One line per kernel for the terminal: seed vs matrix score and the counts."""

    def pct(score: Mapping[str, Any]) -> str:
        return "n/a" if score["score"] is None else f"{100 * score['score']:.1f}%"

    c = matrix["counts"]
    sampled = mutant_sample.label(matrix.get("sample"))
    return (
        f"mutants {matrix['kernel']}: score {pct(matrix['score']['matrix'])} on the matrix, "
        f"{pct(matrix['score']['seed'])} on the seed fixture {matrix['seed_fixture']!r} alone; "
        f"{c['total']} mutants: {c['killed']} killed, {c['survived']} survived, "
        f"{c['equivalent']} equivalent, {c['stillborn']} stillborn"
        + (f"; {sampled}: the other {matrix['sample']['of'] - matrix['sample']['run']} were "
           "not run, so this score is an estimate, not a gate over every mutant"
           if sampled else "")
    )
