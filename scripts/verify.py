"""Rule ``verify``: golden integrity + compare/reproduce results -> table, report, exit code."""

import json
import sys
from pathlib import Path

from fixturepipe import (
    atomic,
    coverage,
    dvc_integrity,
    figure_cache,
    fingerprint,
    golden,
    paths,
    report,
    report_html,
    rulescript,
)


def load(path, damaged):
    """A result file's JSON, or None with a sentence in ``damaged`` (no traceback)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        damaged.append(f"{path} is damaged (not valid JSON: {exc}); delete it and run verify "
                       "again to regenerate it.")
        return None


def stale_runs(smk, damaged):
    """{kernel/fixture: [sentences]} for runs computed from other bytes than today's sources."""
    stale = {}
    for p in smk.input.provenance:
        prov = load(p, damaged)
        if prov is not None:
            key = prov["fixture"]
            current = {name: Path(path) for name, path in smk.params.sources[key].items()}
            stale[key] = fingerprint.stale_sources(prov.get("kernel_source_sha256", {}), current)
    return stale


def main(smk):
    damaged = []
    compares = [c for c in (load(p, damaged) for p in smk.input.compares) if c is not None]
    reproductions = {}
    for p in smk.input.reproductions:
        r = load(p, damaged)
        if r is not None:
            reproductions[f"{r['kernel']}/{r['fixture']}"] = r
    missing, others = coverage.uncovered(
        golden.read_manifest("."), smk.params.configured, smk.params.kernels)
    partial = smk.params.partial
    lock_problems = dvc_integrity.check(".")
    integrity = dvc_integrity.blame_manifest(golden.integrity_problems("."), lock_problems)
    stale = stale_runs(smk, damaged)
    uncovered = coverage.problem(missing, partial)
    result = report.build(
        compares, reproductions, integrity, lock_problems, stale=stale,
        other=[*damaged, *([uncovered] if uncovered else [])],
    )
    atomic.write_json(paths.VERIFY_REPORT_JSON, result)
    atomic.write_text(paths.VERIFY_REPORT_MD, report.markdown(result))
    by_key = {f"{c['kernel']}/{c['fixture']}": c for c in compares}
    figures = {key: figure_cache.figures_for(c) for key, c in by_key.items()}
    atomic.write_text(paths.VERIFY_REPORT_HTML,
                      report_html.render(result, by_key, figures))
    atomic.write_json(paths.METRICS_FILE, report.dvc_metrics(result))
    print(report.table(result), flush=True)
    note = coverage.summary_note(missing, partial, others)
    s = result["summary"]
    if not result["passed"]:
        for line in report.failure_lines(result):
            print(f"FAIL {line}", file=sys.stderr)
        print(f"verify: FAIL ({report.failure_count(result)}{note}; "
              f"see {paths.VERIFY_DIR}/report.md)", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"verify: PASS ({s['fixtures']} fixtures{note}; "
          f"report in {paths.VERIFY_DIR}/report.md)", flush=True)


if __name__ == "__main__":
    rulescript.main(main)
