"""Compiling translated kernels with the pinned `ziglang` clang, cached on disk.

`zig cc -x c++` without a C++ standard library links only libc and compiles a
kernel in well under a second (`zig c++` would first build libc++, ~50 s cold).

Code generation never depends on the host: every (OS, architecture) has one fixed
target triple and CPU model (TARGETS), so a binary, and every bit a kernel writes,
is the same on any x86_64 or aarch64 machine of that OS (docs/metal_cpu.md,
"Platforms"). The target is part of the cache key and of run provenance.

Kernel binaries are cached under FIXTUREPIPE_CACHE_DIR (default
$XDG_CACHE_HOME/fixturepipe/metal_cpu) by sha256 of the translation unit, the
runtime sources, the flags, the zig version and the target. zig's own caches
(libc stubs, compiler-rt) live in FIXTUREPIPE_ZIG_CACHE_DIR (default
$XDG_CACHE_HOME/fixturepipe/zig), never in ~/.cache/zig, whose locks other zig
users hold. Concurrent processes compiling the same kernel serialise on an flock
(a waiter says whom it waits for, and gives up after the compile timeout) and
publish the binary with an atomic rename. A compile that runs longer than
FIXTUREPIPE_COMPILE_TIMEOUT seconds (default 300) is killed.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from .errors import CompileTimeoutError, MetalCompileError, MetalCpuError, UnsupportedMetalError
from .process import communicate_or_kill

log = logging.getLogger("fixturepipe.metal_cpu")

RUNTIME_DIR = Path(__file__).parent / "runtime"
DEFAULT_COMPILE_TIMEOUT = 300.0  # a cold zig cache builds libc stubs first (~10-60 s)

BASE_FLAGS = (
    "-std=c++17",
    "-O2",
    "-fno-exceptions",
    "-fno-rtti",
    # IEEE semantics as MLX's math_mode="safe": no contraction into FMAs (a * b + c is two
    # roundings on every target, whether or not the CPU has FMA), no fast-math, and
    # half/bfloat operations rounded one by one as the GPU does.
    "-ffp-contract=off",
    "-fno-fast-math",
    "-Xclang",
    "-ffloat16-excess-precision=none",
    "-Xclang",
    "-fbfloat16-excess-precision=none",
    "-Wno-unknown-attributes",
    "-Wno-ignored-attributes",
    "-Wno-unused-value",
    "-ferror-limit=20",
    "-pthread",
    # Threadgroup array subscripts are bounds-checked (a branch to a noreturn error leaves
    # each loop with a second exit); without this LLVM stops unrolling such loops, which
    # cost chunk_tri_solve_invert ~25% instead of ~8% (docs/metal_cpu.md).
    "-mllvm",
    "-unroll-runtime-multi-exit",
    # A subscript outside a vector or a constant-size per-thread array calls
    # __ubsan_handle_out_of_bounds_abort (runtime/launcher.h): a `bounds` error naming the
    # .metal line, where a GPU reads or writes whatever lies beside it.
    "-fsanitize=array-bounds",
    "-fno-sanitize-recover=array-bounds",
)
# race_check builds: every load and store of kernel code calls the race detector
# (runtime/race_detector.h); a DWARF 4 line table maps its addresses to .metal lines.
RACE_FLAGS = (
    "-O1",
    "-gdwarf-4",
    "-gline-tables-only",
    "-fno-pie",
    "-no-pie",
    "-fsanitize-coverage=trace-pc-guard,trace-loads,trace-stores",
    "-DMTL_RACE=1",
)



@dataclass(frozen=True)
class Target:
    """What the executor compiles for: a zig target triple and a fixed CPU model.

    `cpu` is a baseline, never the host's CPU: x86_64_v2 (SSE4.2, POPCNT; no AVX) runs
    on every x86_64 CPU since 2009 and under Rosetta 2; aarch64 uses the ARMv8.0
    `generic` model on Linux and `apple_m1` (the first Apple Silicon) on macOS.
    """

    triple: str
    cpu: str

    @property
    def os(self) -> str:
        return "macos" if "-macos" in self.triple else "linux"

    @property
    def arch(self) -> str:
        return self.triple.split("-", 1)[0]

    def describe(self) -> dict[str, str]:
        """Provenance: what produced the binary."""
        return {"target": self.triple, "cpu": self.cpu, "zig": version("ziglang")}


TARGETS: dict[tuple[str, str], Target] = {
    ("linux", "x86_64"): Target("x86_64-linux-gnu", "x86_64_v2"),
    ("linux", "aarch64"): Target("aarch64-linux-gnu", "generic"),
    ("macos", "x86_64"): Target("x86_64-macos", "x86_64_v2"),
    ("macos", "aarch64"): Target("aarch64-macos", "apple_m1"),
}
_SYSTEMS = {"linux": "linux", "darwin": "macos", "macos": "macos"}
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def pick_target(system: str, machine: str) -> Target:
    """The target for a platform (`platform.system()` or `sys.platform`) and machine
    (`platform.machine()`); UnsupportedMetalError for anything else."""
    os_name = _SYSTEMS.get(system.lower())
    arch = _MACHINES.get(machine.lower())
    if os_name is None or arch is None:
        raise UnsupportedMetalError(
            f"the CPU executor runs on Linux and macOS, on x86_64 and arm64; this is "
            f"{system} on {machine}. Use the metal backend on a Mac, or run on Linux or macOS."
        )
    return TARGETS[(os_name, arch)]


def target_named(name: str) -> Target:
    """The target whose triple is `name` (`aarch64-macos`, `x86_64-linux-gnu`, ...)."""
    for target in TARGETS.values():
        if name in (target.triple, target.triple.removesuffix("-gnu")):
            return target
    known = ", ".join(t.triple for t in TARGETS.values())
    raise UnsupportedMetalError(f"unknown target {name!r}; the executor builds for {known}.")


def host_target() -> Target:
    """The target of this machine."""
    return pick_target(platform.system(), platform.machine())


def _cache_home() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "fixturepipe"


def cache_dir() -> Path:
    """Where compiled kernels live (FIXTUREPIPE_CACHE_DIR overrides the default)."""
    env = os.environ.get("FIXTUREPIPE_CACHE_DIR")
    base = Path(env) if env else _cache_home() / "metal_cpu"
    base.mkdir(parents=True, exist_ok=True)
    return base


def zig_cache_dir() -> Path:
    """zig's global and local caches, ours alone (FIXTUREPIPE_ZIG_CACHE_DIR overrides)."""
    env = os.environ.get("FIXTUREPIPE_ZIG_CACHE_DIR")
    base = Path(env) if env else _cache_home() / "zig"
    base.mkdir(parents=True, exist_ok=True)
    return base


