"""The harness every ``scripts/*.py`` rule body runs in: logging to the rule's ``log:`` file.

Keeps rule scripts to a few lines: they get the spec and the fixture (rebuilt
from the rule's params only, so what a job uses is what Snakemake tracks) and
write outputs; a traceback lands in the job's log as well as on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec, load_spec

log = logging.getLogger("fixturepipe")


class _Named(dict):
    """A dict whose keys are also attributes, like Snakemake's ``Namedlist``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


class Job:
    """What a rule script sees: ``rule``, ``wildcards``, ``input``, ``output``, ``params``, ``log``.

    Built from the two JSON strings that :func:`fixturepipe.snakefile_support.job`
    (rule, wildcards, params) and :func:`~fixturepipe.snakefile_support.files`
    (inputs, outputs) put on the command line, with the same attribute names as
    Snakemake's ``snakemake`` object, so a script body works unchanged under
    ``script:`` or ``shell:``.
    """

    def __init__(self, description: str, files: str, log: str) -> None:
        data = json.loads(description)
        named = json.loads(files)
        self.rule: str = data["rule"]
        self.wildcards = _Named(data["wildcards"])
        self.input = _Named(named["input"])
        self.output = _Named(named["output"])
        self.params = _Named(data["params"])
        self.log = [log]


# Linux refuses to exec a command with one argument longer than this (MAX_ARG_STRLEN,
# 32 pages): a mutation matrix names every mutant's result file, 110 KB of JSON for
# fwd_h's 1253 mutants and 590 KB for the composite's 6422, so those rules pass their
# FILES_JSON on standard input (``-``), where no exec limit applies.
FROM_STDIN = "-"


def main(body: Callable[[Any], None]) -> None:
    """Entry point of ``scripts/*.py``: ``python scripts/x.py <log> <job json> <files json>``;
    a files argument of ``-`` reads the files JSON from standard input."""
    if len(sys.argv) != 4:
        raise SystemExit(
            f"usage: {sys.argv[0]} LOG JOB_JSON FILES_JSON|- (run by Snakemake's shell: rules)"
        )
    files = sys.stdin.read() if sys.argv[3] == FROM_STDIN else sys.argv[3]
    run(Job(sys.argv[2], files, sys.argv[1]), body)


def run(smk: Any, body: Callable[[Any], None]) -> None:
    """Run ``body(smk)`` with logging to ``smk.log[0]``; log and re-raise any exception."""
    path = Path(smk.log[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        log.info("rule %s, wildcards %s", smk.rule, dict(smk.wildcards.items()))
        body(smk)
    except Exception:
        log.exception("rule %s failed", smk.rule)
        raise
    finally:
        handler.close()


def spec_and_fixture(smk: Any) -> tuple[KernelSpec, Fixture]:
    """The kernel spec (input ``spec``) and the fixture (params ``kernel``, ``fixture``)."""
    spec = load_spec(smk.input.spec, validate=False)
    fixture = Fixture.from_params(smk.params.kernel, smk.wildcards.fixture, smk.params.fixture)
    return spec, fixture
