"""The harness every ``scripts/*.py`` rule body runs in: logging to the rule's ``log:`` file.

Keeps rule scripts to a few lines: they get the spec and the fixture (rebuilt
from the rule's params only, so what a job uses is what Snakemake tracks) and
write outputs; a traceback lands in the job's log as well as on stderr.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fixturepipe.config_checks import Fixture
from fixturepipe.spec import KernelSpec, load_spec

log = logging.getLogger("fixturepipe")


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
    spec = load_spec(smk.input.spec)
    fixture = Fixture.from_params(smk.params.kernel, smk.wildcards.fixture, smk.params.fixture)
    return spec, fixture
