"""The mutation operator catalogue.

Each operator looks at a `KernelCode` and proposes `Candidate` edits: spans of
the original text to replace. A candidate is named by its operator and the
line/column of the token it aims at (plus a variant when one site has
several), so names survive unrelated edits elsewhere in the file only as far
as line/column do, and are identical across runs.

The catalogue order matters: when two operators produce the same mutant text,
the first operator's name is kept (see `fixturepipe.mutation.generate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fixturepipe.mutation.code import FLOAT_TYPES, INT_TYPES, KernelCode, Term, is_type_name

Edit = tuple[int, int, str]  # (char start, char end, replacement)


@dataclass(frozen=True)
class Candidate:
    """One proposed mutation before naming and de-duplication."""

    operator: str
    site: int  # token index the name's line/column come from
    variant: str
    edits: tuple[Edit, ...]
    description: str
    race_check: bool = False


Operator = Callable[[KernelCode], Iterator[Candidate]]

_TEMPLATE_OPENERS = frozenset(
    {"static_cast", "reinterpret_cast", "const_cast", "as_type", "vec", "array", "atomic",
     "packed_vec", "matrix", "simdgroup_matrix", "numeric_limits", "template"}
)
_SWAP = {"+": "-", "-": "+", "*": "/", "/": "*", "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*="}
_REL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_NEG = {"==": "!=", "!=": "=="}
_BARRIERS = frozenset({"threadgroup_barrier", "simdgroup_barrier"})
_INT_LITERAL = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)")
_FLOAT_LITERAL = re.compile(r"((?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)([fFhH]?)")


def _replace(code: KernelCode, start: int, end: int, text: str) -> Edit:
    s, e = code.span(start, end)
    return (s, e, text)


def _template_angles(code: KernelCode) -> set[int]:
    """Token indices of template argument lists `<...>`, brackets included.

    Their `<`/`>` are not comparisons, and a literal there (`vec<float, 4>`) is a
    type, not a value: mutating either only makes a mutant that does not compile.
    """
    out: set[int] = set()
    toks = code.tokens
    for i, tok in enumerate(toks):
        if tok.text == "<" and i > 0 and toks[i - 1].text in _TEMPLATE_OPENERS:
            depth = 0
            for j in range(i, len(toks)):
                if toks[j].text == "<":
                    depth += 1
                elif toks[j].text == ">":
                    depth -= 1
                    if depth == 0:
                        out.update(range(i, j + 1))
                        break
                elif toks[j].text in (";", "{", "}"):
                    break
    return out


def _operator_swap(code: KernelCode, table: dict[str, str], name: str) -> Iterator[Candidate]:
    angles = _template_angles(code) if name == "rel_off_by_one" else set()
    for i, tok in enumerate(code.tokens):
        new = table.get(tok.text) if tok.kind == "punct" else None
        if new is None or i in angles:
            continue
        if tok.text in ("+", "-", "*", "/", "<", ">", "<=", ">=") and not code.is_binary(i):
            continue
        yield Candidate(
            name, i, "", (_replace(code, i, i + 1, new),), f"`{tok.text}` -> `{new}`"
        )


def arith_swap(code: KernelCode) -> Iterator[Candidate]:
    """Binary `+`<->`-`, `*`<->`/` and their compound assignments."""
    yield from _operator_swap(code, _SWAP, "arith_swap")


def rel_off_by_one(code: KernelCode) -> Iterator[Candidate]:
    """Boundary shift of a comparison: `<`<->`<=`, `>`<->`>=`."""
    yield from _operator_swap(code, _REL, "rel_off_by_one")


def rel_negate(code: KernelCode) -> Iterator[Candidate]:
    """Equality negated: `==`<->`!=` (a diagonal or guard test turned inside out)."""
    yield from _operator_swap(code, _NEG, "rel_negate")


def sign_flip(code: KernelCode) -> Iterator[Candidate]:
    """Drop a unary minus, or negate the value an assignment stores.

    Integer declarations and compound assignments are left alone: negating an
    index only makes an out-of-range address, and `-=`/`+=` is `arith_swap`.
    """
    for i, tok in enumerate(code.tokens):
        if (
            tok.kind == "punct"
            and tok.text == "-"
            and not code.is_binary(i)
            and i + 1 < len(code.tokens)
            and not code.is_punct(i + 1, "-")
        ):
            yield Candidate(
                "sign_flip", i, "unary", (_replace(code, i, i + 1, ""),), "unary `-` removed"
            )
    for stmt in code.statements:
        assign = code.assignment(stmt)
        if assign is None or code.tokens[assign.op].text != "=" or assign.rhs[0] >= assign.rhs[1]:
            continue
        if code.declared_type(stmt) in INT_TYPES or _is_zero(code.text(*assign.rhs)):
            continue
        rhs = code.text(*assign.rhs)
        yield Candidate(
            "sign_flip",
            assign.rhs[0],
            "",
            (_replace(code, *assign.rhs, f"-({rhs})"),),
            f"stored value negated: `-({rhs})`",
        )


def _is_zero(text: str) -> bool:
    match = _FLOAT_LITERAL.fullmatch(text) or _INT_LITERAL.fullmatch(text)
    if match is None:
        return False
    try:
        return float(int(match.group(1), 0) if "x" in text.lower() else match.group(1)) == 0.0
    except ValueError:
        return False


def _plus_minus(code: KernelCode, start: int, end: int, delta: int) -> str:
    """Text of the expression [start, end) plus `delta`, folded when it is a literal."""
    text = code.text(start, end)
    match = _INT_LITERAL.fullmatch(text)
    if match:
        return _format_int(int(match.group(1), 0) + delta, match.group(1), match.group(2))
    if end - start > 1 and not (code.is_punct(start, "(") and code.pairs[start] == end - 1):
        text = f"({text})"
    return f"{text} {'+' if delta > 0 else '-'} {abs(delta)}"


def _format_int(value: int, original: str, suffix: str) -> str:
    body = hex(value) if original.lower().startswith("0x") else str(value)
    return body + suffix


def loop_bound(code: KernelCode) -> Iterator[Candidate]:
    """A `for` loop's end bound and start value moved by one in each direction."""
    for header in code.for_headers:
        cs, ce = header.cond
        ops = [i for i in range(cs, ce) if code.is_punct(i, "<", "<=", ">", ">=", "!=")]
        if len(ops) == 1 and ops[0] + 1 < ce:
            bound = (ops[0] + 1, ce)
            for variant, delta in (("end_plus", 1), ("end_minus", -1)):
                yield Candidate(
                    "loop_bound",
                    bound[0],
                    variant,
                    (_replace(code, *bound, _plus_minus(code, *bound, delta)),),
                    f"loop end `{code.text(*bound)}` {delta:+d}",
                )
        s, e = header.init
        eq = next((i for i in range(s, e) if code.is_punct(i, "=")), None)
        if eq is not None and eq + 1 < e:
            start = (eq + 1, e)
            for variant, delta in (("start_plus", 1), ("start_minus", -1)):
                if delta < 0 and _is_zero(code.text(*start)):
                    continue  # an unsigned counter cannot start below zero
                yield Candidate(
                    "loop_bound",
                    start[0],
                    variant,
                    (_replace(code, *start, _plus_minus(code, *start, delta)),),
                    f"loop start `{code.text(*start)}` {delta:+d}",
                )


