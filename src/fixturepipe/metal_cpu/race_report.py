"""Turning the race detector's findings into the racing lines of the .metal source.

The kernel process (runtime/race_detector.h) prints, after "MTLCPU-RACE <count>",
one line per distinct pair of racing instructions:
`<read|write> <address> <thread> <gx> <gy> <gz>` for the earlier access, then the
same for the later one. Addresses are return addresses of the detector's hooks,
so the access is the instruction just before: looked up at address - 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .dwarf_lines import LineTable

_BUILD_DIR = re.compile(r"^.*/\.build-[^/]+/")


@dataclass(frozen=True)
class Access:
    """One side of a race: where in the source, what kind, by which kernel thread."""

    location: str  # file:line:col
    kind: str  # "read" | "write"
    thread: str


def _location(table: LineTable, address: int) -> str:
    row = table.lookup(address - 1)
    if row is None:
        return f"address 0x{address:x}"
    path = _BUILD_DIR.sub("", row.file)
    return f"{path}:{row.line}" + (f":{row.column}" if row.column else "")


def parse(binary: Path, stderr: str) -> tuple[int, list[tuple[Access, Access]]]:
    """(total racing access pairs seen, distinct pairs with source locations)."""
    tail = stderr[stderr.index("MTLCPU-RACE ") :].splitlines()
    total = int(tail[0].split()[1])
    table = LineTable(binary)
    pairs = []
    for line in tail[1:]:
        f = line.split()
        if len(f) != 12:
            continue
        sides = []
        for kind, addr, thread, gx, gy, gz in (f[:6], f[6:]):
            sides.append(
                Access(
                    _location(table, int(addr, 16)),
                    kind,
                    f"thread {thread} of threadgroup ({gx}, {gy}, {gz})",
                )
            )
        pairs.append((sides[0], sides[1]))
    return total, pairs


def describe(kernel_name: str, binary: Path, stderr: str) -> str:
    """The RaceDetectedError message: one entry per racing pair of source locations."""
    total, pairs = parse(binary, stderr)
    lines = [
        f"kernel {kernel_name}: data race: {total} pair(s) of accesses to the same memory by "
        "different threads with no threadgroup_barrier (or simd function, or atomic) "
        "ordering them:"
    ]
    seen: set[frozenset[tuple[str, str]]] = set()
    for a, b in pairs:  # one entry per pair of source locations (unrolled code repeats them)
        key = frozenset({(a.kind, a.location), (b.kind, b.location)})
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"  {a.kind} at {a.location} ({a.thread})")
        lines.append(f"    races with {b.kind} at {b.location} ({b.thread})")
    return "\n".join(lines)
