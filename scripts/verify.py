"""Rule ``verify``: golden integrity + compare/reproduce results -> table, report, exit code."""

import json
import sys
from pathlib import Path

from fixturepipe import (
    atomic,
    dvc_integrity,
    figure_cache,
    golden,
    paths,
    report,
    report_html,
    rulescript,
)


def main(smk):
    compares = [json.loads(Path(p).read_text(encoding="utf-8")) for p in smk.input.compares]
    reproductions = {}
    for p in smk.input.reproductions:
        r = json.loads(Path(p).read_text(encoding="utf-8"))
        reproductions[f"{r['kernel']}/{r['fixture']}"] = r
    result = report.build(
        compares, reproductions, golden.integrity_problems("."), dvc_integrity.check(".")
    )
    atomic.write_json(f"{paths.VERIFY_DIR}/report.json", result)
    atomic.write_text(f"{paths.VERIFY_DIR}/report.md", report.markdown(result))
    by_key = {f"{c['kernel']}/{c['fixture']}": c for c in compares}
    figures = {key: figure_cache.figures_for(c) for key, c in by_key.items()}
    atomic.write_text(f"{paths.VERIFY_DIR}/report.html",
                      report_html.render(result, by_key, figures))
    atomic.write_json(paths.METRICS_FILE, report.dvc_metrics(result))
    print(report.table(result), flush=True)
    if not result["passed"]:
        for line in report.failure_lines(result):
            print(f"FAIL {line}", file=sys.stderr)
        print(f"verify: FAIL ({result['summary']['failed']} of {result['summary']['fixtures']} "
              f"fixtures failed; see {paths.VERIFY_DIR}/report.md)", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"verify: PASS ({result['summary']['fixtures']} fixtures; "
          f"report in {paths.VERIFY_DIR}/report.md)", flush=True)


if __name__ == "__main__":
    rulescript.main(main)