def constant_perturb(code: KernelCode) -> Iterator[Candidate]:
    """Integer literals +-1; float literals doubled (zero becomes one)."""
    in_template = _template_angles(code)
    for i, tok in enumerate(code.tokens):
        if tok.kind != "number" or i in in_template:
            continue
        int_match = _INT_LITERAL.fullmatch(tok.text)
        if int_match:
            value = int(int_match.group(1), 0)
            for variant, delta in (("plus", 1), ("minus", -1)):
                if value + delta < 0:
                    continue
                new = _format_int(value + delta, int_match.group(1), int_match.group(2))
                yield Candidate(
                    "constant_perturb", i, variant, (_replace(code, i, i + 1, new),),
                    f"`{tok.text}` -> `{new}`",
                )
            continue
        float_match = _FLOAT_LITERAL.fullmatch(tok.text)
        if float_match:
            value = float(float_match.group(1))
            new = repr(value * 2.0 if value else 1.0) + float_match.group(2)
            yield Candidate(
                "constant_perturb", i, "", (_replace(code, i, i + 1, new),),
                f"`{tok.text}` -> `{new}`",
            )


def _stores(code: KernelCode) -> Iterator[tuple[int, int, int, int, int]]:
    """(statement start, `;` index, name, `[`, `]`) for every subscripted store."""
    for stmt in code.statements:
        target = code.store_target(stmt)
        if target is not None and not stmt.in_for_header:
            yield (stmt.start, stmt.end, *target)


