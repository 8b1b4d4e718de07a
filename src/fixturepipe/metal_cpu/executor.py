"""Running a compiled kernel in a child process.

The arrays travel through one argument file (in /dev/shm when it has room) that the
child maps shared: a header (grid, threadgroup, parameter offsets) and one region
per parameter. Each region ends at a page boundary followed by an inaccessible
guard page, so running off the end of a buffer is a crash with a message instead
of silent corruption. A separate process means an out-of-bounds write or an
endless loop cannot take down Python: the parent kills the child after `timeout`.
"""

from __future__ import annotations

import mmap
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import race_report
from .dwarf_lines import LineTable
from .errors import (
    BarrierDivergenceError,
    KernelCrashError,
    KernelTimeoutError,
    LaunchError,
    MetalCpuError,
    RaceDetectedError,
    ThreadgroupBoundsError,
)
from .process import communicate_or_kill

MAGIC = 0x3130555043544D4D
MAX_PARAMS = 64
_HEADER = struct.Struct(f"<QII3I3I{MAX_PARAMS}QII{MAX_PARAMS}Q")
ERROR_EXIT = 86
RACE_EXIT = 87


@dataclass
class Region:
    """One parameter's bytes: `data` is written at the region start; `origin` is how far
    into the region element 0 lies (non-zero for negative strides)."""

    data: np.ndarray | bytes | None  # None: fill with `fill`
    nbytes: int
    fill: bytes = b"\xff"
    origin: int = 0
    guard: bool = True
    label: str = "a buffer"


@dataclass
class RunResult:
    """Converted output arrays and the kernel process's wall time."""

    outputs: list[object]
    seconds: float


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _scratch_dir(total: int) -> str | None:
    shm = "/dev/shm"
    try:
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > total * 1.5 + (64 << 20):
            return shm
    except OSError:
        pass
    return None


def _layout(regions: Sequence[Region]) -> tuple[list[int], list[int], int]:
    page = mmap.PAGESIZE
    cursor = _align(_HEADER.size, page)
    starts, guards = [], []
    for r in regions:
        end_page = _align(cursor + r.nbytes, page)
        start = (end_page - r.nbytes) // 64 * 64
        if start < cursor:
            end_page += page
            start = (end_page - r.nbytes) // 64 * 64
        starts.append(start)
        if r.guard:
            guards.append(end_page)
            cursor = end_page + page
        else:
            cursor = _align(start + max(r.nbytes, 1), 64)
    return starts, guards, _align(cursor, page)


