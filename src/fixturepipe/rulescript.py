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
    (rule, wildcards, params; an argument) and :func:`~fixturepipe.snakefile_support.files`
    (inputs, outputs; standard input) hand to the script, with the same attribute names as
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


def main(body: Callable[[Any], None]) -> None:
    """Entry point of ``scripts/*.py``: ``python scripts/x.py <log> <job json> <<< <files json>``.

    The files JSON comes on standard input, not as an argument: it names every input
    and output, and Linux refuses to exec a command with one argument over 128 KiB
    (MAX_ARG_STRLEN). The composite's mutation matrix names 6422 result files
    (590 KB); the checksum rule of today's 49 fixtures is at 84 KB and grows with
    the config. Snakemake writes such a long command to a script file for bash, so
    the here-string (``<<<``) never goes through exec.
    """
    if len(sys.argv) != 3 or sys.stdin.isatty():
        raise SystemExit(
            f"usage: {sys.argv[0]} LOG JOB_JSON <<< FILES_JSON (run by Snakemake's shell: rules)"
        )
    files = sys.stdin.read()
    if not files.strip():
        raise SystemExit(f"{sys.argv[0]}: no files JSON on standard input (usage: "
                         f"{sys.argv[0]} LOG JOB_JSON <<< FILES_JSON).")
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
