"""Shared fixtures of the CPU executor's conformance suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _hermetic_kernel_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compile into a per-session cache so results never depend on an earlier run."""
    old = os.environ.get("FIXTUREPIPE_CACHE_DIR")
    os.environ["FIXTUREPIPE_CACHE_DIR"] = str(tmp_path_factory.mktemp("metal_cpu_cache"))
    yield
    if old is None:
        del os.environ["FIXTUREPIPE_CACHE_DIR"]
    else:
        os.environ["FIXTUREPIPE_CACHE_DIR"] = old
