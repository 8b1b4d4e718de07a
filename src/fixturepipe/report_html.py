"""``artifacts/verify/report.html``: the verify report as one self-contained page.

A verdict grid (kernels x fixtures, each cell linking to its fixture's section), the
failure lines with their diagnoses, and per fixture and output the metrics against the
float32 reference and the float64 oracle, with the figures (PNG, inlined as data URIs).
No script, no network: it opens from disk, and from a mail attachment.  Figures of
failing fixtures are shown; those of passing fixtures sit in a closed ``<details>``.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fixturepipe import report
from fixturepipe.figure_cache import CAPTIONS

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 70em;
       padding: 0 1em; color: #222; }
h1 .PASS, .verdict.PASS { color: #1a7f37; } h1 .FAIL, .verdict.FAIL { color: #cf222e; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
#grid td.cell a { display: block; color: #fff; text-decoration: none; font-weight: 600; }
#grid td.PASS { background: #1a7f37; } #grid td.CANDIDATE { background: #4ac26b; }
#grid td.FAIL { background: #cf222e; } #grid td.none { background: #f6f8fa; }
.failure { background: #ffebe9; border-left: 4px solid #cf222e; padding: .4em .7em;
           margin: .3em 0; }
.diagnosis { background: #fff8c5; border-left: 4px solid #bf8700; padding: .4em .7em; }
section.fixture { border-top: 1px solid #d0d7de; margin-top: 1.5em; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figure img { display: block; max-width: 100%; }
figcaption { font-size: 12px; color: #57606a; max-width: 345px; }
"""

_METRICS = ("max_abs", "max_rel", "rel_l2", "rel_rms", "max_ulp", "max_ulp_elementwise",
            "non_finite",
            "unwritten", "uninitialised_threadgroup", "nan_written", "inf_written")
_SIDES = (("vs_reference", "kernel vs float32 reference"),
          ("vs_oracle", "kernel vs float64 oracle"),
          ("reference_vs_oracle", "float32 reference vs float64 oracle"))


def anchor(kernel: str, fixture: str) -> str:
    """The id of a fixture's section (names are [A-Za-z0-9_.-], valid in ids)."""
    return f"fx-{kernel}-{fixture}"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _verdict_class(verdict: str) -> str:
    return "CANDIDATE" if verdict.startswith("PASS (") else verdict.split()[0]


