"""Shared fixtures of the CPU executor's conformance suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fixturepipe.metal_cpu import kernel as kernel_module
from fixturepipe.metal_cpu import toolchain


@pytest.fixture(scope="session", autouse=True)
def _hermetic_kernel_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compile into a per-run cache so results never depend on an earlier run.

    Under pytest-xdist the workers of one run share it (their base temp folders sit in
    the run's own folder): a kernel that tests on both workers build is compiled once.
    The cache's per-binary lock makes concurrent compiles of one kernel wait for the first.
    """
    old = os.environ.get("FIXTUREPIPE_CACHE_DIR")
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-<n>/, this run's; the workers' are pytest-<n>/popen-gw<i>/
    cache = base / "metal_cpu_cache"
    cache.mkdir(exist_ok=True)
    os.environ["FIXTUREPIPE_CACHE_DIR"] = str(cache)
    yield
    if old is None:
        del os.environ["FIXTUREPIPE_CACHE_DIR"]
    else:
        os.environ["FIXTUREPIPE_CACHE_DIR"] = old


MACOS_TARGETS = ("aarch64-macos", "x86_64-macos")
MACHO_64 = b"\xcf\xfa\xed\xfe"
# Modules whose kernels are built for other targets already, or that build none.
_NOT_CROSS_COMPILED = {"test_qemu", "test_targets", "test_cli", "test_translate", "test_signature"}


@pytest.fixture(autouse=True)
def _every_kernel_also_links_for_macos(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every kernel a test here compiles for this machine is also compiled and linked
    for aarch64-macos and x86_64-macos (Mach-O), so a Mac user never meets a build
    error CI could have seen. Race-check builds are Linux-only and not repeated."""
    if request.module.__name__.rsplit(".", 1)[-1] in _NOT_CROSS_COMPILED:
        yield
        return
    built: list[tuple[str, str]] = []
    compile_for_host = kernel_module.compile_kernel

    def recording(tu: str, name: str, *, race_check: bool = False, target=None):
        compiled = compile_for_host(tu, name, race_check=race_check, target=target)
        if not race_check and target is None:
            built.append((tu, name))
        return compiled

    monkeypatch.setattr(kernel_module, "compile_kernel", recording)
    yield
    for tu, name in built:
        for triple in MACOS_TARGETS:
            compiled = toolchain.compile_kernel(tu, name, target=toolchain.target_named(triple))
            assert compiled.path.read_bytes()[:4] == MACHO_64, f"{name}: not Mach-O for {triple}"
