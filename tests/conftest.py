"""Test order while mutmut runs a mutant (`make mutation-self`, docs/self_mutation.md).

mutmut hands pytest the tests that reach a mutant in no particular order and stops at
the first failure (``-x``). Running them fastest first (the durations mutmut measured
in its stats run) kills a mutant with its cheapest failing test. Any other run keeps
pytest's order; the set of tests run, and so a mutant's verdict, is the same.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest


@functools.cache
def _mutmut_durations() -> dict[str, float]:
    """``{test id: seconds}`` from mutmut's stats file (the working directory is mutants/)."""
    stats = Path("mutmut-stats.json")
    return json.loads(stats.read_text())["duration_by_test"] if stats.is_file() else {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    durations = _mutmut_durations()
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
