"""The mutation operator catalogue on a small kernel, and determinism of names."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from fixturepipe.mutation import OPERATOR_NAMES, find_mutant, generate_mutants
from fixturepipe.mutation.generate import NAME_PATTERN
from fixturepipe.mutation.operators import SIMDGROUP_MATRIX_OPERATORS
from fixturepipe.mutation.tokens import TokenizeError, tokenize

# A miniature of chunk_tri_solve_invert: staging, barrier, accumulation, strided store.
SMALL = """\
// a < b and x * y in a comment must never be mutated
/* nor a block: i <= n - 1 */
constexpr uint N = 4;
threadgroup float tile[N * N];
const uint j = thread_position_in_threadgroup.x;
const uint head = threadgroup_position_in_grid.y;
const uint stride = heads * N;
for (uint i = 0; i < N; ++i) {
    tile[i * N + j] = (j < i) ? x[i * stride + head * N + j] : 0.0f;
}
threadgroup_barrier(mem_flags::mem_threadgroup);
for (uint i = 0; i < N; ++i) {
    float acc = (i == j) ? 1.0f : 0.0f;
    for (uint k = j; k < i; ++k) {
        acc -= tile[i * N + k] * 2.0f;
    }
    y[i * stride + head * N + j] = acc;
}
"""


def _by_operator(source: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for mutant in generate_mutants(source):
        out.setdefault(mutant.operator, []).append(mutant)
    return out


def test_every_operator_fires_on_the_small_kernel() -> None:
    ops = _by_operator(SMALL)
    assert set(ops) == set(OPERATOR_NAMES) - SIMDGROUP_MATRIX_OPERATORS


# An 8x8-tiled GEMM step written with simdgroup matrices.
SGM = """\
simdgroup_float8x8 acc = simdgroup_float8x8(0.0f);
for (uint k = 0; k < K; k += 8) {
    simdgroup_float8x8 ma, mb;
    simdgroup_load(ma, A, K, ulong2(k, row));
    simdgroup_load(mb, B, N, ulong2(col, k), false);
    simdgroup_multiply_accumulate(acc, ma, mb, acc);
}
simdgroup_store(acc, C, N);
"""


def test_simdgroup_matrix_operators() -> None:
    """Swapped operands, wrong transpose flag, wrong origin, dropped accumulate."""
    ops = {op: {m.source for m in ms} for op, ms in _by_operator(SGM).items()}
    assert set(ops) >= SIMDGROUP_MATRIX_OPERATORS

    def line(op: str, n: int) -> set[str]:
        return {src.splitlines()[n].strip() for src in ops[op]}

    assert line("sgm_swap_operands", 5) == {"simdgroup_multiply_accumulate(acc, mb, ma, acc);"}
    assert line("sgm_drop_accumulate", 5) == {"simdgroup_multiply(acc, ma, mb);"}
    flips = line("sgm_transpose_flip", 3) | line("sgm_transpose_flip", 4) | line(
        "sgm_transpose_flip", 7
    )
    assert {
        "simdgroup_load(ma, A, K, ulong2(k, row), true);",
        "simdgroup_load(mb, B, N, ulong2(col, k), true);",
        "simdgroup_store(acc, C, N, ulong2(0, 0), true);",
    } <= flips
    assert {
        "simdgroup_load(ma, A, K, ulong2(row, k));",
        "simdgroup_load(ma, A, K, (ulong2(k, row)) + ulong2(1, 0));",
        "simdgroup_load(ma, A, K, (ulong2(k, row)) + ulong2(0, 1));",
    } <= line("sgm_origin_shift", 3)


def test_comments_are_never_mutated() -> None:
    for mutant in generate_mutants(SMALL):
        assert mutant.source.splitlines()[:2] == SMALL.splitlines()[:2], mutant.name
        assert mutant.line > 2


def test_mutants_are_distinct_from_original_and_each_other() -> None:
    mutants = generate_mutants(SMALL)
    texts = [m.source for m in mutants]
    assert SMALL not in texts
    assert len(set(texts)) == len(texts)
    assert len({m.name for m in mutants}) == len(mutants)


def test_names_are_operator_context_hash_variant() -> None:
    for mutant in generate_mutants(SMALL):
        assert re.fullmatch(NAME_PATTERN, mutant.name)
        assert mutant.name.startswith(f"{mutant.operator}_")
        assert mutant.name.endswith(f"_{mutant.variant}") or not mutant.variant
        line = SMALL.splitlines()[mutant.line - 1]
        assert mutant.source.splitlines()[mutant.line - 1] != line or mutant.operator in (
            "store_delete", "barrier_delete", "index_term_drop", "stride_drop"
        )


def test_names_are_deterministic_and_independent_of_later_text() -> None:
    first = [(m.name, m.source) for m in generate_mutants(SMALL)]
    assert first == [(m.name, m.source) for m in generate_mutants(SMALL)]
    # Appending code adds mutants but renames none of the existing ones.
    longer = {m.name for m in generate_mutants(SMALL + "z[j] = 1.0f;\n")}
    assert {name for name, _ in first} <= longer


def test_names_survive_lines_added_above_and_edits_elsewhere() -> None:
    before = {m.name: (m.line, m.description) for m in generate_mutants(SMALL)}
    lines = SMALL.splitlines(keepends=True)
    # A comment line and a new statement above everything, a comment edited, blank lines.
    edited = "// added comment\nconstexpr uint EXTRA = 9;\n\n" + "".join(lines).replace(
        "//", "// reworded:", 1)
    after = {m.name: (m.line, m.description) for m in generate_mutants(edited)}
    assert set(before) <= set(after)
    assert all(after[n][0] == before[n][0] + 3 for n in before)


def test_editing_a_line_renames_only_that_lines_mutants() -> None:
    target = "    y[i * stride + head * N + j] = acc;"
    assert target in SMALL
    edited = SMALL.replace(target, "    y[i * stride + head * N + j] = acc + 0.0f;")
    before = {m.name: m for m in generate_mutants(SMALL)}
    after = {m.name for m in generate_mutants(edited)}
    line = SMALL.splitlines().index(target) + 1
    gone = {n for n in before if n not in after}
    assert gone and all(before[n].line == line for n in gone)


def test_specific_mutations() -> None:
    ops = _by_operator(SMALL)
    lines = SMALL.splitlines()

    def mutated_line(mutant) -> str:
        return mutant.source.splitlines()[mutant.line - 1]

    barrier = ops["barrier_delete"]
    assert len(barrier) == 1 and barrier[0].race_check
    assert "threadgroup_barrier" not in barrier[0].source
    assert not any(m.race_check for m in generate_mutants(SMALL) if m.name != barrier[0].name)

    rel = {mutated_line(m) for m in ops["rel_off_by_one"]}
    assert "for (uint i = 0; i <= N; ++i) {" in rel
    assert "    for (uint k = j; k <= i; ++k) {" in rel

    bounds = {m.variant: mutated_line(m) for m in ops["loop_bound"] if m.line == 8}
    assert bounds["end_plus"] == "for (uint i = 0; i < N + 1; ++i) {"
    assert bounds["end_minus"] == "for (uint i = 0; i < N - 1; ++i) {"
    assert bounds["start_plus"] == "for (uint i = 1; i < N; ++i) {"
    assert "start_minus" not in bounds  # an unsigned counter from 0 cannot go lower

    store_line = lines[16]
    transposed = [m for m in ops["transposed_store"] if m.line == 17]
    assert [mutated_line(m) for m in transposed] == [
        "    y[j * stride + head * N + i] = acc;"
    ]
    assert "head" not in {m.variant for m in transposed}  # head is not a row/column
    dropped = {mutated_line(m) for m in ops["index_term_drop"] if m.line == 17}
    assert "    y[i * stride + j] = acc;" in dropped  # the missing head offset
    swapped = {mutated_line(m) for m in ops["stride_swap"] if m.line == 17}
    assert "    y[i * N + head * N + j] = acc;" in swapped
    assert any(
        mutated_line(m) == "    y[(i + 1) * stride + head * N + j] = acc;"
        for m in ops["offset_shift"]
    )
    skips = {m.variant: m for m in ops["store_skip"] if m.line == 17}
    assert set(skips) == {"i", "j"}
    assert mutated_line(skips["j"]) == "    if (j != 0) " + store_line.lstrip()
    deleted = [m for m in ops["store_delete"] if m.line == 17]
    assert mutated_line(deleted[0]).strip() == ";"

    precision = {mutated_line(m) for m in ops["precision_loss"]}
    assert "    half acc = (i == j) ? 1.0f : 0.0f;" in precision
    assert "threadgroup half tile[N * N];" in precision

    assert "        acc += tile[i * N + k] * 2.0f;" in {
        mutated_line(m) for m in ops["arith_swap"]
    }
    assert "    y[i * stride + head * N + j] = -(acc);" in {
        mutated_line(m) for m in ops["sign_flip"]
    }
    constants = {mutated_line(m) for m in ops["constant_perturb"]}
    assert {"constexpr uint N = 5;", "constexpr uint N = 3;"} <= constants
    assert "        acc -= tile[i * N + k] * 4.0f;" in constants


def test_duplicate_text_keeps_the_first_name() -> None:
    # `for (uint i = 0` -> `1` is both loop_bound start_plus and constant_perturb plus.
    at = {(m.operator, m.variant) for m in generate_mutants(SMALL) if (m.line, m.col) == (8, 15)}
    assert ("loop_bound", "start_plus") in at
    assert ("constant_perturb", "plus") not in at


def test_operator_counts_are_stable_for_the_real_kernel() -> None:
    kernel = Path(__file__).resolve().parents[1] / "kernels" / "chunk_tri_solve_invert"
    source = kernel / "chunk_tri_solve_invert.metal"
    mutants = generate_mutants(source.read_text())
    counts = Counter(m.operator for m in mutants)
    assert set(counts) == set(OPERATOR_NAMES) - SIMDGROUP_MATRIX_OPERATORS
    assert counts["barrier_delete"] == 1
    assert counts["transposed_store"] == 3


def test_find_mutant_explains_unknown_names() -> None:
    with pytest.raises(KeyError, match="regenerate"):
        find_mutant(SMALL, "arith_swap_00000000")
    with pytest.raises(KeyError, match="not a mutant name"):
        find_mutant(SMALL, "barrier_delete_L11C1")
    barrier = next(m for m in generate_mutants(SMALL) if m.operator == "barrier_delete")
    index, found = find_mutant(SMALL, barrier.name)
    assert index == 0 and found.race_check


def test_tokenizer_skips_literals_and_reports_unterminated_ones() -> None:
    toks = tokenize('a = "x < y"; b = \'<\';\n  #pragma unroll\nc <<= 1;')
    assert [t.text for t in toks] == ["a", "=", ";", "b", "=", ";", "c", "<<=", "1", ";"]
    with pytest.raises(TokenizeError, match="line 1"):
        tokenize("a = /* never closed")
    # A character no operator knows is kept as an inert token, not an error.
    assert [t.kind for t in tokenize("x @ y")] == ["ident", "other", "ident"]


def test_template_arguments_casts_and_simd_calls_are_handled() -> None:
    source = (
        "float v = static_cast<float>(x[0]) * 0.5f + as_type<float>(bits[0]);\n"
        "vec<float, 4> q = vec<float, 4>(1.0f);\n"
        "y[0] = (float)n / .5f + simd_sum(v);\n"
    )
    mutants = generate_mutants(source)
    for mutant in mutants:
        assert "static_cast<float>" in mutant.source and "vec<float, 4>" in mutant.source, (
            mutant.name
        )
    lines = {m.source.splitlines()[m.line - 1] for m in mutants}
    assert "vec<float, 4> q = vec<float, 4>(2.0f);" in lines  # the value, not the type
    assert "y[0] = (float)n * .5f + simd_sum(v);" in lines
