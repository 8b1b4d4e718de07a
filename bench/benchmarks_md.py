"""Shared by the bench/ scripts: the machine they ran on and their BENCHMARKS.md section.

Every benchmark owns one "## <title>" section of BENCHMARKS.md and rewrites only
that one, so scripts run at different times (by different people) do not clobber
each other's figures. The scripts run as ``.venv/bin/python bench/<x>.py``, which
puts bench/ on sys.path, so they import this module as ``benchmarks_md``.
"""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def cpu_model() -> str:
    """The CPU's marketing name (Linux), else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """CPU, core count, OS, architecture and Python: what a reader needs to compare figures."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def write_section(path: Path, title: str, text: str) -> None:
    """Replace (or append) the "## <title>" section with ``text``, leaving the others alone.

    ``text`` starts with its own "## <title>" line and ends with a newline. The
    file is written to a temporary name and renamed, so a crash never leaves it
    half-written.
    """
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if ln.strip() == f"## {title}"), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        new = (
            "".join(lines[:start])
            + text
            + ("\n" if end < len(lines) else "")
            + "".join(lines[end:])
        )
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new)
    os.replace(tmp, path)


def table(rows: list[tuple[str, str]], header: tuple[str, str] = ("measure", "value")) -> list[str]:
    """A two-column Markdown table's lines."""
    return [f"| {header[0]} | {header[1]} |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def grid(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A Markdown table's lines, any number of columns."""
    return [f"| {' | '.join(header)} |", "|" + "---|" * len(header),
            *(f"| {' | '.join(r)} |" for r in rows)]


def children_cpu() -> float:
    """User + system seconds of this process's finished children (Snakemake and its jobs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def publish(title: str, text: str, write: bool) -> None:
    """Print a benchmark's section and, when ``write``, put it into BENCHMARKS.md."""
    print(text)
    if write:
        write_section(BENCHMARKS_MD, title, text)
