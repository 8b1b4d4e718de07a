# Mutation testing (docs/mutants.md): `snakemake -j4 mutants`.
# Included from the Snakefile after PLAN is built. Mutants are derived from each kernel's
# Metal source at DAG-build time; one job per mutant runs it on every fixture of the
# kernel through the same kernel stage and comparison as the real kernel. Everything is
# written under artifacts/mutants/ and artifacts/logs/mutants/, never into the real runs.
# Scripts run as `python scripts/<x>.py <log> <job json> <files json>`, like the Snakefile's
# rules (fixturepipe.snakefile_support.job: the params, stated once and tracked).
from fixturepipe import fingerprint, paths
from fixturepipe.mutation import dag as mutation_dag
from fixturepipe.mutation.generate import NAME_PATTERN as _MUTANT_NAME

MUTATION = mutation_dag.settings(config)
# `--config kernels=<name>` restricts the gate to those kernels (docs/pipeline.md).
_TARGETED = sorted({f.kernel for f in PLAN.targets})
# A composite kernel has no Metal of its own: its stages' mutants run through its chain
# (stage versus end to end, docs/mutants.md), beside their runs on the stages' fixtures.
MUTANT_KERNELS = {k: PLAN.specs[k] for k in _TARGETED if not PLAN.specs[k].is_composite}
COMPOSITES = {k: PLAN.specs[k] for k in _TARGETED if PLAN.specs[k].is_composite}
# Kernels whose per-mutant jobs may be needed: the targeted ones and composites' stages.
_MUTATED = MUTANT_KERNELS | {
    s.kernel: c.stage_specs[s.kernel] for c in COMPOSITES.values() for s in c.stages
}


wildcard_constraints:
    mutant=_MUTANT_NAME,


localrules:
    mutants,


for _kernel, _spec in _MUTATED.items():

    # One job hashes every file the kernel's mutant jobs read (spec, Metal, fixtures, code);
    # each mutant job takes that manifest as its input instead of the ~100 files. Snakemake's
    # scheduler hashes every ready job's inputs after each finished job, so with a hundred
    # inputs per job a 1000-mutant run spent more CPU scheduling than running mutants. A
    # changed or added file reruns the manifest job, and with it every mutant job after it.
    rule:
        name:
            f"mutant_inputs_{_kernel}"
        input:
            files=lambda w, k=_kernel, s=_spec: [
                paths.relative(p, PLAN.root) for p in (s.path, *s.code_files())
            ] + mutation_dag.fixture_files(PLAN, k) + PLAN.code("mutant_run", k),
            code=PLAN.code("checksums"),
        output:
            sums=paths.mutant_inputs_file(_kernel),
        params:
            files=snakefile_support.files,
            job=snakefile_support.job(f"mutant_inputs_{_kernel}", {}),
        log:
            paths.mutant_inputs_log(_kernel),
        conda:
            f"../{ENV}"
        shell:
            "python scripts/checksums.py {log:q} {params.job:q} <<< {params.files:q}"

    rule:
        name:
            f"mutant_{_kernel}"
        input:
            spec=str(_spec.path),
            inputs=paths.mutant_inputs_file(_kernel),
        output:
            result=paths.mutant_result_file(_kernel, "{mutant}"),
            source=paths.mutant_source_file(_kernel, "{mutant}"),
            provenance=paths.mutant_result_provenance(_kernel, "{mutant}"),
        params:
            # Content, not mtime, decides (fixturepipe.fingerprint): source, spec, code.
            content=snakefile_support.content(
                PLAN, "mutant_run", _kernel, metal=True, toolchain=True
            ),
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"mutant_{_kernel}",
                lambda w, k=_kernel: {
                    "kernel": k,
                    "fixtures": mutation_dag.fixtures_params(PLAN, k, MUTATION["backend"]),
                    "timeout": MUTATION["timeout"],
                    "race_timeout": MUTATION["race_timeout"],
                },
            ),
        log:
            paths.mutant_log_file(_kernel, "{mutant}"),
        conda:
            f"../{ENV}"
        shell:
            "python scripts/mutant_run.py {log:q} {params.job:q} <<< {params.files:q}"


for _kernel, _spec in MUTANT_KERNELS.items():

    rule:
        name:
            f"mutant_matrix_{_kernel}"
        input:
            # An input function: mutants are derived only when this target is built, so
            # other targets (verify) never depend on the mutation catalogue.
            # All mutants, or the stated sample of `mutants.sample.<kernel>` (docs/mutants.md).
            results=lambda w, k=_kernel, s=_spec: [
                paths.mutant_result_file(k, m)
                for m in mutation_dag.sampled_mutant_names(str(s.source_path), k, config)
            ],
            spec=str(_spec.path),
            metal=[str(p) for p in _spec.code_files()],
            code=PLAN.code("mutant_matrix"),
        output:
            matrix=paths.kill_matrix_file(_kernel),
            report=paths.mutation_report_file(_kernel),
            html=paths.mutation_html_report_file(_kernel),
        params:
            content=snakefile_support.content(PLAN, "mutant_matrix", _kernel, metal=True),
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"mutant_matrix_{_kernel}",
                {
                    "matrix": mutation_dag.matrix_params(
                        _kernel, [f.name for f in PLAN.fixtures_of(_kernel)], config
                    ),
                    "backends": [MUTATION["backend"]],
                },
            ),
        log:
            paths.mutation_matrix_log(_kernel),
        conda:
            f"../{ENV}"
        shell:
            "python scripts/mutant_matrix.py {log:q} {params.job:q} <<< {params.files:q}"


