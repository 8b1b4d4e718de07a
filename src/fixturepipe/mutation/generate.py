"""Mutants of a kernel source: named, deterministic, de-duplicated by text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fixturepipe.mutation.code import KernelCode
from fixturepipe.mutation.operators import CATALOGUE, Candidate, Edit

NAME_PATTERN = r"[a-z_]+_L\d+C\d+(?:_[A-Za-z0-9_]+)?"
_NAME = re.compile(NAME_PATTERN)


@dataclass(frozen=True)
class Mutant:
    """One mutant: its stable name, where and what changed, and the full mutated source."""

    name: str
    operator: str
    line: int
    col: int
    variant: str
    description: str
    source: str
    race_check: bool

    @property
    def sha256(self) -> str:
        """Digest of the mutated source (what the executor compiles)."""
        return hashlib.sha256(self.source.encode()).hexdigest()


def apply_edits(source: str, edits: tuple[Edit, ...]) -> str:
    """The source with non-overlapping character-span edits applied."""
    out = source
    for start, end, text in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:start] + text + out[end:]
    return out


def mutant_name(operator: str, line: int, col: int, variant: str) -> str:
    """`<operator>_L<line>C<col>[_<variant>]`: shell-, path- and wildcard-safe."""
    name = f"{operator}_L{line}C{col}"
    return f"{name}_{variant}" if variant else name


def generate_mutants(source: str) -> list[Mutant]:
    """All mutants of `source`, in catalogue order, then by position.

    A candidate whose text equals the original, or an earlier mutant's text, is
    dropped: the first stable name wins, so the set of names is a function of
    the source text alone.
    """
    code = KernelCode(source)
    seen_text = {source}
    seen_names: set[str] = set()
    out: list[Mutant] = []
    for operator, propose in CATALOGUE:
        candidates = sorted(propose(code), key=lambda c: _order(code, c))
        for cand in candidates:
            text = apply_edits(source, cand.edits)
            if text in seen_text:
                continue
            tok = code.tokens[cand.site]
            name = mutant_name(operator, tok.line, tok.col, cand.variant)
            if name in seen_names:
                raise AssertionError(f"two different mutants named {name}")
            seen_text.add(text)
            seen_names.add(name)
            out.append(
                Mutant(name, operator, tok.line, tok.col, cand.variant, cand.description, text,
                       cand.race_check)
            )
    return out


def _order(code: KernelCode, cand: Candidate) -> tuple[int, int, str]:
    tok = code.tokens[cand.site]
    return (tok.line, tok.col, cand.variant)


def mutants_of_file(path: str | Path) -> list[Mutant]:
    """Mutants of a kernel `.metal` file."""
    return generate_mutants(Path(path).read_text(encoding="utf-8"))


def find_mutant(source: str, name: str) -> tuple[int, Mutant]:
    """(catalogue index, mutant) of the mutant called `name`, or a KeyError saying why."""
    if not _NAME.fullmatch(name):
        raise KeyError(f"{name!r} is not a mutant name (expected operator_L<line>C<col>...)")
    for index, mutant in enumerate(generate_mutants(source)):
        if mutant.name == name:
            return index, mutant
    raise KeyError(
        f"no mutant {name!r} in this source; it changed since the mutant list was made "
        "(rerun `snakemake mutants` to regenerate the list)"
    )