def _grid(rows: list[Mapping[str, Any]]) -> str:
    kernels = list(dict.fromkeys(r["kernel"] for r in rows))
    fixtures = list(dict.fromkeys(r["fixture"] for r in rows))
    by_key = {(r["kernel"], r["fixture"]): r for r in rows}
    out = ['<table id="grid"><tr><th>kernel \\ fixture</th>',
           *(f"<th>{_e(f)}</th>" for f in fixtures), "</tr>"]
    for k in kernels:
        out.append(f"<tr><th>{_e(k)}</th>")
        for f in fixtures:
            r = by_key.get((k, f))
            if r is None:
                out.append('<td class="none"></td>')
                continue
            title = "; ".join(r["reasons"]) or r["verdict"]
            out.append(f'<td class="cell {_verdict_class(r["verdict"])}" title="{_e(title)}">'
                       f'<a href="#{anchor(k, f)}">{_e(r["verdict"])}</a></td>')
        out.append("</tr>")
    return "\n".join([*out, "</table>"])


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metrics_table(name: str, entry: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    sides = [(key, label) for key, label in _SIDES if key in entry]
    tol, otol = result.get("tolerance") or {}, result.get("oracle_tolerance") or {}
    out = [f'<table class="metrics"><caption>{_e(name)}</caption><tr><th>metric</th>',
           *(f"<th>{_e(label)}</th>" for _, label in sides),
           "<th>tolerance vs reference</th><th>tolerance vs oracle</th></tr>"]
    for metric in _METRICS:
        cells = [entry[key].get(metric) for key, _ in sides]
        if all(c is None for c in cells):
            continue
        out.append(f"<tr><th>{_e(metric)}</th>"
                   + "".join(f'<td class="num">{_e(_fmt(c))}</td>' for c in cells)
                   + f'<td class="num">{_e(_fmt(tol.get(metric)))}</td>'
                   f'<td class="num">{_e(_fmt(otol.get(metric)))}</td></tr>')
    return "\n".join([*out, "</table>"])


def _figure(path: str, kind: str, output: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    caption = CAPTIONS.get(kind, kind)
    return (f'<figure data-kind="{_e(kind)}"><img alt="{_e(output)}: {_e(caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{_e(caption)}</figcaption>'
            "</figure>")


def _stages_table(row: Mapping[str, Any]) -> str:
    """A composite kernel's bisect: each stage vs its own reference on the same upstream
    kernel outputs, the first one out of tolerance marked."""
    out = ['<table class="stages"><tr><th>stage</th><th>verdict</th><th>rel RMS</th>'
           "<th>max ULP</th><th>failing metric</th></tr>"]
    for st in row["stages"]:
        verdict = "PASS" if st["passed"] else "FAIL"
        first = " (first)" if st["stage"] == row.get("first_failing_stage") else ""
        out.append(f'<tr><td>{_e(st["stage"])}</td><td class="verdict {verdict}">'
                   f"{verdict}{first}</td><td class=\"num\">{_e(_fmt(st['rel_rms']))}</td>"
                   f"<td class=\"num\">{_e(_fmt(st['max_ulp']))}</td>"
                   f"<td>{_e(st['failing_metric'] or '-')}</td></tr>")
    return "\n".join([*out, "</table>"])


def _section(row: Mapping[str, Any], result: Mapping[str, Any],
             figures: Mapping[str, Mapping[str, str]]) -> str:
    k, f = row["kernel"], row["fixture"]
    failed = row["verdict"] == "FAIL"
    out = [f'<section class="fixture" id="{anchor(k, f)}">',
           f'<h2>{_e(k)} / {_e(f)} <span class="verdict {_verdict_class(row["verdict"])}">'
           f'{_e(row["verdict"])}</span></h2>',
           f"<p>backend <code>{_e(row['backend'])}</code>; "
           f"{'golden' if row['golden'] else 'candidate (not golden yet)'}</p>"]
    out += [f'<p class="failure">{_e(reason)}</p>' for reason in row["reasons"]]
    if row.get("stages"):
        out.append(_stages_table(row))
    for name, entry in row["outputs"].items():
        found = entry.get("diagnosis")
        if found:
            out.append(f'<p class="diagnosis"><b>{_e(name)} looks like:</b> '
                       f'{_e(found["sentence"])}</p>')
        out.append(_metrics_table(name, entry, result))
        shown = figures.get(name, {})
        if not shown:
            continue
        body = '<div class="figures">' + "".join(
            _figure(p, kind, name) for kind, p in shown.items()) + "</div>"
        if failed:
            out.append(f"<h3>{_e(name)}: figures</h3>{body}")
        else:
            out.append(f"<details><summary>{_e(name)}: figures</summary>{body}</details>")
    out.append("</section>")
    return "\n".join(out)


def render(result_report: Mapping[str, Any], compares: Mapping[str, Mapping[str, Any]],
           figures: Mapping[str, Mapping[str, Mapping[str, str]]]) -> str:
    """The page.  ``compares`` and ``figures`` are keyed ``kernel/fixture``."""
    s = result_report["summary"]
    verdict = "PASS" if result_report["passed"] else "FAIL"
    rows = result_report["fixtures"]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Verify report: {verdict}</title><style>{_CSS}</style></head><body>",
        f'<h1>Verify report: <span class="{verdict}">{verdict}</span></h1>',
        f"<p>{s['fixtures']} fixtures, {s['failed']} failed, {s['candidates']} candidates "
        f"(not golden yet), {s['integrity_problems']} golden integrity problems.</p>",
        "<h2>Verdicts</h2>", _grid(rows),
    ]
    lines = report.failure_lines(result_report)
    if lines:
        parts += ["<h2>Failures</h2>", *(f'<p class="failure">{_e(line)}</p>' for line in lines)]
    for row in rows:
        key = f"{row['kernel']}/{row['fixture']}"
        parts.append(_section(row, compares.get(key, {}), figures.get(key, {})))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
