"""Helpers the Snakefile calls (kept out of it so ``snakemake --lint`` stays clean).

No numpy/MLX imports: this is loaded on every Snakemake invocation.
"""

from __future__ import annotations

import glob
import json
import os
import threading
from collections.abc import Callable, Mapping
from importlib.metadata import version
from typing import Any

from snakemake.exceptions import WorkflowError

from fixturepipe import dvc_integrity, fingerprint, paths
from fixturepipe.golden import GoldenMissingError


def cancel_rate_limiter_timers() -> None:
    """Let Snakemake exit as soon as the last job is done (call from onsuccess/onerror).

    Snakemake 9.27's job-rate limiter re-arms a non-daemon 1 s ``threading.Timer``
    after each scheduling round, so the process lingers up to 1 s after the
    workflow finished (measured: 2.0 s -> 1.0 s for a one-job run).  Its
    sub-second setting cannot help: ``--max-jobs-per-timespan 100/100ms`` parses
    as 100 minutes.  The scheduler is done when these handlers run, so
    cancelling its timers changes nothing else.
    """
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


def check_yaml_syntax(path: str) -> None:
    """Stop with the file, line and column of a YAML syntax error in ``path`` (if it exists).

    Snakemake's ``configfile:`` reports only "Config file is not valid JSON or
    YAML", so the Snakefile calls this first on the config it names.
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            yaml.safe_load(handle)
    except FileNotFoundError:
        return  # Snakemake's own message names the missing file
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        context = f" ({exc.context})" if exc.context else ""
        raise WorkflowError(
            f"{path}: YAML syntax error at {where}: {exc.problem}{context}. Fix that line "
            "(mind indentation: spaces only, items of a list aligned)."
        ) from None


def numeric_stack() -> dict[str, str]:
    """The versions of what computes fixture bytes, as a tracked rule param.

    Generated inputs and references depend on numpy (its RNG streams and the
    LAPACK it bundles); Snakemake reruns a rule when a param changes, so an
    upgrade regenerates ``artifacts/generated/`` and verify's reproducibility
    check compares fresh bytes with the golden ones.  Read from package
    metadata: importing numpy here would slow every Snakemake start.
    """
    return {"numpy": version("numpy")}


def per_fixture(lookup: Callable[[str, str], Any], kernel: str) -> Callable[[Any], Any]:
    """An input function ``wildcards -> lookup(kernel, wildcards.fixture)``.

    A golden fixture whose files are absent raises :class:`GoldenMissingError`
    inside ``lookup``; it becomes a :class:`WorkflowError` so Snakemake stops
    while building the DAG, before any job, with the "run `dvc pull`" sentence
    and, when a DVC object of a missing file is corrupted, which one.
    """

    def inputs(wildcards: Any) -> Any:
        try:
            return lookup(kernel, wildcards.fixture)
        except GoldenMissingError as exc:
            corrupted = dvc_integrity.corrupted_objects(".", exc.missing)
            raise WorkflowError(" ".join([str(exc), *corrupted])) from None

    return inputs


def job(
    rule: str, params: Callable[[Any], Mapping[str, Any]] | Mapping[str, Any]
) -> Callable[[Any], str]:
    """The ``job`` param of a rule: its rule name, wildcards and own params, as one JSON string.

    Rules run their script with ``shell:`` (``python scripts/x.py <log> <job> <<< <files>``)
    rather than ``script:``: that skips Snakemake's script preamble (pickling the
    job, importing snakemake in the child), about 0.1 s of CPU per job.  The
    returned function takes ``wildcards`` only, so Snakemake's params rerun
    trigger tracks it: a change of a fixture's params reruns the job, and each
    rule states its params once, here.  (A params function that takes
    ``input``/``output`` is "derived" and ignored by that trigger; the file names
    travel separately, in :func:`files`.)
    :func:`fixturepipe.rulescript.main` turns both back into an object shaped like
    Snakemake's ``snakemake``.
    """

    def describe(wildcards: Any) -> str:
        own = params(wildcards) if callable(params) else params
        return json.dumps(
            {"rule": rule, "wildcards": dict(wildcards.items()), "params": dict(own)}
        )  # insertion order kept: generator params reach the meta file in config order

    return describe


def files(wildcards: Any, input: Any, output: Any) -> str:
    """The ``files`` param of a rule: its named inputs and outputs, as one JSON string.

    Named inputs except ``code`` (listed only so code edits rerun the rule).  A
    derived param (Snakemake passes ``wildcards`` first): file changes are tracked
    by Snakemake's input triggers, not by this.
    """
    return json.dumps(
        {
            "input": {k: _plain(v) for k, v in input.items() if k != "code"},
            "output": {k: _plain(v) for k, v in output.items()},
        }
    )


def _plain(value: Any) -> Any:
    return value if isinstance(value, str) else [str(v) for v in value]


def last_verify_report(report: Callable[..., Any],
                       source: Callable[[str], Any]) -> Callable[[Any], list[Any]]:
    """Input function of ``verify``: the last verify run's report.html, metrics file and
    figures, flagged with Snakemake's ``report()`` (passed in: a Snakefile global) so that
    ``snakemake --report`` includes them with captions.  ``verify`` has no outputs (it must
    check golden integrity on every run), so what it wrote last time is offered as input;
    only files that exist are listed, so a fresh clone's DAG is unchanged.  ``source``
    (``workflow.current_basedir.join``) makes caption paths what Snakemake's report reads:
    it resolves them itself only for files listed literally in a rule."""

    def files(wildcards: Any) -> list[Any]:
        def caption(name: str) -> Any:
            return source(f"rules/report/{name}.rst")

        found = []
        for path, name in ((paths.VERIFY_REPORT_HTML, "verify"),
                           (paths.METRICS_FILE, "metrics")):
            if os.path.isfile(path):
                found.append(report(path, caption=caption(name), category="Verify"))
        for png in sorted(glob.glob(f"{paths.FIGURES_DIR}/*/*/*.png")):
            kernel, fixture, name = png.split("/")[-3:]
            output, kind = name.split(".")[:2]
            found.append(report(png, caption=caption(kind), category="Figures",
                                subcategory=kernel, labels={"fixture": fixture,
                                                            "output": output, "figure": kind}))
        return found

    return files


def content(
    plan: Any, rule: str, kernel: str | None = None, *, metal: bool = False,
    golden: bool = False, toolchain: bool = False, stage: str | None = None,
) -> Callable[[Any], dict[str, Any]]:
    """The ``content`` param of a rule: sha256 of what decides its result (a tracked param).

    The code the rule runs (``plan.code(rule, kernel)``), the kernel's spec (for a
    per-kernel rule), with ``metal`` its Metal source and header, with
    ``golden`` the ``golden.sha256`` entries of the fixture's golden files,
    with ``toolchain`` the MLX and zig versions.  With ``stage`` (one stage of the
    composite ``kernel``), that stage kernel's spec, and with ``metal`` only its Metal.
    See :mod:`fixturepipe.fingerprint` for why mtimes are not enough.
    """
    deciding: list[Any] = list(plan.code(rule, kernel))
    if kernel is not None:
        spec = plan.specs[kernel]
        if stage is not None:
            deciding.append(spec.path)
            spec = spec.stage_specs[stage]
        deciding += [spec.path, *(spec.code_files() if metal else [])]

    def golden_sums(fixture: str) -> dict[str, str]:
        prefix = paths.golden_dir(kernel, fixture) + "/"
        return {p: h for p, h in plan.golden_sums.items() if p.startswith(prefix)}

    return fingerprint.content_param(
        plan.root, deciding, golden_sums if golden and kernel else None, toolchain
    )


def verify_params(plan: Any, config: Mapping[str, Any]) -> dict[str, Any]:
    """What ``scripts/verify.py`` checks besides the results: sources, coverage, partial flag.

    ``sources`` maps each fixture to its kernel's Metal files (name -> path), to
    compare with the hashes its run recorded; ``configured`` lists the fixtures
    of the effective config, to report golden fixtures it leaves out.
    """
    return {
        "sources": {
            f.key: {
                p.name: paths.relative(p, plan.root) for p in plan.specs[f.kernel].code_files()
            }
            for f in plan.targets
        },
        "configured": [f.key for f in plan.targets],
        "kernels": list(plan.kernels),
        "partial": config.get("partial", False) in (True, "true"),
    }


def run_provenance(plan: Any) -> list[str]:
    """``run.provenance.json`` of every fixture verify covers (checked against the sources)."""
    return [
        f"{paths.run_dir(f.backend, f.kernel, f.name)}/{paths.RUN_PROVENANCE}" for f in plan.targets
    ]
