"""The executor's code-generation target: fixed per (OS, architecture), never the host's."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest

from fixturepipe.metal_cpu import toolchain
from fixturepipe.metal_cpu.errors import UnsupportedMetalError
from fixturepipe.metal_cpu.toolchain import Target, host_target, pick_target, target_named

SRC = Path(toolchain.__file__).parent

# Every spelling of (platform, machine) Python reports on the supported systems:
# platform.system() / sys.platform, and platform.machine() on Linux and macOS.
PAIRS = [
    (system, machine, expected)
    for system, os_name in (("Linux", "linux"), ("linux", "linux"), ("Darwin", "macos"),
                            ("darwin", "macos"))
    for machine, arch in (("x86_64", "x86_64"), ("AMD64", "x86_64"), ("amd64", "x86_64"),
                          ("aarch64", "aarch64"), ("arm64", "aarch64"), ("ARM64", "aarch64"))
    for expected in [toolchain.TARGETS[(os_name, arch)]]
]


@pytest.mark.parametrize(("system", "machine", "expected"), PAIRS)
def test_pick_target_for_every_platform_and_machine(
    system: str, machine: str, expected: Target
) -> None:
    assert pick_target(system, machine) == expected


def test_the_four_targets_are_fixed_baselines() -> None:
    assert {k: (t.triple, t.cpu) for k, t in toolchain.TARGETS.items()} == {
        ("linux", "x86_64"): ("x86_64-linux-gnu", "x86_64_v2"),
        ("linux", "aarch64"): ("aarch64-linux-gnu", "generic"),
        ("macos", "x86_64"): ("x86_64-macos", "x86_64_v2"),
        ("macos", "aarch64"): ("aarch64-macos", "apple_m1"),
    }


@pytest.mark.parametrize(
    ("system", "machine"),
    [("Windows", "AMD64"), ("FreeBSD", "amd64"), ("Linux", "riscv64"), ("Darwin", "i386"),
     ("Linux", "armv7l"), ("Linux", "ppc64le")],
)
def test_unsupported_platforms_get_a_sentence(system: str, machine: str) -> None:
    with pytest.raises(UnsupportedMetalError, match=f"this is {system} on {machine}"):
        pick_target(system, machine)


def test_host_target_is_the_table_entry_for_this_machine() -> None:
    assert host_target() == pick_target(platform.system(), platform.machine())


def test_target_named_accepts_triples_with_and_without_abi() -> None:
    assert target_named("aarch64-macos").cpu == "apple_m1"
    assert target_named("x86_64-linux") == target_named("x86_64-linux-gnu")
    with pytest.raises(UnsupportedMetalError, match="unknown target 'riscv64-linux'"):
        target_named("riscv64-linux")


def test_no_host_dependent_code_generation_anywhere() -> None:
    """No -mcpu=native / -march=native in the toolchain, the benchmarks or the runtime."""
    repo = SRC.parents[3]
    files = [*SRC.rglob("*.py"), *SRC.rglob("*.h"), *SRC.rglob("*.S"),
             *(repo / "bench").glob("*.py")]
    offenders = [
        str(f) for f in files if re.search(r"-m(cpu|arch|tune)=native", f.read_text())
    ]
    assert offenders == []
    for target in toolchain.TARGETS.values():
        cmd = toolchain.zig_command(target)
        assert cmd[-3:] == ["-target", target.triple, f"-mcpu={target.cpu}"]


def test_cache_key_and_binary_name_depend_on_the_target(tmp_path: Path, monkeypatch) -> None:
    """Binaries for two targets never share a cache entry; provenance names the target."""
    monkeypatch.setenv("FIXTUREPIPE_CACHE_DIR", str(tmp_path))
    tu = '#include "metal_types.h"\nint main() { return 0; }\n'
    a = toolchain.compile_kernel(tu, "k", target=target_named("x86_64-linux-gnu"))
    b = toolchain.compile_kernel(tu, "k", target=target_named("aarch64-linux-gnu"))
    assert a.path != b.path and "x86_64-linux-gnu" in a.path.name
    assert a.target.describe()["cpu"] == "x86_64_v2"
    assert toolchain.compile_kernel(tu, "k", target=target_named("x86_64-linux-gnu")).cached


def test_cache_key_covers_every_runtime_file(tmp_path: Path, monkeypatch) -> None:
    """A header added to runtime/ (or edited) changes the key: no stale binary."""
    import shutil

    runtime = tmp_path / "runtime"
    shutil.copytree(toolchain.RUNTIME_DIR, runtime)
    monkeypatch.setattr(toolchain, "RUNTIME_DIR", runtime)
    toolchain._toolchain_fingerprint.cache_clear()
    try:
        before = toolchain._toolchain_fingerprint()
        (runtime / "metal_new_feature.h").write_text("// new\n")
        toolchain._toolchain_fingerprint.cache_clear()
        assert toolchain._toolchain_fingerprint() != before
    finally:
        toolchain._toolchain_fingerprint.cache_clear()
