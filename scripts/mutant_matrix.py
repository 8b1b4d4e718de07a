"""Rule ``mutant_matrix_<kernel>``: per-mutant results -> kill_matrix.json + report.md."""

import json
from pathlib import Path

from fixturepipe import atomic, rulescript
from fixturepipe.mutation import report_html
from fixturepipe.mutation.generate import generate_mutants
from fixturepipe.mutation.killmatrix import build_kill_matrix
from fixturepipe.mutation.report import mutant_diff, render_report
from fixturepipe.spec import load_spec


def main(smk):
    spec = load_spec(smk.input.spec)
    params = smk.params.matrix
    results = [json.loads(Path(p).read_text(encoding="utf-8")) for p in smk.input.results]
    original = spec.source_path.read_text(encoding="utf-8")
    mutants = generate_mutants(original)
    matrix = build_kill_matrix(
        spec.name, "+".join(smk.params.backends), params["fixtures"], params["seed_fixture"],
        results, params["equivalent"], population=[m.name for m in mutants],
        sample_per_operator=params["sample_per_operator"],
    )
    diffs = {m.name: mutant_diff(original, m, spec.name) for m in mutants}
    survivors = {name: diffs[name] for name in matrix["survivors"] if name in diffs}
    atomic.write_json(smk.output.matrix, matrix)
    atomic.write_text(smk.output.report, render_report(matrix, survivors))
    atomic.write_text(smk.output.html, report_html.render(matrix, original, diffs))


if __name__ == "__main__":
    rulescript.main(main)
