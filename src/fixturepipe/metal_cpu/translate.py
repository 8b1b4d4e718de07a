"""Metal Shading Language text -> C++ for the runtime in runtime/.

Only rewrites that C++ cannot express with macros, each keeping the line count so
compiler messages and barrier call sites keep the .metal file's line numbers:

* `threadgroup T name[N];` declarations become references into the threadgroup's
  shared arena (`auto& name = *mtl_threadgroup_var<T[N], site>("name", "T name[N]");`),
  so the memory is shared by the group and private to it, not per thread; arrays are
  bounds-checked wrappers (runtime/metal_sync.h), so an index past a dimension is an
  error naming the array, not a write into the neighbouring allocation;
* Metal's vector constructors `float4(a.xy, 1, 2)` become `metal::vmake<float4>(...)`
  (clang's ext vectors lack that syntax), half literals `1.0h` become casts;
* constructs outside the supported subset raise UnsupportedMetalError before any
  compiler runs, so they can never produce a wrong answer.

`device`, `constant`, `thread` and `threadgroup` qualifiers are empty macros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import UnsupportedMetalError

_TOKEN = re.compile(
    r"""
    (?P<nl>\n)
  | (?P<ws>[ \t\r\f\v]+|\\\n)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<pp>\#(?:[^\n\\]|\\.|\\\n)*)
  | (?P<str>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<num>0[xX][0-9a-fA-F.]+(?:[pP][+-]?\d+)?[A-Za-z_]*
            |(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z_]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<punct>::|->|.)
    """,
    re.S | re.X,
)

_VECTOR_TYPE = re.compile(
    r"(?:bool|char|uchar|short|ushort|int|uint|long|ulong|half|bfloat|float)[234]"
)

_UNSUPPORTED = re.compile(
    r"""(?x)
    (?P<texture>texture(?:1d|2d|3d|cube)(?:_ms)?(?:_array)?|texture_buffer
       |depth(?:2d|cube)(?:_ms)?(?:_array)?|sampler)
  | (?P<imageblock>imageblock\w*|threadgroup_imageblock|imageblock_data)
  | (?P<stage_in>stage_in)
  | (?P<raytracing>raytracing|intersector|acceleration_structure|intersection_function_table
       |visible_function_table|primitive_acceleration_structure)
  | (?P<indirect_command_buffer>indirect_command_buffer|render_command|compute_command)
  | (?P<discard_fragment>discard_fragment)
  | (?P<double_precision>double)
  | (?P<mesh_shader>mesh_grid_properties|object_data)
    """
)

# Declaration sites per file (the runtime's table has 64: body 0-31, header 32-63).
MAX_THREADGROUP_VARS = 32
_UNSUFFIXED_FLOAT = re.compile(r"(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
_METAL_INCLUDE = re.compile(r"#\s*include\s*<metal_\w+>")

SIMD_FUNCTIONS = frozenset(
    [
        "simd_sum",
        "simd_product",
        "simd_max",
        "simd_min",
        "simd_and",
        "simd_or",
        "simd_xor",
        "simd_prefix_inclusive_sum",
        "simd_prefix_exclusive_sum",
        "simd_prefix_inclusive_product",
        "simd_prefix_exclusive_product",
        "simd_shuffle",
        "simd_broadcast",
        "simd_shuffle_down",
        "simd_shuffle_up",
        "simd_shuffle_xor",
        "simd_shuffle_rotate_down",
        "simd_shuffle_rotate_up",
        "simd_shuffle_and_fill_down",
        "simd_shuffle_and_fill_up",
        "simd_broadcast_first",
        "simd_all",
        "simd_any",
        "simd_is_first",
        "simd_ballot",
        "simd_active_threads_mask",
        "simd_vote",
        "quad_sum",
        "quad_product",
        "quad_max",
        "quad_min",
        "quad_shuffle",
        "quad_broadcast",
        "quad_shuffle_xor",
        "quad_shuffle_down",
        "quad_shuffle_up",
        "quad_all",
        "quad_any",
        # runtime/metal_simd_extras.h
        "quad_and",
        "quad_or",
        "quad_xor",
        "quad_prefix_inclusive_sum",
        "quad_prefix_exclusive_sum",
        "quad_prefix_inclusive_product",
        "quad_prefix_exclusive_product",
        "quad_ballot",
        "quad_active_threads_mask",
        "quad_is_first",
        "quad_broadcast_first",
        "quad_shuffle_rotate_down",
        "quad_shuffle_rotate_up",
        "quad_shuffle_and_fill_down",
        "quad_shuffle_and_fill_up",
        "simd_is_helper_thread",
        "quad_is_helper_thread",
    ]
)
# Collective calls of every lane of a simdgroup (runtime/metal_simdgroup_matrix.h).
SIMDGROUP_MATRIX_FUNCTIONS = frozenset(
    [
        "simdgroup_load",
        "simdgroup_store",
        "simdgroup_multiply",
        "simdgroup_multiply_accumulate",
    ]
)
SYNC_FUNCTIONS = (
    SIMD_FUNCTIONS | SIMDGROUP_MATRIX_FUNCTIONS | {"threadgroup_barrier", "simdgroup_barrier"}
)


@dataclass
class Token:
    """A lexical token of the source, with its 1-based line."""

    kind: str
    text: str
    line: int


def tokenize(text: str) -> list[Token]:
    """Splits C/Metal text into tokens; concatenating their texts gives `text` back."""
    tokens: list[Token] = []
    line = 1
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # the last alternative matches any character
        kind = m.lastgroup or "punct"
        tokens.append(Token(kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return tokens


@dataclass
class TranslatedText:
    """A translated piece of Metal (header or body)."""

    text: str
    threadgroup_vars: list[str] = field(default_factory=list)
    synchronises: bool = False  # calls a barrier or a simd function
    bool_vectors: bool = False  # names bool2/3/4 (the unit then enables their swizzles)


_SIGNIFICANT = {"num", "id", "punct", "str"}


def _matching_end(sig: list[Token], start: int) -> int:
    """Index of the `;` ending the declaration that starts at sig[start]."""
    depth = 0
    for j in range(start, len(sig)):
        t = sig[j].text
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
            if depth < 0:
                return -1
        elif t == ";" and depth == 0:
            return j
    return -1


def _top_level(decl: list[Token]) -> list[str]:
    """Token texts outside any (), [] or {} (array bounds may hold `*`)."""
    out = []
    depth = 0
    for t in decl:
        if t.text in ")]}":
            depth -= 1
        if depth == 0:
            out.append(t.text)
        if t.text in "([{":
            depth += 1
    return out


def _split_top_level(decl: list[Token]) -> list[list[Token]]:
    """Splits declarators at commas outside brackets and template angle brackets."""
    parts: list[list[Token]] = [[]]
    depth = 0
    angle = 0
    for t in decl:
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.text == "<":
            angle += 1
        elif depth == 0 and t.text == ">":
            angle -= 1
        if t.text == "," and depth == 0 and angle == 0:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def translate(text: str, path: str, site_base: int = 0) -> TranslatedText:
    """Rewrites Metal `text` (read from `path`, for messages) into C++ of the same lines."""
    tokens = tokenize(text)
    sig_idx = [i for i, t in enumerate(tokens) if t.kind in _SIGNIFICANT]
    sig = [tokens[i] for i in sig_idx]
    out = [t.text for t in tokens]
    result = TranslatedText(text="")

    for k, t in enumerate(sig):
        if t.kind != "id":
            continue
        m = _UNSUPPORTED.fullmatch(t.text)
        if m:
            raise UnsupportedMetalError(
                f"{path}:{t.line}: not supported by the CPU executor: {m.lastgroup} (`{t.text}`)"
            )
        nxt = sig[k + 1].text if k + 1 < len(sig) else ""
        prev = sig[k - 1].text if k > 0 else ""
        if t.text.startswith(("simd_", "quad_")) and nxt == "(" and t.text not in SIMD_FUNCTIONS:
            group = "simdgroup" if t.text.startswith("simd_") else "quadgroup"
            raise UnsupportedMetalError(
                f"{path}:{t.line}: not supported by the CPU executor: {group} function `{t.text}`"
            )
        if t.text in SYNC_FUNCTIONS:
            result.synchronises = True
        if t.text in ("bool2", "bool3", "bool4"):
            result.bool_vectors = True
        if _VECTOR_TYPE.fullmatch(t.text) and nxt == "(" and prev not in (".", "->"):
            if prev == "::" and k >= 2 and sig[k - 2].text == "metal":
                out[sig_idx[k - 1]] = ""
                out[sig_idx[k - 2]] = ""
            out[sig_idx[k]] = f"::metal::vmake<::metal::{t.text}>"
    # Metal's standard headers (`#include <metal_stdlib>`, <metal_simdgroup>, ...) are
    # what the runtime provides: the lines are blanked, not included.
    for i, t in enumerate(tokens):
        if t.kind == "pp" and _METAL_INCLUDE.match(t.text):
            out[i] = "\n" * t.text.count("\n")
    for k, t in enumerate(sig):
        if t.kind != "num" or t.text.lower().startswith("0x"):
            continue
        if t.text[-1] in "hH":
            out[sig_idx[k]] = f"((::metal::half)({t.text[:-1]}))"
        elif _UNSUFFIXED_FLOAT.fullmatch(t.text):
            # Metal has no double: an unsuffixed literal is a float there, not a double
            # that would make `x * 0.1` a double multiplication here.
            out[sig_idx[k]] = t.text + "f"

    # threadgroup declarations at the start of a statement.
    k = 0
    while k < len(sig):
        t = sig[k]
        prev = sig[k - 1].text if k > 0 else ";"
        if t.text != "threadgroup" or prev not in (";", "{", "}", ":"):
            k += 1
            continue
        end = _matching_end(sig, k + 1)
        if end < 0:
            k += 1
            continue
        decl = sig[k + 1 : end]
        top = _top_level(decl)
        if "*" in top or "&" in top:
            # Pointers or references into threadgroup memory: the qualifier is all there is.
            # A variable declared beside them (`threadgroup float a[4], *p;`) would become
            # thread-private if left as it is, so that mix is refused.
            if any("*" not in _top_level(d) and "&" not in _top_level(d)
                   for d in _split_top_level(decl)):
                raise UnsupportedMetalError(
                    f"{path}:{t.line}: not supported by the CPU executor: a threadgroup "
                    "variable declared in one statement with pointers or references (declare "
                    "it in its own statement: `threadgroup T name[N];`)"
                )
            k = end + 1
            continue
        if "=" in top:
            raise UnsupportedMetalError(
                f"{path}:{t.line}: not supported by the CPU executor: a threadgroup variable "
                "with an initializer (Metal does not allow one either)"
            )
        declarators = _split_top_level(decl)
        first = declarators[0]
        bracket = next((i for i, d in enumerate(first) if d.text == "["), len(first))
        if "(" in top or bracket < 2 or first[bracket - 1].kind != "id":
            raise UnsupportedMetalError(
                f"{path}:{t.line}: not supported by the CPU executor: this form of threadgroup "
                "declaration (write `threadgroup T name[N];`)"
            )
        type_text = " ".join(d.text for d in first[: bracket - 1])
        pieces = [(first[bracket - 1].text, first[bracket:])]
        for extra in declarators[1:]:
            if not extra or extra[0].kind != "id":
                raise UnsupportedMetalError(
                    f"{path}:{t.line}: not supported by the CPU executor: this threadgroup "
                    "declaration form"
                )
            pieces.append((extra[0].text, extra[1:]))
        stmts = []
        for name, dims in pieces:
            if len(result.threadgroup_vars) >= MAX_THREADGROUP_VARS:
                raise UnsupportedMetalError(
                    f"{path}:{t.line}: not supported by the CPU executor: more than "
                    f"{MAX_THREADGROUP_VARS} threadgroup variables in one file"
                )
            site = site_base + len(result.threadgroup_vars)
            result.threadgroup_vars.append(name)
            dims_text = "".join(d.text for d in dims)
            decl_text = f"{type_text} {name}{dims_text}"
            decl_text = decl_text.replace("\\", "\\\\").replace('"', '\\"')
            stmts.append(
                f"auto& {name} = *::metal::mtl_threadgroup_var<{type_text}{dims_text}, {site}>"
                f'("{name}", "{decl_text}");'
            )
        first_tok, last_tok = sig_idx[k], sig_idx[end]
        newlines = sum(tokens[i].text.count("\n") for i in range(first_tok, last_tok + 1))
        out[first_tok] = " ".join(stmts) + "\n" * newlines
        for i in range(first_tok + 1, last_tok + 1):
            out[i] = ""
        k = end + 1

    _check_thread_matrix_arrays(sig, sig_idx, out)
    result.text = "".join(out)
    return result


# Per-thread arrays of simdgroup matrices (`simdgroup_float8x8 acc[2][8];`) become the
# bounds-checked wrapper of threadgroup arrays (runtime/metal_sync.h): they live on the
# thread's fiber stack, where an index one past the end silently overwrites a neighbour
# (two chunk_scaled_dot_kkt mutants did). Other per-thread arrays stay plain
# (docs/metal_cpu.md "Per-thread arrays").
_SIMDGROUP_MATRIX_TYPE = re.compile(r"simdgroup_(?:float|half|bfloat)8x8")


def _check_thread_matrix_arrays(sig: list[Token], sig_idx: list[int], out: list[str]) -> None:
    """Rewrites `simdgroup_T8x8 name[N]...;` (no initializer) to `mtl_thread_array<...> name;`."""
    for k, t in enumerate(sig):
        prev = sig[k - 1].text if k > 0 else ";"
        if not _SIMDGROUP_MATRIX_TYPE.fullmatch(t.text) or prev not in (";", "{", "}", ":"):
            continue
        end = _matching_end(sig, k + 1)
        decl = sig[k + 1 : end] if end > 0 else []
        if (len(decl) < 4 or decl[0].kind != "id" or decl[1].text != "["
                or {"=", ",", "(", "*", "&"} & set(_top_level(decl))):
            continue
        dims = "".join(d.text for d in decl[1:])
        out[sig_idx[k]] = f"::metal::mtl_thread_array<::metal::{t.text}{dims}>"
        for j in range(k + 2, end):
            out[sig_idx[j]] = ""
