"""Just enough structure over a Metal kernel body to aim mutation operators.

`KernelCode` finds statements, assignments, declarations, stores, `for`
headers and index expressions on top of the token stream. It is deliberately
heuristic (no types, no scopes beyond declaration order): an operator aimed at
the wrong place produces a mutant that fails to compile, which the mutation
run counts apart as stillborn, never as a kill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from fixturepipe.mutation.tokens import Token, match_brackets, tokenize

INT_TYPES = frozenset(
    {
        "bool", "char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "size_t",
        "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t",
        "uint64_t", "ptrdiff_t",
    }
)
FLOAT_TYPES = frozenset({"float", "half", "bfloat", "double", "float16_t", "bfloat16_t"})
_VECTOR_TYPE = re.compile(r"(?:float|half|bfloat|int|uint|short|ushort|char|uchar|bool)[234]")
QUALIFIERS = frozenset(
    {"const", "constexpr", "static", "thread", "threadgroup", "device", "constant", "volatile"}
)
ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="})
CONTROL = frozenset({"for", "if", "while", "switch"})
# Builtins whose value identifies a thread: variables derived from them index rows/columns.
# (threadgroup_position_in_grid is left out: it selects a block, not a row or column.)
THREAD_BUILTINS = frozenset(
    {
        "thread_position_in_threadgroup", "thread_position_in_grid",
        "thread_index_in_threadgroup", "thread_index_in_simdgroup",
        "simdgroup_index_in_threadgroup",
    }
)
_OPERAND_END = frozenset({")", "]"})


def is_type_name(text: str) -> bool:
    """Whether an identifier names a Metal scalar or vector type."""
    return text in INT_TYPES or text in FLOAT_TYPES or bool(_VECTOR_TYPE.fullmatch(text))


@dataclass(frozen=True)
class Assignment:
    """`lhs op rhs;` as token index ranges [start, end)."""

    lhs: tuple[int, int]
    op: int
    rhs: tuple[int, int]


@dataclass(frozen=True)
class Statement:
    """A simple statement: tokens [start, end) and the index of its `;` (end)."""

    start: int
    end: int
    in_for_header: bool


@dataclass(frozen=True)
class ForHeader:
    """The three clauses of `for (init; cond; step)` as token ranges."""

    init: tuple[int, int]
    cond: tuple[int, int]
    step: tuple[int, int]


@dataclass(frozen=True)
class Term:
    """One additive term of a sum: its operator token (None for the first) and factors."""

    op: int | None
    start: int
    end: int
    factors: tuple[tuple[int, int], ...]  # empty when the term is not a plain product


class KernelCode:
    """Tokens of a kernel body plus the structure the mutation operators need."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[Token] = tokenize(source)
        self.pairs = match_brackets(self.tokens)
        self.statements: list[Statement] = []
        self.for_headers: list[ForHeader] = []
        self._scan()

    # -- text helpers -------------------------------------------------------------------
    def text(self, start: int, end: int) -> str:
        """Source text covered by tokens [start, end)."""
        return self.source[self.tokens[start].start : self.tokens[end - 1].end]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Character span covered by tokens [start, end)."""
        return self.tokens[start].start, self.tokens[end - 1].end

    def is_punct(self, i: int, *texts: str) -> bool:
        """Whether token i exists and is one of the punctuators `texts`."""
        return 0 <= i < len(self.tokens) and self.tokens[i].kind == "punct" and (
            self.tokens[i].text in texts
        )

    def is_binary(self, i: int) -> bool:
        """Whether the operator at token i has a left operand (so it is binary)."""
        if i == 0:
            return False
        prev = self.tokens[i - 1]
        if prev.kind == "number":
            return True
        if prev.kind == "ident":
            return not is_type_name(prev.text) and prev.text not in QUALIFIERS and (
                prev.text != "return"
            )
        return prev.text in _OPERAND_END

    # -- statement scan -----------------------------------------------------------------
    def _scan(self) -> None:
        toks = self.tokens
        i = 0
        start = 0
        while i < len(toks):
            tok = toks[i]
            if tok.kind == "ident" and tok.text in CONTROL and self.is_punct(i + 1, "("):
                close = self.pairs[i + 1]
                if tok.text == "for":
                    self._scan_for(i + 2, close)
                i = close + 1
                start = i
                continue
            if tok.kind == "ident" and tok.text in ("else", "do"):
                start = i + 1
            elif tok.kind == "punct" and tok.text == "{" and self.is_punct(i - 1, "="):
                i = self.pairs[i] + 1
                continue
            elif tok.kind == "punct" and tok.text in ("{", "}"):
                start = i + 1
            elif tok.kind == "punct" and tok.text == ";":
                if start < i:
                    self.statements.append(Statement(start, i, False))
                start = i + 1
            i += 1

    def _scan_for(self, start: int, close: int) -> None:
        semis = [i for i in self._top_level(start, close) if self.is_punct(i, ";")]
        if len(semis) != 2:
            return
        header = ForHeader((start, semis[0]), (semis[0] + 1, semis[1]), (semis[1] + 1, close))
        self.for_headers.append(header)
        if header.init[0] < header.init[1]:
            self.statements.append(Statement(header.init[0], header.init[1], True))

    def _top_level(self, start: int, end: int) -> list[int]:
        """Indices of tokens in [start, end) outside any bracket group opened inside it."""
        out = []
        i = start
        while i < end:
            out.append(i)
            if self.is_punct(i, "(", "[", "{"):
                i = self.pairs[i]
                out.append(i)
            i += 1
        return out

    # -- assignments, declarations, stores ----------------------------------------------
    def assignment(self, stmt: Statement) -> Assignment | None:
        """The statement's top-level assignment, if it has one."""
        for i in self._top_level(stmt.start, stmt.end):
            if self.tokens[i].kind == "punct" and self.tokens[i].text in ASSIGN_OPS:
                return Assignment((stmt.start, i), i, (i + 1, stmt.end))
        return None

    def declared_type(self, stmt: Statement) -> str | None:
        """The type name if the statement declares a variable, else None."""
        assign = self.assignment(stmt)
        end = assign.op if assign else stmt.end
        names = [self.tokens[i] for i in range(stmt.start, end)]
        if assign is None:
            # `threadgroup float L[N];`: strip a trailing array bound.
            bracket = next((k for k, t in enumerate(names) if t.text == "["), None)
            if bracket is None:
                return None
            names = names[:bracket]
        if len(names) < 2 or any(t.kind != "ident" for t in names):
            return None
        types = [t.text for t in names[:-1] if is_type_name(t.text)]
        return types[-1] if types else None

    def declared_name(self, stmt: Statement) -> int | None:
        """Token index of the declared variable's name, if the statement declares one."""
        if self.declared_type(stmt) is None:
            return None
        for i in range(stmt.start, stmt.end):
            if self.is_punct(i + 1, "=", "[", ";") or i + 1 == stmt.end:
                return i
        return None

    def store_target(self, stmt: Statement) -> tuple[int, int, int] | None:
        """(name, `[`, `]`) token indices when the statement writes `name[...] op= ...`."""
        assign = self.assignment(stmt)
        if assign is None or self.declared_type(stmt) is not None:
            return None
        s, e = assign.lhs
        if e - s >= 3 and self.tokens[s].kind == "ident" and self.is_punct(s + 1, "["):
            close = self.pairs[s + 1]
            if close == e - 1:
                return s, s + 1, close
        return None

    @cached_property
    def declarations(self) -> dict[str, tuple[int, str, Statement]]:
        """First declaration of every variable: name -> (token index, type, statement)."""
        out: dict[str, tuple[int, str, Statement]] = {}
        for stmt in sorted(self.statements, key=lambda s: s.start):
            name = self.declared_name(stmt)
            kind = self.declared_type(stmt)
            if name is not None and kind is not None:
                out.setdefault(self.tokens[name].text, (name, kind, stmt))
        return out

    @cached_property
    def index_vars(self) -> frozenset[str]:
        """Loop counters and variables derived from a thread-position builtin."""
        names = set()
        for header in self.for_headers:
            for stmt in self.statements:
                if stmt.in_for_header and stmt.start == header.init[0]:
                    name = self.declared_name(stmt)
                    if name is not None:
                        names.add(self.tokens[name].text)
        for name, (_, _, stmt) in self.declarations.items():
            assign = self.assignment(stmt)
            if assign and any(
                self.tokens[i].text in THREAD_BUILTINS for i in range(*assign.rhs)
            ):
                names.add(name)
        return frozenset(names)

    # -- index expressions --------------------------------------------------------------
    @cached_property
    def index_contexts(self) -> list[tuple[int, int, bool]]:
        """Token ranges that compute memory offsets: (start, end, is_store_subscript).

        These are the contents of every subscript that is not an array-size
        declaration, and the right-hand side of every integer declaration.
        """
        store_brackets = set()
        for stmt in self.statements:
            target = self.store_target(stmt)
            if target is not None:
                store_brackets.add(target[1])
        out = []
        for i, tok in enumerate(self.tokens):
            if tok.kind == "punct" and tok.text == "[" and i >= 1 and self.is_binary(i):
                if i >= 2 and self.tokens[i - 2].kind == "ident" and (
                    is_type_name(self.tokens[i - 2].text)
                ):
                    continue  # array bound in a declaration
                close = self.pairs[i]
                if close > i + 1:
                    out.append((i + 1, close, i in store_brackets))
        for stmt in self.statements:
            kind = self.declared_type(stmt)
            assign = self.assignment(stmt)
            if kind in INT_TYPES and assign is not None and assign.rhs[0] < assign.rhs[1]:
                out.append((assign.rhs[0], assign.rhs[1], False))
        return sorted(set(out))

    def sums(self, start: int, end: int) -> list[list[Term]]:
        """Every additive expression in [start, end), including inside plain parentheses.

        Sub-expressions separated by anything other than arithmetic (a ternary,
        a comparison, a comma) are sums of their own. Subscripts are skipped:
        they are index contexts in their own right.
        """
        out: list[list[Term]] = []
        region: list[int] = []
        for i in self._top_level(start, end):
            tok = self.tokens[i]
            if tok.kind == "punct" and tok.text not in ("+", "-", "*", "/", "%", "(", ")",
                                                        "[", "]", ".", "::"):
                if region:
                    out.extend(self._sums_in(region[0], region[-1] + 1))
                region = []
                continue
            region.append(i)
        if region:
            out.extend(self._sums_in(region[0], region[-1] + 1))
        return out

    def _sums_in(self, start: int, end: int) -> list[list[Term]]:
        out: list[list[Term]] = []
        cuts = [
            i
            for i in self._top_level(start, end)
            if self.is_punct(i, "+", "-") and self.is_binary(i) and i > start
        ]
        bounds = [start - 1, *cuts, end]
        terms = []
        for k in range(len(bounds) - 1):
            ts, te = bounds[k] + 1, bounds[k + 1]
            if ts >= te:
                return out
            terms.append(Term(None if k == 0 else bounds[k], ts, te, self._factors(ts, te)))
        out.append(terms)
        for i in self._top_level(start, end):
            if self.is_punct(i, "(") and not (
                i > 0 and self.tokens[i - 1].kind == "ident"
            ) and self.pairs[i] > i + 1:
                out.extend(self.sums(i + 1, self.pairs[i]))
        return out

    def _factors(self, start: int, end: int) -> tuple[tuple[int, int], ...]:
        top = self._top_level(start, end)
        if any(self.is_punct(i, "/", "%", "+", "-") for i in top):
            return ()
        stars = [i for i in top if self.is_punct(i, "*")]
        bounds = [start - 1, *stars, end]
        factors = []
        for k in range(len(bounds) - 1):
            fs, fe = bounds[k] + 1, bounds[k + 1]
            if fs >= fe or not self._is_atom(fs, fe):
                return ()
            factors.append((fs, fe))
        return tuple(factors)

    def _is_atom(self, start: int, end: int) -> bool:
        """An identifier, a member access `a.b`, a literal, a call/cast `f(...)` or a
        parenthesised group."""
        if end - start == 1:
            return self.tokens[start].kind in ("ident", "number")
        if (end - start) % 2 == 1 and all(
            self.tokens[i].kind == "ident" if (i - start) % 2 == 0 else self.is_punct(i, ".")
            for i in range(start, end)
        ):
            return True
        if self.is_punct(start, "(") and self.pairs[start] == end - 1:
            return True
        return (
            self.tokens[start].kind == "ident"
            and self.is_punct(start + 1, "(")
            and self.pairs[start + 1] == end - 1
        )
