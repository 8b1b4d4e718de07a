"""Turning ThreadSanitizer's reports into the racing lines of the .metal source.

Each TSan report names two accesses (the current one and the previous one) with a
stack; the first frame outside the executor's runtime is the kernel line. Kernel
threads are TSan fibers named "thread N of threadgroup (x, y, z)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ACCESS = re.compile(
    r"^\s*(?P<prev>Previous )?(?P<atomic>[Aa]tomic )?(?P<kind>[Rr]ead|[Ww]rite) of size "
    r"(?P<size>\d+) at (?P<addr>0x[0-9a-f]+) by (?P<thread>thread T\d+|main thread)"
)
_FRAME = re.compile(r"^\s*#\d+ (?P<fn>.*) (?P<file>[^ ]+):(?P<line>\d+)(?::(?P<col>\d+))? \(")
_THREAD_NAME = re.compile(r"Thread (?P<tid>T\d+) '(?P<name>[^']*)'")
_BUILD_DIR = re.compile(r"^.*/\.build-[^/]+/")


@dataclass(frozen=True)
class Access:
    """One side of a race: where in the source, what kind, by which kernel thread."""

    location: str  # file:line:col in the .metal source
    kind: str  # "read" | "write" | "atomic read" | "atomic write"
    thread: str


def _is_runtime(path: str) -> bool:
    return "/metal_cpu/runtime/" in path or path.startswith("<metal_cpu") or "libtsan" in path


def parse(stderr: str) -> list[tuple[Access, Access]]:
    """Racing access pairs, deduplicated by source locations, in report order."""
    pairs: list[tuple[Access, Access]] = []
    seen: set[tuple[str, str]] = set()
    for block in stderr.split("WARNING: ThreadSanitizer: data race")[1:]:
        names = {m["tid"]: m["name"] for m in _THREAD_NAME.finditer(block)}
        accesses: list[Access] = []
        current: dict | None = None
        for line in block.splitlines():
            m = _ACCESS.match(line)
            if m:
                current = m.groupdict()
                continue
            f = _FRAME.match(line)
            if f and current is not None and not _is_runtime(f["file"]):
                path = _BUILD_DIR.sub("", f["file"])
                loc = f"{path}:{f['line']}" + (f":{f['col']}" if f["col"] else "")
                tid = current["thread"].removeprefix("thread ")
                kind = ("atomic " if current["atomic"] else "") + current["kind"].lower()
                accesses.append(Access(loc, kind, names.get(tid, current["thread"])))
                current = None
        if len(accesses) >= 2:
            key = tuple(sorted((accesses[0].location, accesses[1].location)))
            if key not in seen:
                seen.add(key)  # type: ignore[arg-type]
                pairs.append((accesses[0], accesses[1]))
    return pairs


def describe(kernel_name: str, stderr: str) -> str:
    """The RaceDetectedError message: one line per racing pair of source locations."""
    pairs = parse(stderr)
    lines = [
        f"kernel {kernel_name}: data race: two threads access the same memory and no "
        "threadgroup_barrier (or atomic) orders the accesses:"
    ]
    for a, b in pairs:
        lines.append(f"  {a.kind} at {a.location} ({a.thread})")
        lines.append(f"    races with {b.kind} at {b.location} ({b.thread})")
    if not pairs:
        lines.append(stderr.strip()[-3000:])
    return "\n".join(lines)
