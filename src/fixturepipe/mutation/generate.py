"""Mutants of a kernel source: named, deterministic, de-duplicated by text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fixturepipe.mutation.code import KernelCode
from fixturepipe.mutation.operators import CATALOGUE, Candidate, Edit

NAME_PATTERN = r"[a-z_]+_[0-9a-f]{8}(?:_[A-Za-z0-9_]+)?"
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


def mutant_name(operator: str, site: str, variant: str) -> str:
    """`<operator>_<8 hex of the site's context>[_<variant>]`: shell-, path- and wildcard-safe.

    The name says *what* is mutated, not *where*: line and column would change
    when a line is added above, turning every listed equivalent mutant into an
    unknown name and its mutant into a "survivor".
    """
    digest = hashlib.sha256(f"{operator}\0{site}\0{variant}".encode()).hexdigest()[:8]
    return f"{operator}_{digest}_{variant}" if variant else f"{operator}_{digest}"


def site_contexts(code: KernelCode) -> list[str]:
    """Per token: the code of its line, its place in that line, and which such line it is.

    Built from tokens only, so comments, blank lines and whitespace do not
    count; editing or adding other lines leaves every other context unchanged.
    The occurrence number tells apart identical lines (the n-th copy).
    """
    lines: dict[int, list[int]] = {}
    for i, tok in enumerate(code.tokens):
        lines.setdefault(tok.line, []).append(i)
    seen: dict[str, int] = {}
    contexts = [""] * len(code.tokens)
    for line in sorted(lines):
        members = lines[line]
        text = " ".join(code.tokens[i].text for i in members)
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        for place, i in enumerate(members):
            contexts[i] = f"{text}\0{place}\0{occurrence}"
    return contexts


def generate_mutants(source: str) -> list[Mutant]:
    """All mutants of `source`, in catalogue order, then by position.

    A candidate whose text equals the original, or an earlier mutant's text, is
    dropped: the first stable name wins, so the set of names is a function of
    the source text alone.  Names come from :func:`site_contexts`, so a mutant
    keeps its name when other lines are added, removed or edited.
    """
    code = KernelCode(source)
    contexts = site_contexts(code)
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
            name = mutant_name(operator, contexts[cand.site], cand.variant)
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
        raise KeyError(f"{name!r} is not a mutant name (expected <operator>_<8 hex>[_<variant>])")
    for index, mutant in enumerate(generate_mutants(source)):
        if mutant.name == name:
            return index, mutant
    raise KeyError(
        f"no mutant {name!r} in this source; it changed since the mutant list was made "
        "(rerun `snakemake mutants` to regenerate the list)"
    )


def operator_of(name: str) -> str | None:
    """The operator and variant of a mutant name (``None`` if it is not one), without the site."""
    found = re.fullmatch(r"([a-z_]+?)_[0-9a-f]{8}(?:_([A-Za-z0-9_]+))?", name)
    if not found:
        return None
    return found.group(1) + (f" ({found.group(2)})" if found.group(2) else "")