def run(
    binary: Path,
    kernel_name: str,
    regions: Sequence[Region],
    outputs: Sequence[tuple[int, np.dtype, tuple[int, ...]]],
    grid: tuple[int, int, int],
    group: tuple[int, int, int],
    workers: int,
    timeout: float,
    convert: Callable[[np.ndarray], object],
    race_check: bool = False,
    emulator: Sequence[str] = (),
) -> RunResult:
    """Runs `binary` (through the `emulator` command prefix, if any) over `regions`;
    returns the regions listed in `outputs`, each passed through `convert` (which must
    copy: the views die with the mapping).

    outputs: (region index, numpy dtype, shape) per output.
    """
    if len(regions) > MAX_PARAMS:
        raise LaunchError(f"kernel {kernel_name} has more than {MAX_PARAMS} buffer parameters")
    starts, guards, total = _layout(regions)
    offsets = [s + r.origin for s, r in zip(starts, regions, strict=True)]
    header = _HEADER.pack(
        MAGIC,
        len(regions),
        workers,
        *grid,
        *group,
        *(offsets + [0] * (MAX_PARAMS - len(offsets))),
        min(len(guards), MAX_PARAMS),
        0,
        *(guards[:MAX_PARAMS] + [0] * (MAX_PARAMS - min(len(guards), MAX_PARAMS))),
    )
    tmpdir = tempfile.mkdtemp(prefix="metal_cpu-", dir=_scratch_dir(total))
    try:
        args_path = Path(tmpdir) / "args.bin"
        with open(args_path, "wb+") as f:
            f.truncate(total)
            # MAP_POPULATE pre-faults the pages in one go (a 64 MiB input would otherwise
            # take ~16k page faults while it is copied in).
            flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
            mm = mmap.mmap(f.fileno(), total, flags=flags)
        try:
            # Write through a shared mapping: one copy per input, fills without temporaries.
            mm[: len(header)] = header
            for start, r in zip(starts, regions, strict=True):
                if r.data is None:
                    view = np.frombuffer(mm, np.uint8, r.nbytes, start)
                    if len(set(r.fill)) == 1:
                        view.fill(r.fill[0])
                    else:
                        view.view(f"V{len(r.fill)}")[:] = np.frombuffer(r.fill, f"V{len(r.fill)}")
                    del view
                elif isinstance(r.data, bytes):
                    mm[start : start + r.nbytes] = r.data
                else:
                    view = np.frombuffer(mm, r.data.dtype, r.data.size, start)
                    view.reshape(r.data.shape)[...] = r.data  # any layout, one copy
                    del view
            seconds, stderr, code = _spawn(binary, args_path, timeout, kernel_name, emulator)
            buffers = [(r.label, s, r.nbytes) for s, r in zip(starts, regions, strict=True)]
            _raise_for_status(binary, kernel_name, code, stderr, race_check, buffers)
            arrays = []
            for region_index, dtype, shape in outputs:
                count = int(np.prod(shape, dtype=np.int64))
                view = np.frombuffer(mm, dtype, count, starts[region_index]).reshape(shape)
                arrays.append(convert(view))
                del view
            return RunResult(arrays, seconds)
        finally:
            mm.close()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _spawn(
    binary: Path, args_path: Path, timeout: float, kernel_name: str, emulator: Sequence[str] = ()
) -> tuple[float, str, int]:
    """Runs the kernel process; returns (seconds, stderr, exit status)."""
    begin = time.perf_counter()
    proc = subprocess.Popen(
        [*emulator, str(binary), str(args_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err_bytes = communicate_or_kill(proc, timeout)
    except subprocess.TimeoutExpired:
        raise KernelTimeoutError(
            f"kernel {kernel_name} did not finish within {timeout:g} s and was killed: "
            "an endless loop, or threads spinning on memory no other thread will write? "
            "(raise `timeout=` if the kernel is just slow)"
        ) from None
    return time.perf_counter() - begin, err_bytes.decode(errors="replace"), proc.returncode


def _describe_offset(offset: int, buffers: Sequence[tuple[str, int, int]]) -> str:
    """Names the buffer whose guard page (or interior) holds file offset `offset`."""
    if offset < 0:
        return " (outside the kernel's buffers: a wild pointer or a fiber stack overflow)"
    for label, start, nbytes in buffers:
        if start <= offset < start + nbytes:
            return f" (inside {label}, byte {offset - start})"
        if start + nbytes <= offset < start + nbytes + 2 * mmap.PAGESIZE:
            return (
                f" (out of bounds: {offset - start - nbytes} bytes past the end of {label}, "
                f"which has {nbytes} bytes)"
            )
    return " (out of bounds of the kernel's buffers)"


# An assignment operator (`=`, `+=`, `<<=`, ...), not a comparison (`==`, `<=`, `!=`).
_ASSIGN = re.compile(r"(?<![=!<>])(?:<<|>>|[-+*/%&|^])?=(?!=)")


def _describe_pc(
    binary: Path, pc: int, write: int, buffers: Sequence[tuple[str, int, int]]
) -> str:
    """The .metal line of the faulting instruction and the buffers it indexes ("" if unknown).

    A write far out of bounds lands outside the argument file, so the address
    cannot name the buffer; the line can: the buffers subscripted on it, left of
    its assignment for a faulting write (``write`` 1), right of it for a read (0).
    """
    row = LineTable(binary).lookup(pc) if pc else None
    if row is None or not row.line:
        return ""
    path = re.sub(r"^.*/\.build-[^/]+/", "", row.file)
    head = f"far out of bounds, at {path}:{row.line}"
    try:
        text = Path(path).read_text(encoding="utf-8").splitlines()[row.line - 1]
    except (OSError, IndexError):
        return head
    names = [m.group(1) for label, _s, _n in buffers if (m := re.search(r"`(\w+)`", label))]
    found = _ASSIGN.search(text)
    side = text
    if found and write in (0, 1):
        side = text[: found.start()] if write else text[found.end() :]

    def subscripted(part: str) -> list[str]:
        return [n for n in names if re.search(rf"\b{re.escape(n)}\s*\[", part)]

    used = subscripted(side) or subscripted(text)
    verb = {1: "writing", 0: "reading"}.get(write, "indexing")
    which = f", {verb} {' or '.join(f'`{n}`' for n in used)}" if used else ""
    return f"{head}{which}: `{text.strip()}`"


def _raise_for_status(
    binary: Path,
    name: str,
    code: int,
    stderr: str,
    race_check: bool,
    buffers: Sequence[tuple[str, int, int]] = (),
) -> None:
    if code == 0:
        return
    if race_check and code == RACE_EXIT and "MTLCPU-RACE " in stderr:
        raise RaceDetectedError(race_report.describe(name, binary, stderr))
    if code == ERROR_EXIT and "MTLCPU-ERROR " in stderr:
        tail = stderr[stderr.index("MTLCPU-ERROR ") :]
        kind, _, message = tail.partition("\n")
        kind = kind.split()[1]
        message = message.strip()
        if kind == "launch":
            raise LaunchError(message)
        if kind == "divergence":
            raise BarrierDivergenceError(message)
        if kind == "bounds":
            raise ThreadgroupBoundsError(message)
        raise MetalCpuError(message)
    if code < 0:
        sig = signal.Signals(-code).name
        where = ""
        if "MTLCPU-CRASH" in stderr:
            first, _, rest = stderr[stderr.index("MTLCPU-CRASH") :].partition("\n")
            where = " " + rest.split("\n", 1)[0]
            if sig in ("SIGSEGV", "SIGBUS"):
                fields = dict(f.split("=", 1) for f in first.split()[1:] if "=" in f)
                offset = int(fields.get("file_offset", -1))
                line = "" if offset >= 0 else _describe_pc(
                    binary, int(fields.get("pc", "0"), 16), int(fields.get("write", -1)), buffers)
                where += f" ({line})" if line else _describe_offset(offset, buffers)
            elif sig == "SIGFPE":
                where += " (an integer division by zero?)"
        elif sig in ("SIGSEGV", "SIGBUS"):
            where = " (out-of-bounds access or fiber stack overflow)"
        raise KernelCrashError(f"kernel {name} crashed with {sig}{where}")
    raise MetalCpuError(f"kernel {name} exited with status {code}:\n{stderr.strip()[-4000:]}")
