"""The artifact layout (docs/DESIGN.md), as relative paths from the project root.

One module owns every path so the Snakefile, the rule scripts, ``accept`` and the
DVC/mutation code agree on where things live.  Paths are relative (POSIX) so
they can go into checksum files and stay machine-independent.
"""

from __future__ import annotations

from pathlib import Path

from fixturepipe.spec import KernelSpec

ARTIFACTS = "artifacts"
GOLDEN_ROOT = f"{ARTIFACTS}/fixtures"
GOLDEN_MANIFEST = f"{ARTIFACTS}/golden.sha256"
MANIFEST = f"{ARTIFACTS}/SHA256SUMS"
VERIFY_DIR = f"{ARTIFACTS}/verify"
FIGURES_DIR = f"{VERIFY_DIR}/figures"
METRICS_FILE = f"{VERIFY_DIR}/metrics.json"
VERIFY_REPORT_JSON = f"{VERIFY_DIR}/report.json"
VERIFY_REPORT_MD = f"{VERIFY_DIR}/report.md"
VERIFY_REPORT_HTML = f"{VERIFY_DIR}/report.html"
LOG_DIR = f"{ARTIFACTS}/logs"

# File names inside a fixture's generated, run and reproduce folders.
GENERATE_PROVENANCE = "generate.provenance.json"
RUN_JSON = "run.json"
RUN_PROVENANCE = "run.provenance.json"
COMPARE_JSON = "compare.json"
REPRODUCIBILITY_JSON = "reproducibility.json"


def generated_dir(kernel: str, fixture: str) -> str:
    """What ``inputs``/``reference`` produce now from config + code."""
    return f"{ARTIFACTS}/generated/{kernel}/{fixture}"


def golden_dir(kernel: str, fixture: str) -> str:
    """The accepted bytes (DVC-tracked); written only by ``accept``."""
    return f"{GOLDEN_ROOT}/{kernel}/{fixture}"


def run_dir(backend: str, kernel: str, fixture: str) -> str:
    """Kernel outputs, ``run.json``, ``compare.json`` for one backend."""
    return f"{ARTIFACTS}/runs/{backend}/{kernel}/{fixture}"


def stage_run_dir(backend: str, composite: str, fixture: str, stage_kernel: str) -> str:
    """One stage's kernel outputs and ``run.json`` inside a composite kernel's run."""
    return f"{run_dir(backend, composite, fixture)}/stages/{stage_kernel}"


def figures_dir(kernel: str, fixture: str) -> str:
    """The verify report's figures of one fixture (redrawn only when its results change)."""
    return f"{FIGURES_DIR}/{kernel}/{fixture}"


def reproduce_dir(kernel: str, fixture: str) -> str:
    """``reproducibility.json``: generated vs golden bytes."""
    return f"{ARTIFACTS}/reproduce/{kernel}/{fixture}"


def input_file(spec: KernelSpec, name: str) -> str:
    """``<k>_input_<x>.bin`` (seed-script name)."""
    return f"{spec.name}_input_{name}.bin"


def reference_file(spec: KernelSpec, name: str) -> str:
    """``<k>_<y>_ref.bin`` (seed-script name)."""
    return f"{spec.name}_{name}_ref.bin"


def output_file(spec: KernelSpec, name: str) -> str:
    """``<k>_<y>.bin``: a kernel output in a run folder."""
    return f"{spec.name}_{name}.bin"


def meta_file(spec: KernelSpec) -> str:
    """``<k>_meta.json`` (seed-script name)."""
    return f"{spec.name}_meta.json"


def fixture_files(spec: KernelSpec) -> list[str]:
    """The file names of one fixture folder: inputs, references, meta (what ``accept`` copies)."""
    return (
        [input_file(spec, t.name) for t in spec.inputs]
        + [reference_file(spec, t.name) for t in spec.outputs]
        + [meta_file(spec)]
    )


# -- job logs: one per job under artifacts/logs/, never checksummed.
def rule_log(rule: str) -> str:
    """The log of a whole-project rule (``verify``, ``checksums``, ``accept``)."""
    return f"{LOG_DIR}/{rule}.log"


def fixture_log(step: str, kernel: str, fixture: str) -> str:
    """The log of a per-fixture job that runs no kernel (``inputs``, ``reference``,
    ``reproduce``)."""
    return f"{LOG_DIR}/{step}/{kernel}/{fixture}.log"