def compile_timeout() -> float:
    """Seconds a compile (or a wait for another process's compile) may take."""
    env = os.environ.get("FIXTUREPIPE_COMPILE_TIMEOUT")
    return float(env) if env else DEFAULT_COMPILE_TIMEOUT


def zig_env() -> dict[str, str]:
    """The environment of a zig run: its caches pointed at zig_cache_dir()."""
    base = zig_cache_dir()
    return {
        **os.environ,
        "ZIG_GLOBAL_CACHE_DIR": str(base / "global"),
        "ZIG_LOCAL_CACHE_DIR": str(base / "local"),
    }


@cache
def _toolchain_fingerprint() -> str:
    """Zig version and every runtime source (all of runtime/, so a new header cannot be
    forgotten): anything but the flags and target that changes the binary."""
    h = hashlib.sha256()
    h.update(f"ziglang {version('ziglang')}\n".encode())
    for path in sorted(RUNTIME_DIR.iterdir()):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def zig_command(target: Target | None = None) -> list[str]:
    """The compiler driver from the project's pinned `ziglang` wheel, for `target`
    (default: this machine's).

    An explicit target makes zig use its bundled libc headers and stubs (glibc on
    Linux, libSystem on macOS), so the build does not depend on the machine's
    libc6-dev or Xcode.
    """
    t = target or host_target()
    return [sys.executable, "-m", "ziglang", "cc", "-target", t.triple, f"-mcpu={t.cpu}"]


@dataclass(frozen=True)
class CompiledKernel:
    """A kernel binary, the target it was built for and how long obtaining it took."""

    path: Path
    compile_seconds: float  # 0.0 when it came from the cache
    cached: bool
    target: Target


_DIAG = re.compile(r"^(?P<loc>[^\s:][^:]*:\d+:\d+): (?P<sev>error|warning|note|fatal error): ")


def _clean_diagnostics(stderr: str) -> str:
    """Clang's errors with their notes and include chains; warnings are dropped."""
    kept: list[str] = []
    pending: list[str] = []  # "In file included from" lines before the next diagnostic
    keep = False
    for line in stderr.splitlines():
        if line.startswith("In file included from"):
            pending.append(line)
            continue
        m = _DIAG.match(line)
        if m:
            if m.group("sev") != "note":
                keep = m.group("sev") != "warning"
            if keep:
                kept.extend(pending)
            pending = []
        elif re.match(r"^\d+ (warning|error)s? generated", line):
            continue
        if keep:
            kept.append(line)
    return "\n".join(kept) if kept else stderr.strip()


