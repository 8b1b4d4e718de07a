"""The verify verdict: one row per fixture, a terminal table, ``report.json`` and ``report.md``.

Inputs are plain dicts (compare.json, reproducibility.json, golden integrity
problems), so this module needs no numpy and ``verify`` stays fast on a no-op run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fixturepipe.dvc_integrity import Problem as LockProblem
from fixturepipe.golden import IntegrityProblem

COLUMNS = ("kernel", "fixture", "backend", "max abs", "rel L2", "max ULP", "verdict")


def _worst(result: Mapping[str, Any], key: str) -> Any:
    """The worst value of metric ``key`` over the outputs; "NaN" when an output holds NaN or
    inf where the reference is finite (the metrics of its finite rest would read as a pass)."""
    outputs = result.get("outputs", {}).values()
    if any(o["vs_reference"].get("non_finite_mismatch") for o in outputs):
        return "NaN"
    values = [o["vs_reference"][key] for o in outputs]
    numeric = [v for v in values if isinstance(v, int | float)]
    if len(numeric) != len(values):
        return next(v for v in values if not isinstance(v, int | float))
    return max(numeric) if numeric else None


def build(
    compares: Sequence[Mapping[str, Any]],
    reproductions: Mapping[str, Mapping[str, Any]],
    integrity: Sequence[IntegrityProblem],
    lock_problems: Sequence[LockProblem] = (),
    stale: Mapping[str, Sequence[str]] | None = None,
    other: Sequence[str] = (),
) -> dict[str, Any]:
    """Combine per-fixture results into the report dict (``passed`` is the verdict).

    ``integrity`` checks golden files against golden.sha256, ``lock_problems``
    against dvc.lock (:mod:`fixturepipe.dvc_integrity`); ``stale`` gives, per
    ``kernel/fixture``, sources that changed since its run
    (:mod:`fixturepipe.fingerprint`); ``other`` holds failures of no single
    fixture (golden fixtures the config left out, a damaged result file).
    """
    stale = stale or {}
    rows = []
    for c in compares:
        key = f"{c['kernel']}/{c['fixture']}"
        reasons = list(c.get("failures", []))
        repro = reproductions.get(key)
        if repro is not None:
            reasons += repro["failures"]
        reasons += [p.sentence() for p in (*integrity, *lock_problems) if f"/{key}/" in p.path]
        reasons += stale.get(key, [])
        golden = c.get("source") == "golden"
        verdict = "FAIL" if reasons else ("PASS" if golden else "PASS (candidate)")
        rows.append({
            "kernel": c["kernel"],
            "fixture": c["fixture"],
            "backend": c["backend"],
            "golden": golden,
            "max_abs": _worst(c, "max_abs"),
            "rel_l2": _worst(c, "rel_l2"),
            "max_ulp": _worst(c, "max_ulp"),
            "verdict": verdict,
            "failing_metric": c.get("failing_metric") or (
                "reproducibility" if repro is not None and repro["failures"] else None),
            "reasons": reasons,
            "kernel_error": c.get("kernel_error"),
            "outputs": c.get("outputs", {}),
            # A composite kernel's bisect: each stage vs its own reference on the same
            # upstream kernel outputs, and the first stage out of its own tolerance.
            "stages": [{"stage": st["stage"], "passed": st["passed"],
                        "failing_metric": st.get("failing_metric"),
                        "rel_rms": _worst(st, "rel_rms") if st.get("outputs") else None,
                        "max_ulp": _worst(st, "max_ulp") if st.get("outputs") else None}
                       for st in c.get("stages", [])],
            "first_failing_stage": c.get("first_failing_stage"),
        })
    keys = {f"/{r['kernel']}/{r['fixture']}/" for r in rows}
    orphan = [
        p.sentence() for p in (*integrity, *lock_problems) if not any(k in p.path for k in keys)
    ] + list(other)
    failed = [r for r in rows if r["verdict"] == "FAIL"]
    return {
        "passed": not failed and not integrity and not lock_problems and not other,
        "summary": {
            "fixtures": len(rows),
            "failed": len(failed),
            "candidates": sum(1 for r in rows if not r["golden"]),
            "integrity_problems": len(integrity),
            "dvc_lock_problems": len(lock_problems),
        },
        "fixtures": rows,
        "integrity": [
            {"path": p.path, "expected_sha256": p.expected, "actual_sha256": p.actual}
            for p in integrity
        ],
        "dvc_lock": [{"path": p.path, "problem": p.message} for p in lock_problems],
        "other_problems": orphan,
    }


def failure_count(report: Mapping[str, Any]) -> str:
    """The count in ``verify: FAIL (...)``: failed fixtures, and problems outside any fixture.

    A failing verify with no failing fixture (only golden.sha256 or dvc.lock is
    wrong, or golden fixtures went unverified) says so rather than "0 of N failed".
    """
    s = report["summary"]
    n, failed, other = s["fixtures"], s["failed"], len(report["other_problems"])
    head = f"{failed} of {n} fixtures failed" if failed else f"all {n} fixtures passed"
    if not other:
        return head
    return f"{head}, {'and' if failed else 'but'} {other} problem(s) outside any fixture"


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if kind == "ulp":
        return f"{value:.2f}"
    return str(value) if kind == "int" else f"{value:.3g}"


def _verdict(row: Mapping[str, Any]) -> str:
    """The verdict cell: a failing composite kernel's names the first stage out of tolerance."""
    stage = row.get("first_failing_stage")
    return f"{row['verdict']} (stage {stage})" if stage and row["verdict"] == "FAIL" else (
        row["verdict"])


