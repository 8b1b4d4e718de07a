"""Rule ``mutant_matrix_<composite>``: stage and chain results of every (sampled) stage mutant
-> the stage-vs-end-to-end kill_matrix.json + report.md."""

import json
from pathlib import Path

from fixturepipe import atomic, paths, rulescript
from fixturepipe.mutation import sample, stage_vs_e2e
from fixturepipe.mutation.generate import mutants_of_file
from fixturepipe.spec import load_spec


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(smk):
    spec = load_spec(smk.input.spec)
    params = smk.params.matrix
    per_operator = params["sample_per_operator"]
    stages = {}
    for s in spec.stages:
        population = [m.name for m in mutants_of_file(spec.stage_specs[s.kernel].source_path)]
        stages[s.kernel] = {
            **params["stages"][s.kernel], "population": population,
            "pairs": [(read(paths.mutant_result_file(s.kernel, n)),
                       read(paths.chain_result_file(spec.name, s.kernel, n)))
                      for n in sample.select(population, per_operator)],
        }
    matrix = stage_vs_e2e.build(spec.name, "+".join(smk.params.backends), params["fixtures"],
                                stages, per_operator)
    atomic.write_json(smk.output.matrix, matrix)
    atomic.write_text(smk.output.report, stage_vs_e2e.render(matrix))


if __name__ == "__main__":
    rulescript.main(main)
