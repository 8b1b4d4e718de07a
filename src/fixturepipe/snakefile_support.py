"""Helpers the Snakefile calls (kept out of it so ``snakemake --lint`` stays clean).

No numpy/MLX imports: this is loaded on every Snakemake invocation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from snakemake.exceptions import WorkflowError

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


def per_fixture(lookup: Callable[[str, str], Any], kernel: str) -> Callable[[Any], Any]:
    """An input function ``wildcards -> lookup(kernel, wildcards.fixture)``.

    A golden fixture whose files are absent raises :class:`GoldenMissingError`
    inside ``lookup``; it becomes a :class:`WorkflowError` so Snakemake stops
    while building the DAG, before any job, with the "run `dvc pull`" sentence.
    """

    def inputs(wildcards: Any) -> Any:
        try:
            return lookup(kernel, wildcards.fixture)
        except GoldenMissingError as exc:
            raise WorkflowError(str(exc)) from None

    return inputs