def table(report: Mapping[str, Any]) -> str:
    """The compact terminal table, one line per fixture."""
    lines = [
        [r["kernel"], r["fixture"], r["backend"], _fmt(r["max_abs"], "f"),
         _fmt(r["rel_l2"], "f"), _fmt(r["max_ulp"], "ulp"), _verdict(r)]
        for r in report["fixtures"]
    ]
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(COLUMNS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*COLUMNS), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*x) for x in lines]
    return "\n".join(out)


def failure_lines(report: Mapping[str, Any]) -> list[str]:
    """One sentence per failure, naming kernel, fixture and metric (or file and hashes)."""
    lines = []
    for r in report["fixtures"]:
        lines += [f"{r['kernel']}/{r['fixture']} ({r['backend']}): {why}" for why in r["reasons"]]
    lines += report["other_problems"]
    return lines


def markdown(report: Mapping[str, Any]) -> str:
    """The human-readable report."""
    s = report["summary"]
    verdict = "PASS" if report["passed"] else "FAIL"
    out = [
        f"# Verify report: {verdict}",
        "",
        f"{s['fixtures']} fixtures, {s['failed']} failed, {s['candidates']} candidates "
        f"(not golden yet: accept with `dvc repro && dvc push`), "
        f"{s['integrity_problems']} golden integrity problems.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for r in report["fixtures"]:
        out.append("| " + " | ".join([
            r["kernel"], r["fixture"], r["backend"], _fmt(r["max_abs"], "f"),
            _fmt(r["rel_l2"], "f"), _fmt(r["max_ulp"], "ulp"), _verdict(r)]) + " |")
    problems = failure_lines(report)
    if problems:
        out += ["", "## Failures", ""] + [f"- {line}" for line in problems]
    composites = [r for r in report["fixtures"] if r.get("stages")]
    if composites:
        out += ["", "## Composite kernels, stage by stage", "",
                "Each stage's kernel output vs that stage's own reference on the same upstream "
                "kernel outputs, under the stage kernel's tolerance.", "",
                "| kernel | fixture | stage | verdict | rel RMS | max ULP | failing metric |",
                "|---|---|---|---|---|---|---|"]
        for r in composites:
            for st in r["stages"]:
                first = " (first)" if st["stage"] == r["first_failing_stage"] else ""
                out.append(
                    f"| {r['kernel']} | {r['fixture']} | {st['stage']} | "
                    f"{'PASS' if st['passed'] else 'FAIL'}{first} | "
                    f"{_fmt(st['rel_rms'], 'f')} | {_fmt(st['max_ulp'], 'ulp')} | "
                    f"{st['failing_metric'] or '-'} |")
    out += ["", "## Errors vs the float64 oracle", "",
            "| kernel | fixture | output | kernel max ULP | reference max ULP | kernel rel L2 |"
            " reference rel L2 |", "|---|---|---|---|---|---|---|"]
    for r in report["fixtures"]:
        for name, o in r["outputs"].items():
            if "vs_oracle" in o:
                k, ref = o["vs_oracle"], o["reference_vs_oracle"]
                out.append(
                    f"| {r['kernel']} | {r['fixture']} | {name} | {_fmt(k['max_ulp'], 'ulp')} | "
                    f"{_fmt(ref['max_ulp'], 'ulp')} | {_fmt(k['rel_l2'], 'f')} | "
                    f"{_fmt(ref['rel_l2'], 'f')} |")
    return "\n".join(out) + "\n"


def dvc_metrics(report: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics file ``dvc metrics show/diff`` read: per fixture, its worst max ULP and
    relative RMS error (FLA's ``rel_rms``) vs the float32 reference; "NaN" where an output
    is non-finite where the reference is not, null for a fixture without outputs."""
    return {
        f"{r['kernel']}/{r['fixture']}": {"max_ulp": r["max_ulp"],
                                          "rel_rms": _worst(r, "rel_rms")}
        for r in report["fixtures"]
    }
