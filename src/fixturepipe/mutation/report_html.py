"""``artifacts/mutants/<kernel>/report.html``: the mutation report as one self-contained page.

Like the mutation reports people like (Stryker, PIT): the kernel's source with every line
marked by its mutants (killed / survived / equivalent / stillborn; expand a mutant to see
its diff, which fixture killed it and how), the kill matrix as a heatmap (mutants x
fixtures), and the score table.  No script, no network.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from fixturepipe.mutation import sample as mutant_sample

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 80em;
       padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: .2em .5em; text-align: left; vertical-align: top; }
td.num { text-align: right; }
#source td.code { font: 12px/1.4 ui-monospace, monospace; white-space: pre; }
#source td.ln { color: #57606a; text-align: right; font: 12px ui-monospace, monospace; }
#source tr.survived td.code { background: #ffebe9; }
#source tr.killed td.code { background: #dafbe1; }
#source tr.equivalent td.code, #source tr.stillborn td.code { background: #f6f8fa; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .4em; margin: 1px;
         font-size: 11px; color: #fff; }
.killed { background-color: #1a7f37; } .survived { background-color: #cf222e; }
.equivalent { background-color: #8250df; } .stillborn { background-color: #6e7781; }
details.mutant { margin: .1em 0; } details.mutant pre { background: #f6f8fa; padding: .4em;
  font-size: 12px; white-space: pre-wrap; }
#heatmap td.cell { width: 1.4em; height: 1.1em; padding: 0; }
#heatmap td.k-metric { background: #fd8d3c; } #heatmap td.k-nonfinite { background: #756bb1; }
#heatmap td.k-fault { background: #a50f15; } #heatmap td.k-none { background: #ffffff; }
#heatmap td.k-off { background: #eaeef2; }
#heatmap th.m { font: 11px ui-monospace, monospace; white-space: nowrap; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _pct(score: Mapping[str, Any]) -> str:
    if score["score"] is None:
        return "n/a"
    return f"{100 * score['score']:.1f}% ({score['killed']}/{score['scored']})"


def _kill_class(reasons: list[str]) -> str:
    """Heatmap colour class of one cell: how the fixture killed the mutant."""
    if not reasons:
        return "k-none"
    if any(r.split(".")[-1] in ("unwritten", "uninitialised_threadgroup", "nan_written",
                                "inf_written", "non_finite") for r in reasons):
        return "k-nonfinite"
    if all("." in r for r in reasons):
        return "k-metric"
    return "k-fault"


def _mutant_details(row: Mapping[str, Any], fixtures: list[str], diff: str) -> str:
    kills = [f"<li><code>{_e(f)}</code>: {_e(', '.join(row['cells'][f]))}</li>"
             for f in fixtures if row["cells"].get(f)]
    why = {
        "killed": f"<ul>{''.join(kills)}</ul>",
        "survived": "<p>Survived every fixture.</p>",
        "equivalent": f"<p>Equivalent: {_e(row['equivalent_reason'])}</p>",
        "stillborn": f"<p>Stillborn: {_e(row['stillborn_error'])}</p>",
    }[row["status"]]
    diagnoses = row.get("diagnoses") or {}
    looks = "".join(f"<p>On <code>{_e(f)}</code> it looks like: {_e(s)}</p>"
                    for f, s in diagnoses.items())
    return (f'<details class="mutant" id="m-{_e(row["name"])}"><summary>'
            f'<span class="badge {row["status"]}">{_e(row["status"])}</span> '
            f"<code>{_e(row['name'])}</code> {_e(row['description'])}</summary>"
            f"{why}{looks}<pre>{_e(diff)}</pre></details>")


def _source(matrix: Mapping[str, Any], source: str, diffs: Mapping[str, str]) -> str:
    by_line: dict[int, list[Mapping[str, Any]]] = {}
    for row in matrix["mutants"]:
        by_line.setdefault(row["line"], []).append(row)
    out = ['<table id="source"><tr><th>line</th><th>source</th><th>mutants</th></tr>']
    for number, text in enumerate(source.splitlines(), start=1):
        rows = by_line.get(number, [])
        statuses = {r["status"] for r in rows}
        mark = next((s for s in ("survived", "killed", "equivalent", "stillborn")
                     if s in statuses), "")
        cell = "".join(_mutant_details(r, matrix["fixtures"], diffs.get(r["name"], ""))
                       for r in rows)
        out.append(f'<tr class="{mark}"><td class="ln">{number}</td>'
                   f'<td class="code">{_e(text)}</td><td>{cell}</td></tr>')
    return "\n".join([*out, "</table>"])


def _heatmap(matrix: Mapping[str, Any]) -> str:
    fixtures = matrix["fixtures"]
    out = ['<table id="heatmap"><tr><th>mutant</th><th>status</th>',
           *(f"<th>{_e(f)}</th>" for f in fixtures), "</tr>"]
    for row in matrix["mutants"]:
        cells = []
        for f in fixtures:
            reasons = row["cells"].get(f, [])
            cls = "k-off" if row["status"] in ("stillborn", "equivalent") else _kill_class(reasons)
            title = ", ".join(reasons) or "survived"
            cells.append(f'<td class="cell {cls}" title="{_e(f)}: {_e(title)}"></td>')
        out.append(f'<tr><th class="m"><a href="#m-{_e(row["name"])}">{_e(row["name"])}</a></th>'
                   f'<td><span class="badge {row["status"]}">{_e(row["status"])}</span></td>'
                   + "".join(cells) + "</tr>")
    return "\n".join([*out, "</table>"])


def render(matrix: Mapping[str, Any], source: str, diffs: Mapping[str, str]) -> str:
    """The page for one kernel's kill matrix, its Metal ``source`` and every mutant's diff."""
    kernel, counts = matrix["kernel"], matrix["counts"]
    ops = "".join(
        f"<tr><td>{_e(op)}</td>" + "".join(f'<td class="num">{c[k]}</td>' for k in (
            "total", "killed", "survived", "equivalent", "stillborn")) + "</tr>"
        for op, c in matrix["by_operator"].items())
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Mutation testing: {_e(kernel)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Mutation testing: {_e(kernel)}</h1>",
        f"<p>Backend <code>{_e(matrix['backend'])}</code>; {len(matrix['fixtures'])} fixtures; "
        f"{counts['total']} mutants: {counts['killed']} killed, {counts['survived']} survived, "
        f"{counts['equivalent']} equivalent, {counts['stillborn']} stillborn. Score = killed / "
        "(mutants - stillborn - equivalent).</p>",
        *([f'<p id="sample"><strong>{_e(label)}</strong>: the scores below are over the '
           "sample; the other mutants were not run and count neither way.</p>"]
          if (label := mutant_sample.label(matrix.get("sample"))) else []),
        '<table id="scores"><tr><th>oracle</th><th>mutation score</th></tr>'
        f"<tr><td>seed fixture alone (<code>{_e(matrix['seed_fixture'])}</code>)</td>"
        f"<td>{_pct(matrix['score']['seed'])}</td></tr>"
        f"<tr><td>whole fixture matrix</td><td>{_pct(matrix['score']['matrix'])}</td></tr>"
        "</table>",
        "<table><tr><th>operator</th><th>mutants</th><th>killed</th><th>survived</th>"
        f"<th>equivalent</th><th>stillborn</th></tr>{ops}</table>",
        "<h2>Source</h2><p>Lines are marked by their mutants: "
        '<span class="badge survived">survived</span> '
        '<span class="badge killed">killed</span> '
        '<span class="badge equivalent">equivalent</span> '
        '<span class="badge stillborn">stillborn</span>; expand one for its diff and kills.</p>',
        _source(matrix, source, diffs),
        "<h2>Kill matrix</h2><p>Cells: orange = killed by a metric, purple = by non-finite "
        "output, dark red = by a fault (crash, timeout, race, bounds), white = survived, "
        "grey = not scored.</p>",
        _heatmap(matrix),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
