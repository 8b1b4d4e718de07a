# Fixture pipeline: inputs -> reference -> kernel -> compare -> checksums -> verify.
# The contract is docs/DESIGN.md; usage is docs/pipeline.md. Rules are generated per
# kernel folder (kernels/<name>/spec.yaml), so adding a kernel adds no rule here.
import os
import shlex
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from fixturepipe import cluster, config_checks, paths, snakefile_support
from fixturepipe import plan as fixture_plan
from fixturepipe.config_checks import ConfigError
from fixturepipe.spec import SpecError


snakefile_support.check_yaml_syntax("config/config.yaml")  # line and column of a typo


configfile: "config/config.yaml"


try:
    # Friendly first pass (all errors, fixtures named), then Snakemake's validate (defaults).
    CONFIGFILES = ", ".join(str(c) for c in workflow.configfiles)
    config_checks.check_schema(config, f"{workflow.basedir}/config/schema.yaml", CONFIGFILES)
    validate(config, "config/schema.yaml")
    PLAN = fixture_plan.build(config, workflow.basedir, workflow.configfiles)
except (ConfigError, SpecError) as exc:
    raise WorkflowError(str(exc)) from None


# Input functions: a golden fixture reads golden files, a candidate its generated ones.
inputs_of = lambda k, f: list(PLAN.fixture_inputs(k, f).values())
references_of = lambda k, f: list(PLAN.fixture_references(k, f).values())
chained_of = lambda k, f: list(PLAN.chained_inputs(k, f).values())  # upstream generated files
# Each rule states its params once, in `job` (a function of wildcards only, so Snakemake's
# params trigger reruns the job when they change); `files` adds its named inputs and
# outputs. Both reach the script as JSON: `python scripts/<x>.py <log> <job> <files>`.
# Rule commands run `python` from the environment running Snakemake (the project's .venv),
# whether or not it is activated. One OpenBLAS thread per job: jobs already run in
# parallel, and OpenBLAS's thread pool start-up doubles numpy's import CPU (0.11 -> 0.05 s).
shell.prefix(
    "set -euo pipefail; export OPENBLAS_NUM_THREADS=${{OPENBLAS_NUM_THREADS:-1}}; "
    f"export PATH={shlex.quote(os.path.dirname(sys.executable))}:$PATH; "
)
NUMERIC_STACK = snakefile_support.numeric_stack()
ENV = "config/conda-env.yaml"  # used only with --sdm conda; .venv otherwise


# With --executor slurm: refuse to start when the cluster cannot report job status (docs/cluster.md).
onstart:
    cluster.check_slurm(workflow)


# Snakemake 9.27 lingers up to 1 s after the last job (see snakefile_support).
onsuccess:
    snakefile_support.cancel_rate_limiter_timers()


onerror:
    snakefile_support.cancel_rate_limiter_timers()


wildcard_constraints:
    fixture=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    backend=r"cpu|metal",


localrules:
    verify,
    checksums,
    accept,


rule verify:
    input:
        compares=[PLAN.compare_file(f) for f in PLAN.targets],
        reproductions=[PLAN.reproduce_file(f) for f in PLAN.targets if f.golden],
        provenance=snakefile_support.run_provenance(PLAN),
        sums=paths.MANIFEST,
        code=PLAN.code("verify"),
        # For `snakemake --report`: what the last verify wrote (report(), with captions).
        last_report=snakefile_support.last_verify_report(report, workflow.current_basedir.join),
    log:
        paths.rule_log("verify"),
    conda:
        ENV
    params:
        files=snakefile_support.files,
        job=snakefile_support.job("verify", snakefile_support.verify_params(PLAN, config)),
    shell:
        "python scripts/verify.py {log:q} {params.job:q} <<< {params.files:q}"


rule checksums:
    input:
        files=PLAN.checksummed_files(),
        code=PLAN.code("checksums"),
    output:
        sums=paths.MANIFEST,
    log:
        paths.rule_log("checksums"),
    conda:
        ENV
    params:
        content=snakefile_support.content(PLAN, "checksums"),
        files=snakefile_support.files,
        job=snakefile_support.job("checksums", {}),
    shell:
        "python scripts/checksums.py {log:q} {params.job:q} <<< {params.files:q}"


rule accept:
    input:
        generated=PLAN.accept_inputs(),
        code=PLAN.code("accept"),
    params:
        files=snakefile_support.files,
        job=snakefile_support.job(
            "accept", {"fixtures": {f.key: str(PLAN.specs[f.kernel].path) for f in PLAN.targets}}
        ),
    log:
        paths.rule_log("accept"),
    conda:
        ENV
    shell:
        "python scripts/accept.py {log:q} {params.job:q} <<< {params.files:q}"


