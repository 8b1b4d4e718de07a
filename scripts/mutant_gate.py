"""Rule ``mutants``: print each kernel's scores; fail if a non-equivalent mutant survived
or an equivalent entry is stale (names no mutant of today's source). A composite's
stage-vs-end-to-end matrix is printed, not gated (its stages' own matrices gate)."""

import json
import logging
import sys
from pathlib import Path

from fixturepipe import paths, rulescript
from fixturepipe.mutation import stage_vs_e2e
from fixturepipe.mutation.killmatrix import stale_message, summary_line, survivor_message


def main(smk):
    failures = []
    for path in smk.input.matrices:
        matrix = json.loads(Path(path).read_text(encoding="utf-8"))
        if matrix.get("composite"):
            # A measurement, not a gate: each stage's own matrix gates its mutants.
            print(stage_vs_e2e.summary_line(matrix), file=sys.stderr)
            continue
        print(summary_line(matrix), file=sys.stderr)
        report = paths.mutation_report_file(matrix["kernel"])
        for message in (stale_message(matrix, report), survivor_message(matrix, path, report)):
            if message:
                failures.append(message)
    if failures:
        message = "\n".join(failures)
        logging.getLogger("fixturepipe").error(message)
        raise SystemExit(message)


if __name__ == "__main__":
    rulescript.main(main)