def _lock_holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text().strip() or "another process"
    except OSError:
        return "another process"


def _wait_for_lock(lock, lock_path: Path, what: str, deadline: float) -> None:
    """Takes the flock on `lock`, saying whom it waits for; CompileTimeoutError at `deadline`."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    holder = _lock_holder(lock_path)
    log.warning(
        "waiting for %s, which is compiling %s (lock %s); giving up in %.0f s",
        holder, what, lock_path, deadline - time.monotonic(),
    )
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise CompileTimeoutError(
                    f"gave up waiting for {holder} to finish compiling {what}: the lock "
                    f"{lock_path} was held longer than the compile timeout. If that process "
                    "is gone or stuck, kill it (or delete the lock file) and rerun; "
                    "FIXTUREPIPE_COMPILE_TIMEOUT sets the timeout."
                ) from None
            time.sleep(0.2)


def _run_compiler(
    cmd: list[str], cwd: str, timeout: float, limit: float, what: str
) -> subprocess.CompletedProcess:
    """Runs zig in its own process group; kills the whole group after `timeout` seconds
    (what is left of the compile limit, `limit` seconds, after any wait for the lock)."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=zig_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )
    try:
        out, err = communicate_or_kill(proc, timeout)
    except subprocess.TimeoutExpired:
        raise CompileTimeoutError(
            f"compiling {what} took longer than {limit:g} s and was stopped (zig's cache is "
            f"{zig_cache_dir()}; FIXTUREPIPE_COMPILE_TIMEOUT raises the limit)"
        ) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def compile_kernel(
    tu: str, kernel_name: str, *, race_check: bool = False, target: Target | None = None
) -> CompiledKernel:
    """The cached binary of translation unit `tu` for `target` (default: this machine's),
    compiling it if needed."""
    target = target or host_target()
    if race_check and target.os != "linux":
        raise UnsupportedMetalError(
            "race_check builds run on Linux only (the race report reads the ELF binary's "
            "DWARF line table); run race-checked fixtures on a Linux machine."
        )
    flags = BASE_FLAGS + (RACE_FLAGS if race_check else ())
    key = hashlib.sha256(
        "\0".join([_toolchain_fingerprint(), target.triple, target.cpu, " ".join(flags), tu])
        .encode()
    ).hexdigest()
    directory = cache_dir()
    safe = re.sub(r"[^A-Za-z0-9_]", "_", kernel_name)[:60]
    binary = directory / f"{safe}-{target.triple}-{key[:24]}{'-race' if race_check else ''}"
    if binary.exists():
        return CompiledKernel(binary, 0.0, True, target)
    timeout = compile_timeout()
    deadline = time.monotonic() + timeout
    lock_path = directory / f".{binary.name}.lock"
    with open(lock_path, "a+") as lock:
        what = f"kernel {kernel_name} for {target.triple}"
        _wait_for_lock(lock, lock_path, what, deadline)
        if binary.exists():  # another process compiled it while we waited
            return CompiledKernel(binary, 0.0, True, target)
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()} on {platform.node()}\n")
        lock.flush()
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=directory, prefix=".build-") as tmp:
            src = Path(tmp) / f"{safe}.cpp"
            src.write_text(tu)
            obj, out = Path(tmp) / "kernel.o", Path(tmp) / "kernel"
            # Compile and link in two zig runs: zig holds an exclusive lock on its
            # compiler-rt manifest for a whole run that links, so one `zig cc` that
            # compiled and linked serialised every compile on the machine; a `-c`
            # run takes no such lock, and the link is short.
            steps = [
                [*zig_command(target), *flags, f"-I{RUNTIME_DIR}", "-x", "c++", str(src),
                 "-c", "-o", str(obj)],
                [*zig_command(target), *flags, str(obj), "-x", "assembler-with-cpp",
                 str(RUNTIME_DIR / "fiber_switch.S"), "-o", str(out)],
            ]
            for cmd in steps:
                proc = _run_compiler(
                    cmd, tmp, max(0.01, deadline - time.monotonic()), timeout, what
                )
                if proc.returncode != 0:
                    raise MetalCompileError(
                        f"kernel {kernel_name} failed to compile:\n"
                        f"{_clean_diagnostics(proc.stderr)}"
                    )
            if not out.exists():
                raise MetalCpuError(f"the compiler produced no binary for {kernel_name}")
            os.replace(out, binary)
        return CompiledKernel(binary, time.perf_counter() - start, False, target)