for kernel, spec in PLAN.specs.items():
    generated = paths.generated_dir(kernel, "{fixture}")
    golden = paths.golden_dir(kernel, "{fixture}")
    run_dir = paths.run_dir("{backend}", kernel, "{fixture}")
    inputs_out = [f"{generated}/{paths.input_file(spec, t.name)}" for t in spec.inputs]
    refs_out = [f"{generated}/{paths.reference_file(spec, t.name)}" for t in spec.outputs]
    meta_out = f"{generated}/{paths.meta_file(spec)}"
    # What kernel_<k> writes, plain or composite, and what compare_<k> reads of it.
    run_outputs = [f"{run_dir}/{paths.output_file(spec, t.name)}" for t in spec.outputs]
    run_json = f"{run_dir}/{paths.RUN_JSON}"
    kernel_job = snakefile_support.job(
        f"kernel_{kernel}",
        lambda w, k=kernel: {"kernel": k, "fixture": PLAN.fixture(k, w.fixture).kernel_params()},
    )

    rule:
        name:
            f"inputs_{kernel}"
        input:
            spec=str(spec.path),
            chained=snakefile_support.per_fixture(chained_of, kernel),
            imported=snakefile_support.per_fixture(PLAN.imported_files, kernel),
            code=PLAN.code("inputs", kernel),
        output:
            inputs=inputs_out,
            meta=meta_out,
            provenance=f"{generated}/{paths.GENERATE_PROVENANCE}",
        params:
            content=snakefile_support.content(PLAN, "inputs", kernel),
            # A numpy upgrade (its RNG, its bundled LAPACK) regenerates, so verify's
            # reproducibility check compares fresh bytes, not files from before it.
            software=NUMERIC_STACK,
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"inputs_{kernel}",
                lambda w, k=kernel: {
                    "kernel": k,
                    "fixture": PLAN.fixture(k, w.fixture).generation_params(),
                    "chained": PLAN.chained_inputs(k, w.fixture),
                },
            ),
        log:
            paths.fixture_log("inputs", kernel, "{fixture}"),
        conda:
            ENV
        shell:
            "python scripts/inputs.py {log:q} {params.job:q} <<< {params.files:q}"

    rule:
        name:
            f"reference_{kernel}"
        input:
            spec=str(spec.path),
            inputs=inputs_out,
            imported=snakefile_support.per_fixture(PLAN.imported_files, kernel),
            code=PLAN.code("reference", kernel),
        output:
            refs=refs_out,
        params:
            content=snakefile_support.content(PLAN, "reference", kernel),
            software=NUMERIC_STACK,
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"reference_{kernel}",
                lambda w, k=kernel: {"kernel": k, "fixture": PLAN.fixture(k, w.fixture).reference_params()},
            ),
        log:
            paths.fixture_log("reference", kernel, "{fixture}"),
        conda:
            ENV
        shell:
            "python scripts/reference.py {log:q} {params.job:q} <<< {params.files:q}"

    # A composite kernel (spec `stages:`) runs each stage's kernel in a job of its own, on the
    # previous stages' kernel outputs (docs/pipeline.md "Composite kernels").
    for stage in spec.stages:
        stage_spec = spec.stage_specs[stage.kernel]
        stage_dir = paths.stage_run_dir("{backend}", kernel, "{fixture}", stage.kernel)
        upstream = {up for up, _ in stage.upstream().values()}

        rule:
            name:
                f"stage_{kernel}_{stage.kernel}"
            input:
                spec=str(spec.path),
                stage_spec=str(stage_spec.path),
                metal=[str(p) for p in stage_spec.code_files()],
                inputs=snakefile_support.per_fixture(inputs_of, kernel),
                upstream=PLAN.stage_files(kernel, "{backend}", "{fixture}", upstream),
                code=PLAN.code("stage_kernel"),
            output:
                outputs=[f"{stage_dir}/{paths.output_file(stage_spec, t.name)}" for t in stage_spec.outputs],
                run=f"{stage_dir}/{paths.RUN_JSON}",
                provenance=f"{stage_dir}/{paths.RUN_PROVENANCE}",
            params:
                content=snakefile_support.content(
                    PLAN, "stage_kernel", kernel, stage=stage.kernel, metal=True, golden=True, toolchain=True
                ),
                files=snakefile_support.files,
                job=snakefile_support.job(
                    f"stage_{kernel}_{stage.kernel}",
                    lambda w, k=kernel, s=stage.kernel: {
                        "kernel": k,
                        "stage": s,
                        "fixture": PLAN.fixture(k, w.fixture).kernel_params(),
                    },
                ),
            log:
                paths.stage_log("{backend}", kernel, "{fixture}", stage.kernel),
            conda:
                ENV
            shell:
                "python scripts/stage_kernel.py {log:q} {params.job:q} <<< {params.files:q}"

    if spec.is_composite:

        rule:
            name:
                f"kernel_{kernel}"
            input:
                spec=str(spec.path),
                stages=PLAN.stage_files(kernel, "{backend}", "{fixture}"),
                provenance=[
                    f"{paths.stage_run_dir('{backend}', kernel, '{fixture}', s.kernel)}/{paths.RUN_PROVENANCE}"
                    for s in spec.stages
                ],
                code=PLAN.code("composite_kernel", kernel),
            output:
                outputs=run_outputs,
                run=run_json,
                provenance=f"{run_dir}/{paths.RUN_PROVENANCE}",
            params:
                content=snakefile_support.content(PLAN, "composite_kernel", kernel),
                files=snakefile_support.files,
                job=kernel_job,
            log:
                paths.run_log("kernel", "{backend}", kernel, "{fixture}"),
            conda:
                ENV
            shell:
                "python scripts/composite_kernel.py {log:q} {params.job:q} <<< {params.files:q}"

    else:

        rule:
            name:
                f"kernel_{kernel}"
            input:
                spec=str(spec.path),
                metal=[str(p) for p in spec.code_files()],
                inputs=snakefile_support.per_fixture(inputs_of, kernel),
                code=PLAN.code("kernel", kernel),
            output:
                outputs=run_outputs,
                run=run_json,
                provenance=f"{run_dir}/{paths.RUN_PROVENANCE}",
            params:
                content=snakefile_support.content(
                    PLAN, "kernel", kernel, metal=True, golden=True, toolchain=True
                ),
                files=snakefile_support.files,
                job=kernel_job,
            log:
                paths.run_log("kernel", "{backend}", kernel, "{fixture}"),
            conda:
                ENV
            shell:
                "python scripts/kernel.py {log:q} {params.job:q} <<< {params.files:q}"

    rule:
        name:
            f"compare_{kernel}"
        input:
            spec=str(spec.path),
            run=run_json,
            outputs=run_outputs,
            refs=snakefile_support.per_fixture(references_of, kernel),
            inputs=snakefile_support.per_fixture(inputs_of, kernel),
            stages=PLAN.stage_files(kernel, "{backend}", "{fixture}"),  # a composite's bisect
            code=PLAN.code("compare", kernel),
        output:
            compare=f"{run_dir}/{paths.COMPARE_JSON}",
        params:
            content=snakefile_support.content(PLAN, "compare", kernel, golden=True),
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"compare_{kernel}",
                lambda w, k=kernel: {"kernel": k, "fixture": PLAN.fixture(k, w.fixture).compare_params()},
            ),
        log:
            paths.run_log("compare", "{backend}", kernel, "{fixture}"),
        conda:
            ENV
        shell:
            "python scripts/compare.py {log:q} {params.job:q} <<< {params.files:q}"

    rule:
        name:
            f"reproduce_{kernel}"
        input:
            spec=str(spec.path),
            generated=inputs_out + refs_out + [meta_out],
            golden=snakefile_support.per_fixture(PLAN.present_golden_files, kernel),
            code=PLAN.code("reproduce", kernel),
        output:
            reproducibility=f"{paths.reproduce_dir(kernel, '{fixture}')}/{paths.REPRODUCIBILITY_JSON}",
        params:
            content=snakefile_support.content(PLAN, "reproduce", kernel, golden=True),
            files=snakefile_support.files,
            job=snakefile_support.job(
                f"reproduce_{kernel}",
                lambda w, k=kernel: {"kernel": k, "fixture": PLAN.fixture(k, w.fixture).compare_params()},
            ),
        log:
            paths.fixture_log("reproduce", kernel, "{fixture}"),
        conda:
            ENV
        shell:
            "python scripts/reproduce.py {log:q} {params.job:q} <<< {params.files:q}"


include: "rules/mutants.smk"


# Cluster batches (profiles/slurm, docs/cluster.md): per-fixture and per-mutant jobs are
# grouped by their wildcards; Snakemake ignores groups in local runs.
cluster.batch_jobs(workflow)