def store_delete(code: KernelCode) -> Iterator[Candidate]:
    """A store statement removed: its destination is never written by it."""
    for start, semi, name, _, _ in _stores(code):
        yield Candidate(
            "store_delete", start, "", (_replace(code, start, semi + 1, ";"),),
            f"store to `{code.tokens[name].text}` deleted",
        )


def store_skip(code: KernelCode) -> Iterator[Candidate]:
    """A store guarded so that index 0 of one row/column variable is never written."""
    for start, _, name, open_, close in _stores(code):
        seen = []
        for i in range(open_ + 1, close):
            text = code.tokens[i].text
            if code.tokens[i].kind == "ident" and text in code.index_vars and text not in seen:
                seen.append(text)
        for var in seen:
            s = code.tokens[start].start
            yield Candidate(
                "store_skip", start, var, ((s, s, f"if ({var} != 0) "),),
                f"store to `{code.tokens[name].text}` skipped where `{var}` == 0",
            )


def barrier_delete(code: KernelCode) -> Iterator[Candidate]:
    """A `threadgroup_barrier`/`simdgroup_barrier` removed; also run under race check."""
    for stmt in code.statements:
        tok = code.tokens[stmt.start]
        if tok.kind == "ident" and tok.text in _BARRIERS:
            yield Candidate(
                "barrier_delete", stmt.start, "", (_replace(code, stmt.start, stmt.end + 1, ";"),),
                f"`{code.text(stmt.start, stmt.end)}` deleted", race_check=True,
            )


def precision_loss(code: KernelCode) -> Iterator[Candidate]:
    """A float variable or tile declared `half` instead (an accumulator loses bits)."""
    for stmt in code.statements:
        if code.declared_type(stmt) not in FLOAT_TYPES and not _is_float_vector(
            code.declared_type(stmt)
        ):
            continue
        for i in range(stmt.start, stmt.end):
            tok = code.tokens[i]
            if tok.kind == "ident" and is_type_name(tok.text) and tok.text.startswith("float"):
                new = "half" + tok.text[len("float"):]
                yield Candidate(
                    "precision_loss", i, "", (_replace(code, i, i + 1, new),),
                    f"`{tok.text}` declaration -> `{new}`",
                )
                break


def _is_float_vector(kind: str | None) -> bool:
    return kind is not None and kind.startswith(("float", "half")) and kind[-1].isdigit()


def _index_sums(code: KernelCode) -> Iterator[tuple[bool, list[Term]]]:
    seen = set()
    for start, end, is_store in code.index_contexts:
        for terms in code.sums(start, end):
            key = (terms[0].start, terms[-1].end)
            if key not in seen:
                seen.add(key)
                yield is_store, terms


def index_term_drop(code: KernelCode) -> Iterator[Candidate]:
    """An additive term of an offset dropped (a missing head, chunk or batch offset)."""
    for _, terms in _index_sums(code):
        if len(terms) < 2:
            continue
        for k, term in enumerate(terms):
            if k == 0:
                nxt = terms[1]
                if code.tokens[nxt.op].text != "+":
                    continue
                s, e = code.tokens[term.start].start, code.tokens[nxt.start].start
            else:
                s, e = code.tokens[term.op - 1].end, code.tokens[term.end - 1].end
            yield Candidate(
                "index_term_drop", term.start, "", ((s, e, ""),),
                f"offset term `{code.text(term.start, term.end)}` dropped",
            )


def _strided_terms(code: KernelCode) -> Iterator[Term]:
    """The products (two factors or more) of every offset sum, in order: the terms the
    stride and offset operators mutate, found in one place so they agree on them."""
    for _, terms in _index_sums(code):
        for term in terms:
            if len(term.factors) >= 2:
                yield term


def stride_drop(code: KernelCode) -> Iterator[Candidate]:
    """The last factor (the stride) of a product in an offset dropped."""
    for term in _strided_terms(code):
        last = term.factors[-1]
        s = code.tokens[term.factors[-2][1] - 1].end
        e = code.tokens[last[1] - 1].end
        yield Candidate(
            "stride_drop", last[0], "", ((s, e, ""),),
            f"stride `{code.text(*last)}` dropped from `{code.text(term.start, term.end)}`",
        )


