"""Instruction address -> source line, from an ELF binary's DWARF 4 line table.

Race reports from race_check builds carry instruction addresses; this maps them
to `file:line:col` in the .metal source (the `#line` directives of the
translation unit put the kernel's own file names in the table). A small reader
of the ELF section table and the DWARF 4 line-number program (DWARF 4 section
6.2); race builds are compiled with -gdwarf-4 -gline-tables-only.
"""

from __future__ import annotations

import bisect
import os
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One row of the line table."""

    address: int
    file: str
    line: int
    column: int
    end_sequence: bool


def _leb128(data: bytes, pos: int, signed: bool = False) -> tuple[int, int]:
    """The LEB128 number at `pos` (DWARF 4 section 7.6) and the position after it."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if signed and byte & 0x40:
                result -= 1 << shift
            return result, pos


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\0", pos)
    return data[pos:end].decode(errors="replace"), end + 1


def _section(elf: bytes, name: str) -> bytes:
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        raise ValueError("not a 64-bit ELF file")
    fmt = "<" if elf[5] == 1 else ">"
    shoff = struct.unpack_from(fmt + "Q", elf, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from(fmt + "HHH", elf, 0x3A)

    def header(i: int) -> tuple[int, int, int]:
        name_off, _, _, _, off, size = struct.unpack_from(
            fmt + "IIQQQQ", elf, shoff + i * shentsize
        )
        return name_off, off, size

    _, str_off, _ = header(shstrndx)
    for i in range(shnum):
        name_off, off, size = header(i)
        if _cstring(elf, str_off + name_off)[0] == name:
            return elf[off : off + size]
    raise ValueError(f"no {name} section (was the kernel built with -g?)")


def _program(data: bytes, pos: int, rows: list[Row]) -> int:
    """Runs one line-number program starting at `pos`; returns the next unit's offset."""
    (unit_length,) = struct.unpack_from("<I", data, pos)
    end = pos + 4 + unit_length
    version, header_length = struct.unpack_from("<HI", data, pos + 4)
    if version not in (2, 3, 4):
        raise ValueError(
            f"DWARF line table version {version} (expected <= 4: build with -gdwarf-4)"
        )
    p = pos + 10
    min_inst = data[p]
    p += 1
    if version >= 4:
        p += 1  # maximum_operations_per_instruction
    default_is_stmt = data[p]
    line_base = struct.unpack_from("<b", data, p + 1)[0]
    line_range, opcode_base = data[p + 2], data[p + 3]
    lengths = list(data[p + 4 : p + 4 + opcode_base - 1])
    p += 4 + opcode_base - 1
    dirs = [""]
    while data[p]:
        d, p = _cstring(data, p)
        dirs.append(d)
    p += 1
    files = [""]
    while data[p]:
        f, p = _cstring(data, p)
        d, p = _leb128(data, p)
        _, p = _leb128(data, p)
        _, p = _leb128(data, p)
        files.append(f if os.path.isabs(f) or not dirs[d] else f"{dirs[d]}/{f}")
    p = pos + 10 + header_length

    def reset() -> dict:
        return {"address": 0, "file": 1, "line": 1, "column": 0, "is_stmt": default_is_stmt}

    st = reset()

    def emit(end_sequence: bool = False) -> None:
        f = files[st["file"]] if st["file"] < len(files) else "?"
        rows.append(Row(st["address"], f, st["line"], st["column"], end_sequence))

    while p < end:
        op = data[p]
        p += 1
        if op >= opcode_base:
            adj = op - opcode_base
            st["address"] += (adj // line_range) * min_inst
            st["line"] += line_base + adj % line_range
            emit()
        elif op == 0:
            length, p = _leb128(data, p)
            sub = data[p]
            if sub == 1:
                emit(True)
                st = reset()
            elif sub == 2:
                st["address"] = int.from_bytes(data[p + 1 : p + length], "little")
            elif sub == 3:
                files.append(_cstring(data, p + 1)[0])
            p += length
        elif op == 1:
            emit()
        elif op == 2:
            adv, p = _leb128(data, p)
            st["address"] += adv * min_inst
        elif op == 3:
            adv, p = _leb128(data, p, signed=True)
            st["line"] += adv
        elif op == 4:
            st["file"], p = _leb128(data, p)
        elif op == 5:
            st["column"], p = _leb128(data, p)
        elif op == 6:
            st["is_stmt"] = not st["is_stmt"]
        elif op in (7, 10, 11):
            pass  # basic_block, prologue_end, epilogue_begin
        elif op == 8:
            st["address"] += ((255 - opcode_base) // line_range) * min_inst
        elif op == 9:
            st["address"] += struct.unpack_from("<H", data, p)[0]
            p += 2
        elif op == 12:
            _, p = _leb128(data, p)
        else:
            for _ in range(lengths[op - 1]):
                _, p = _leb128(data, p)
    return end


class LineTable:
    """Address lookups over all sequences of a binary's .debug_line."""

    def __init__(self, binary: Path) -> None:
        data = _section(Path(binary).read_bytes(), ".debug_line")
        rows: list[Row] = []
        pos = 0
        while pos < len(data):
            pos = _program(data, pos, rows)
        rows.sort(key=lambda r: (r.address, not r.end_sequence))
        self._rows = rows
        self._addresses = [r.address for r in rows]

    def lookup(self, address: int) -> Row | None:
        """The row covering `address` (the last row at or before it, not an end marker)."""
        i = bisect.bisect_right(self._addresses, address) - 1
        if i < 0 or self._rows[i].end_sequence:
            return None
        return self._rows[i]
