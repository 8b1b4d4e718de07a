"""Compiling translated kernels with the pinned `ziglang` clang, cached on disk.

`zig cc -x c++` without a C++ standard library links only libc and compiles a
kernel in well under a second (`zig c++` would first build libc++, ~50 s cold).
Binaries are cached under FIXTUREPIPE_CACHE_DIR (default
~/.cache/fixturepipe/metal_cpu) by sha256 of the translation unit, the runtime
sources, the flags, the zig version and the CPU, so a rerun pays no compile.
Concurrent processes compiling the same kernel serialise on an flock and publish
the binary with an atomic rename.
"""

from __future__ import annotations

import fcntl
import hashlib
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

from .errors import MetalCompileError, MetalCpuError

RUNTIME_DIR = Path(__file__).parent / "runtime"
RUNTIME_FILES = (
    "metal_types.h",
    "metal_math.h",
    "metal_sync.h",
    "metal_simdgroup_matrix.h",
    "mlx_preamble.h",
    "metal_runtime.h",
    "launcher.h",
    "race_detector.h",
    "fiber_switch.S",
)

BASE_FLAGS = (
    "-std=c++17",
    "-O2",
    "-fno-exceptions",
    "-fno-rtti",
    # IEEE semantics as MLX's math_mode="safe": no contraction into FMAs, no fast-math,
    # and half/bfloat operations rounded one by one as the GPU does.
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


def cache_dir() -> Path:
    """Where compiled kernels live (FIXTUREPIPE_CACHE_DIR overrides the default)."""
    env = os.environ.get("FIXTUREPIPE_CACHE_DIR")
    base = Path(env) if env else Path.home() / ".cache" / "fixturepipe" / "metal_cpu"
    base.mkdir(parents=True, exist_ok=True)
    return base


@cache
def _toolchain_fingerprint() -> str:
    """Zig version, runtime sources and CPU: anything that changes the binary."""
    h = hashlib.sha256()
    h.update(f"ziglang {version('ziglang')} {platform.machine()}\n".encode())
    for name in RUNTIME_FILES:
        h.update(name.encode() + b"\0" + (RUNTIME_DIR / name).read_bytes())
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith(("model name", "flags", "Features", "CPU part")):
                h.update(line.encode())
                break
    return h.hexdigest()


def zig_command() -> list[str]:
    """The compiler driver from the project's pinned `ziglang` wheel.

    An explicit target makes zig use its bundled glibc headers and stubs, so the
    build does not depend on the machine's libc6-dev; -mcpu=native keeps the host's
    instruction set (results do not change: no contraction, no fast-math).
    """
    arch = {"arm64": "aarch64", "amd64": "x86_64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    return [sys.executable, "-m", "ziglang", "cc", "-target", f"{arch}-linux-gnu", "-mcpu=native"]


@dataclass(frozen=True)
class CompiledKernel:
    """A kernel binary and how long obtaining it took."""

    path: Path
    compile_seconds: float  # 0.0 when it came from the cache
    cached: bool


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


def compile_kernel(tu: str, kernel_name: str, *, race_check: bool = False) -> CompiledKernel:
    """The cached binary of translation unit `tu`, compiling it if needed."""
    flags = BASE_FLAGS + (RACE_FLAGS if race_check else ())
    key = hashlib.sha256(
        "\0".join([_toolchain_fingerprint(), " ".join(flags), tu]).encode()
    ).hexdigest()
    directory = cache_dir()
    safe = re.sub(r"[^A-Za-z0-9_]", "_", kernel_name)[:60]
    binary = directory / f"{safe}-{key[:24]}{'-race' if race_check else ''}"
    if binary.exists():
        return CompiledKernel(binary, 0.0, True)
    lock_path = directory / f".{binary.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():  # another process compiled it while we waited
            return CompiledKernel(binary, 0.0, True)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=directory, prefix=".build-") as tmp:
            src = Path(tmp) / f"{safe}.cpp"
            src.write_text(tu)
            out = Path(tmp) / "kernel"
            cmd = [
                *zig_command(),
                *flags,
                f"-I{RUNTIME_DIR}",
                "-x",
                "c++",
                str(src),
                "-x",
                "assembler-with-cpp",
                str(RUNTIME_DIR / "fiber_switch.S"),
                "-o",
                str(out),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
            if proc.returncode != 0:
                raise MetalCompileError(
                    f"kernel {kernel_name} failed to compile:\n{_clean_diagnostics(proc.stderr)}"
                )
            if not out.exists():
                raise MetalCpuError(f"the compiler produced no binary for {kernel_name}")
            os.replace(out, binary)
        return CompiledKernel(binary, time.perf_counter() - start, False)