for _kernel, _spec in COMPOSITES.items():
    for _stage in _spec.stages:
        _later = [_spec.stage_specs[k] for k in mutation_dag.stages_from(_spec, _stage.kernel)]

        # As for `mutant_inputs_<kernel>`: one manifest of the chain jobs' files per stage.
        rule:
            name:
                f"mutant_chain_inputs_{_kernel}_{_stage.kernel}"
            input:
                files=lambda w, k=_kernel, s=_stage.kernel, c=_spec, later=_later: [
                    paths.relative(p, PLAN.root)
                    for p in (c.path, *[x.path for x in later],
                              *[f for x in later for f in x.code_files()])
                ] + mutation_dag.chain_fixture_files(PLAN, k, MUTATION["backend"], s)
                + PLAN.code("mutant_chain", k),
                code=PLAN.code("checksums"),
            output:
                sums=paths.chain_inputs_file(_kernel, _stage.kernel),
            params:
                files=snakefile_support.files,
                job=snakefile_support.job(f"mutant_chain_inputs_{_kernel}_{_stage.kernel}", {}),
            log:
                paths.chain_inputs_log(_kernel, _stage.kernel),
            conda:
                f"../{ENV}"
            shell:
                "python scripts/checksums.py {log:q} {params.job:q} <<< {params.files:q}"

        rule:
            name:
                f"mutant_chain_{_kernel}_{_stage.kernel}"
            input:
                spec=str(_spec.path),
                inputs=paths.chain_inputs_file(_kernel, _stage.kernel),
                # After the stage's own run of the mutant: its binary is then in the CPU
                # executor's cache (the same translation unit), so the chain does not
                # compile it again.
                stage_result=paths.mutant_result_file(_stage.kernel, "{mutant}"),
            output:
                result=paths.chain_result_file(_kernel, _stage.kernel, "{mutant}"),
                provenance=paths.chain_result_provenance(_kernel, _stage.kernel, "{mutant}"),
            params:
                content=fingerprint.content_param(
                    PLAN.root,
                    [_spec.path, *[s.path for s in _later],
                     *[p for s in _later for p in s.code_files()],
                     *PLAN.code("mutant_chain", _kernel)],
                    with_toolchain=True,
                ),
                files=snakefile_support.files,
                job=snakefile_support.job(
                    f"mutant_chain_{_kernel}_{_stage.kernel}",
                    lambda w, k=_kernel, s=_stage.kernel: {
                        "fixtures": mutation_dag.fixtures_params(PLAN, k, MUTATION["backend"]),
                        "stage": s,
                        "timeout": MUTATION["timeout"],
                    },
                ),
            log:
                paths.chain_log_file(_kernel, _stage.kernel, "{mutant}"),
            conda:
                f"../{ENV}"
            shell:
                "python scripts/mutant_chain.py {log:q} {params.job:q} <<< {params.files:q}"

    rule:
        name:
            f"mutant_matrix_{_kernel}"
        input:
            # Input functions: mutants are derived only when this target is built.
            stage_results=lambda w, c=_spec: [
                paths.mutant_result_file(s, m)
                for s, names in mutation_dag.composite_mutants(c, config).items()
                for m in names
            ],
            chain_results=lambda w, c=_spec: [
                paths.chain_result_file(c.name, s, m)
                for s, names in mutation_dag.composite_mutants(c, config).items()
                for m in names
            ],
            spec=str(_spec.path),
            metal=[str(p) for p in _spec.code_files()],
            code=PLAN.code("mutant_composite_matrix"),
        output:
            matrix=paths.kill_matrix_file(_kernel),
            report=paths.mutation_report_file(_kernel),
        params:
            content=snakefile_support.content(PLAN, "mutant_composite_matrix", _kernel, metal=True),
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"mutant_matrix_{_kernel}",
                {
                    "matrix": mutation_dag.composite_matrix_params(PLAN, _kernel, config),
                    "backends": [MUTATION["backend"]],
                },
            ),
        log:
            paths.mutation_matrix_log(_kernel),
        conda:
            f"../{ENV}"
        shell:
            "python scripts/mutant_composite_matrix.py {log:q} {params.job:q} <<< {params.files:q}"


rule mutants:
    input:
        matrices=[paths.kill_matrix_file(k) for k in (*MUTANT_KERNELS, *COMPOSITES)],
        code=PLAN.code("mutant_gate"),
    params:
        files=snakefile_support.files,
        job=snakefile_support.job("mutants", {}),
    log:
        paths.MUTATION_GATE_LOG,
    conda:
        f"../{ENV}"
    shell:
        "python scripts/mutant_gate.py {log:q} {params.job:q} <<< {params.files:q}"