def _strides(code: KernelCode) -> list[str]:
    """Identifiers used as the last factor of an offset product, in order of appearance."""
    names: list[str] = []
    for term in _strided_terms(code):
        last = term.factors[-1]
        text = code.text(*last)
        if last[1] - last[0] == 1 and code.tokens[last[0]].kind == "ident" and text not in names:
            names.append(text)
    return names


def stride_swap(code: KernelCode) -> Iterator[Candidate]:
    """An offset's stride replaced by another stride of the kernel (row vs head stride)."""
    strides = _strides(code)
    for term in _strided_terms(code):
        last = term.factors[-1]
        current = code.text(*last)
        if current not in strides:
            continue
        for other in strides:
            declared = code.declarations.get(other)
            if other == current or (declared is not None and declared[0] >= last[0]):
                continue
            yield Candidate(
                "stride_swap", last[0], other, (_replace(code, *last, other),),
                f"stride `{current}` -> `{other}`",
            )


def offset_shift(code: KernelCode) -> Iterator[Candidate]:
    """The index of a strided term shifted by one (the wrong chunk, head or row)."""
    for term in _strided_terms(code):
        first = term.factors[0]
        yield Candidate(
            "offset_shift", first[0], "",
            (_replace(code, *first, f"({code.text(*first)} + 1)"),),
            f"`{code.text(*first)}` -> `{code.text(*first)} + 1` in an offset",
        )


def _transpositions(code: KernelCode, want_store: bool) -> Iterator[tuple[int, int, str, str]]:
    """(row token, column token, row, column) pairs `r * S + c` of index variables."""
    for is_store, terms in _index_sums(code):
        if is_store != want_store:
            continue
        rows = [
            t.factors[0][0] for t in terms
            if len(t.factors) == 2 and t.factors[0][1] - t.factors[0][0] == 1
            and code.tokens[t.factors[0][0]].text in code.index_vars
        ]
        cols = [
            t.start for t in terms
            if t.end - t.start == 1 and code.tokens[t.start].text in code.index_vars
        ]
        for r in rows:
            for c in cols:
                rt, ct = code.tokens[r].text, code.tokens[c].text
                if rt != ct:
                    yield r, c, rt, ct


def transposed_store(code: KernelCode) -> Iterator[Candidate]:
    """A store's row and column index swapped: `out[r * S + c]` -> `out[c * S + r]`."""
    for r, c, rt, ct in _transpositions(code, want_store=True):
        yield Candidate(
            "transposed_store", r, ct,
            (_replace(code, r, r + 1, ct), _replace(code, c, c + 1, rt)),
            f"store index `{rt}`<->`{ct}` transposed",
        )


def index_swap(code: KernelCode) -> Iterator[Candidate]:
    """A load's row and column index swapped (a transposed read)."""
    for r, c, rt, ct in _transpositions(code, want_store=False):
        yield Candidate(
            "index_swap", r, ct,
            (_replace(code, r, r + 1, ct), _replace(code, c, c + 1, rt)),
            f"load index `{rt}`<->`{ct}` transposed",
        )


def _arguments(code: KernelCode, open_: int) -> list[tuple[int, int]]:
    """Token spans of the comma-separated arguments inside the `(` at `open_`."""
    close = code.pairs[open_]
    args: list[tuple[int, int]] = []
    start = j = open_ + 1
    while j < close:
        if code.is_punct(j, "(", "[", "{"):
            j = code.pairs.get(j, j)
        elif code.is_punct(j, ","):
            args.append((start, j))
            start = j + 1
        j += 1
    if start < close:
        args.append((start, close))
    return args


def _calls(
    code: KernelCode, names: frozenset[str]
) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    """(name token, `)` token, argument token spans) of every call to one of `names`."""
    for i, tok in enumerate(code.tokens):
        if tok.kind == "ident" and tok.text in names and i + 1 in code.pairs and (
            code.is_punct(i + 1, "(")
        ):
            yield i, code.pairs[i + 1], _arguments(code, i + 1)


_SGM_MULTIPLY = frozenset({"simdgroup_multiply", "simdgroup_multiply_accumulate"})
_SGM_MOVE = frozenset({"simdgroup_load", "simdgroup_store"})


def sgm_swap_operands(code: KernelCode) -> Iterator[Candidate]:
    """`simdgroup_multiply(_accumulate)(d, a, b, ...)` computes with b * a instead."""
    for name, _, args in _calls(code, _SGM_MULTIPLY):
        if len(args) < 3:
            continue
        a, b = code.text(*args[1]), code.text(*args[2])
        if a == b:
            continue
        yield Candidate(
            "sgm_swap_operands", name, "",
            (_replace(code, *args[1], b), _replace(code, *args[2], a)),
            f"`{code.tokens[name].text}` operands `{a}`, `{b}` swapped",
        )


