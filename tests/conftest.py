"""Suite-wide hooks: test order under mutmut, and a check that xdist grouped the Slurm tests.

Test order while mutmut runs a mutant (`make mutation-self`, docs/self_mutation.md):
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


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail an ``xdist_group`` test that ``--dist loadgroup`` has not grouped, before its fixtures.

    xdist groups a marked test by adding ``@<group>`` to its node id in each worker;
    with pytest 9.2 that change is silently lost (pytest-xdist#1386), the Slurm tests
    land on both workers, and each worker's test cluster waits for the other's.
    """
    # xdist sets option.loadgroup in each worker when the run is --dist loadgroup.
    grouped = item.get_closest_marker("xdist_group") is not None
    if grouped and getattr(item.config.option, "loadgroup", False) and "@" not in item.nodeid:
        pytest.fail(
            "--dist loadgroup did not group this xdist_group test: this pytest and "
            "pytest-xdist pair loses the group (pytest-xdist#1386). Use the versions "
            "pinned in pyproject.toml (make install).",
            pytrace=False,
        )