def run_log(step: str, backend: str, kernel: str, fixture: str) -> str:
    """The log of a per-fixture job on one backend (``kernel``, ``compare``)."""
    return f"{LOG_DIR}/{step}/{backend}/{kernel}/{fixture}.log"


def stage_log(backend: str, composite: str, fixture: str, stage_kernel: str) -> str:
    """The log of one stage's kernel job inside a composite kernel's run."""
    return f"{LOG_DIR}/kernel/{backend}/{composite}/{fixture}/{stage_kernel}.log"


# -- mutation testing (docs/mutants.md): everything under artifacts/mutants/ and
# artifacts/logs/mutants/, so mutant jobs never touch the real kernel's runs.
MUTANTS_ROOT = f"{ARTIFACTS}/mutants"
MUTANT_LOG_DIR = f"{LOG_DIR}/mutants"
MUTATION_GATE_LOG = f"{MUTANT_LOG_DIR}/gate.log"


def mutants_dir(kernel: str) -> str:
    """artifacts/mutants/<kernel>: everything mutation testing writes for one kernel."""
    return f"{MUTANTS_ROOT}/{kernel}"


def mutant_inputs_file(kernel: str) -> str:
    """sha256 of every file a kernel's mutant jobs read: their one input, so Snakemake's
    scheduler weighs two files per mutant job, not a hundred."""
    return f"{mutants_dir(kernel)}/inputs.sha256"


def mutant_inputs_log(kernel: str) -> str:
    """The log of the job that writes ``mutant_inputs_file``."""
    return f"{MUTANT_LOG_DIR}/{kernel}/inputs.log"


def mutant_result_file(kernel: str, mutant: str) -> str:
    """One mutant's outcome on every fixture (deterministic JSON)."""
    return f"{mutants_dir(kernel)}/results/{mutant}.json"


def mutant_result_provenance(kernel: str, mutant: str) -> str:
    """Times and host of one mutant's job."""
    return f"{mutants_dir(kernel)}/results/{mutant}.provenance.json"


def mutant_source_file(kernel: str, mutant: str) -> str:
    """The mutated Metal source, where compile errors of the mutant point."""
    return f"{mutants_dir(kernel)}/sources/{mutant}.metal"


def kill_matrix_file(kernel: str) -> str:
    """The kill matrix, scores and unique kills of one kernel."""
    return f"{mutants_dir(kernel)}/kill_matrix.json"


def mutation_report_file(kernel: str) -> str:
    """The readable Markdown mutation report of one kernel."""
    return f"{mutants_dir(kernel)}/report.md"


def mutation_html_report_file(kernel: str) -> str:
    """The mutation report as a self-contained HTML page (source view, kill heatmap)."""
    return f"{mutants_dir(kernel)}/report.html"


def mutant_log_file(kernel: str, mutant: str) -> str:
    """A mutant job's log."""
    return f"{MUTANT_LOG_DIR}/{kernel}/{mutant}.log"


def mutation_matrix_log(kernel: str) -> str:
    """The log of a kernel's kill-matrix job."""
    return f"{MUTANT_LOG_DIR}/{kernel}/matrix.log"


def chain_inputs_file(composite: str, stage: str) -> str:
    """sha256 of every file the chain jobs of one stage's mutants read (their one input)."""
    return f"{mutants_dir(composite)}/chain/{stage}/inputs.sha256"


def chain_inputs_log(composite: str, stage: str) -> str:
    """The log of the job that writes ``chain_inputs_file``."""
    return f"{MUTANT_LOG_DIR}/{composite}/{stage}/inputs.log"


def chain_result_file(composite: str, stage: str, mutant: str) -> str:
    """One stage mutant's outcome through the composite's chain on its end-to-end fixtures."""
    return f"{mutants_dir(composite)}/chain/{stage}/{mutant}.json"


def chain_result_provenance(composite: str, stage: str, mutant: str) -> str:
    """Times and host of one chain mutant's job."""
    return f"{mutants_dir(composite)}/chain/{stage}/{mutant}.provenance.json"


def chain_log_file(composite: str, stage: str, mutant: str) -> str:
    """A chain mutant job's log."""
    return f"{MUTANT_LOG_DIR}/{composite}/{stage}/{mutant}.log"


def relative(path: Path, root: Path) -> str:
    """``path`` as a POSIX path relative to ``root`` (resolved), so it can be a Snakemake
    input or go into a checksum file; a path outside ``root`` stays as it is."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
