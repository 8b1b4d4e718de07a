"""The code a rule runs, derived from the imports of its script (no hand-kept module lists).

Snakemake notices neither an edited module that a ``shell:`` rule's script
imports nor the script itself, so the Snakefile declares both as inputs.  This
module computes them when the Snakefile is parsed: the script's imports of
``fixturepipe`` modules, transitively (every ``import`` statement anywhere in a
module counts, including the lazy ones inside functions, and each package's
``__init__.py`` along the way), plus the data files a package reads from its
own non-package subfolders (the CPU executor's runtime headers).  A script
that calls :mod:`fixturepipe.kernel_python` to run a kernel's generators or
references also depends on that kernel's file (``generators.py`` or
``reference.py`` in ``kernels/<name>/``) and on what *it* imports
(``fixturepipe.kernel_lib``, sibling files of the folder).

Files are read as ASTs, never imported: this runs at parse time on every
Snakemake invocation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import fixturepipe
from fixturepipe.kernel_python import FILE_OF
from fixturepipe.spec import REFERENCE_FILE

PACKAGE_DIR = Path(fixturepipe.__file__).resolve().parent
_KERNEL_PYTHON = "fixturepipe.kernel_python"
_KERNEL = "@kernel"  # the package name a kernel folder's files import each other under


@cache
def _tree(file: Path) -> ast.Module:
    return ast.parse(file.read_text(encoding="utf-8"), filename=str(file))


def _module_file(name: str, kernel_folder: Path | None) -> Path | None:
    """The file of module ``name`` (a ``fixturepipe`` module, or a sibling in a kernel folder)."""
    parts = name.split(".")
    if parts[0] == "fixturepipe":
        base = PACKAGE_DIR.joinpath(*parts[1:])
    elif parts[0] == _KERNEL and kernel_folder is not None:
        base = kernel_folder.joinpath(*parts[1:])
    else:
        return None
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(file: Path, kernel_folder: Path | None) -> list[str]:
    """The dotted package of ``file`` (``["fixturepipe", "mutation"]``; a kernel folder's
    files form one package of their own)."""
    if kernel_folder is not None and file.parent == kernel_folder:
        return [_KERNEL]
    if not file.parent.is_relative_to(PACKAGE_DIR):
        return []  # a script: top-level, no relative imports
    return list(file.parent.relative_to(PACKAGE_DIR.parent).parts)


@cache
def imported_names(file: Path, kernel_folder: Path | None = None) -> frozenset[str]:
    """Dotted names ``file`` imports, relative ones resolved (``from m import x``: m, m.x)."""
    names: set[str] = set()
    package = _package_of(file, kernel_folder)
    for node in ast.walk(_tree(file)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: max(1, len(package) - node.level + 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@cache
def kernel_files_run(file: Path) -> frozenset[str]:
    """Kernel files (``generators.py``, ``reference.py``) ``file`` runs via kernel_python."""
    tree = _tree(file)
    called: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "kernel_python"
        ):
            called.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module == _KERNEL_PYTHON:
            called.update(alias.name for alias in node.names)
    return frozenset(FILE_OF[name] for name in called if name in FILE_OF)


def closure(files: Iterable[Path], kernel_folder: Path | None = None) -> set[Path]:
    """``files`` and every fixturepipe (or kernel-folder) module they import, transitively."""
    seen: set[Path] = set()
    todo = [f.resolve() for f in files]
    while todo:
        file = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        folder = kernel_folder if kernel_folder and file.parent == kernel_folder else None
        for name in imported_names(file, folder):
            for part in _with_parents(name):
                found = _module_file(part, folder)
                if found is not None and found not in seen:
                    todo.append(found)
    return seen


def _data_files(modules: set[Path]) -> set[Path]:
    """Non-Python files in the non-package subfolders of each package that ``modules`` touch."""
    found: set[Path] = set()
    for package in {m.parent for m in modules if m.is_relative_to(PACKAGE_DIR)}:
        for sub in package.iterdir():
            if sub.is_dir() and not (sub / "__init__.py").exists() and sub.name != "__pycache__":
                found.update(
                    p for p in sub.rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
                )
    return found


@cache
def script_code(
    script: Path, kernel_folder: Path | None = None, stage_folders: tuple[Path, ...] = ()
) -> frozenset[Path]:
    """Everything ``script`` runs: itself, its import closure and the data files it reads,
    and, with ``kernel_folder``, the kernel's files it runs and their own closure.

    ``stage_folders`` (a composite kernel's stages) add their ``reference.py`` when the
    script runs references: a composite's reference is the chain of its stages'.
    Cached per process: the Snakefile asks for the same script and folder once per rule
    and per content param (files are parsed once per process anyway, :func:`_tree`), and
    recomputing the closures was most of the time a no-op ``verify`` took to build its DAG.
    """
    modules = closure([script])
    if kernel_folder is not None:
        kernel_folder = kernel_folder.resolve()
        wanted = set().union(*(kernel_files_run(m) for m in modules))
        entry = [kernel_folder / n for n in sorted(wanted) if (kernel_folder / n).is_file()]
        modules |= closure(entry, kernel_folder)
        if REFERENCE_FILE in wanted:
            for folder in (f.resolve() for f in stage_folders):
                modules |= closure([folder / REFERENCE_FILE], folder)
    return frozenset(modules | _data_files(modules))