def sgm_transpose_flip(code: KernelCode) -> Iterator[Candidate]:
    """A `simdgroup_load`/`_store` with its transpose flag negated (or set when absent)."""
    for name, _, args in _calls(code, _SGM_MOVE):
        fn = code.tokens[name].text
        if len(args) >= 5:
            flag = code.text(*args[4])
            new = {"true": "false", "false": "true"}.get(flag, f"!({flag})")
            edit = _replace(code, *args[4], new)
        elif len(args) >= 3:
            tail = ", true" if len(args) == 4 else ", ulong2(0, 0), true"
            end = code.tokens[args[-1][1] - 1].end
            edit = (end, end, tail)
        else:
            continue
        yield Candidate(
            "sgm_transpose_flip", name, "", (edit,), f"`{fn}` transpose flag negated",
        )


def sgm_origin_shift(code: KernelCode) -> Iterator[Candidate]:
    """A `simdgroup_load`/`_store` origin moved one column or one row, or its x and y swapped."""
    for name, _, args in _calls(code, _SGM_MOVE):
        if len(args) < 4:
            continue
        fn = code.tokens[name].text
        origin = code.text(*args[3])
        for variant, delta in (("col", "ulong2(1, 0)"), ("row", "ulong2(0, 1)")):
            yield Candidate(
                "sgm_origin_shift", name, variant,
                (_replace(code, *args[3], f"({origin}) + {delta}"),),
                f"`{fn}` origin `{origin}` + {delta}",
            )
        s, e = args[3]
        if code.tokens[s].kind == "ident" and code.pairs.get(s + 1) == e - 1:
            parts = _arguments(code, s + 1)  # `ulong2(x, y)`: swap x and y
            x, y = (code.text(*parts[0]), code.text(*parts[1])) if len(parts) == 2 else ("", "")
            if x != y:
                yield Candidate(
                    "sgm_origin_shift", name, "swap",
                    (_replace(code, *parts[0], y), _replace(code, *parts[1], x)),
                    f"`{fn}` origin x and y swapped: `{x}`<->`{y}`",
                )


def sgm_drop_accumulate(code: KernelCode) -> Iterator[Candidate]:
    """`simdgroup_multiply_accumulate(d, a, b, c)` -> `simdgroup_multiply(d, a, b)`: C lost."""
    for name, close, args in _calls(code, frozenset({"simdgroup_multiply_accumulate"})):
        if len(args) != 4:
            continue
        s = code.tokens[args[2][1] - 1].end
        e = code.tokens[close].start
        yield Candidate(
            "sgm_drop_accumulate", name, "",
            (_replace(code, name, name + 1, "simdgroup_multiply"), (s, e, "")),
            f"accumulator `{code.text(*args[3])}` dropped",
        )


# Catalogue order = priority when two operators make the same text.
CATALOGUE: tuple[tuple[str, Operator], ...] = (
    ("barrier_delete", barrier_delete),
    ("sgm_drop_accumulate", sgm_drop_accumulate),
    ("sgm_swap_operands", sgm_swap_operands),
    ("sgm_transpose_flip", sgm_transpose_flip),
    ("sgm_origin_shift", sgm_origin_shift),
    ("store_delete", store_delete),
    ("store_skip", store_skip),
    ("transposed_store", transposed_store),
    ("index_swap", index_swap),
    ("index_term_drop", index_term_drop),
    ("stride_drop", stride_drop),
    ("stride_swap", stride_swap),
    ("offset_shift", offset_shift),
    ("loop_bound", loop_bound),
    ("rel_off_by_one", rel_off_by_one),
    ("rel_negate", rel_negate),
    ("arith_swap", arith_swap),
    ("sign_flip", sign_flip),
    ("precision_loss", precision_loss),
    ("constant_perturb", constant_perturb),
)
OPERATOR_NAMES: tuple[str, ...] = tuple(name for name, _ in CATALOGUE)
# Operators that fire only on kernels written with simdgroup matrices.
SIMDGROUP_MATRIX_OPERATORS: frozenset[str] = frozenset(
    name for name in OPERATOR_NAMES if name.startswith("sgm_")
)
