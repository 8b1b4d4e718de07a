"""The Metal -> C++ rewriter: only code is rewritten, and lines stay where they were."""

from __future__ import annotations

import pytest

from fixturepipe.metal_cpu import UnsupportedMetalError
from fixturepipe.metal_cpu.translate import translate

SOURCE = """// threadgroup float not_a_decl[4]; texture2d<float> in a comment is fine
/* float4(1, 2) and 0.5 in a block comment */
threadgroup float tile[16][17], row[16];
threadgroup atomic_uint counter;
threadgroup float* p = tile[0];
float4 v = metal::float4(p[0], 1, 2.5, 0.5h);
float2 w = v.xy * 0.25;
"""


def test_rewrites_code_not_comments_and_keeps_lines() -> None:
    out = translate(SOURCE, "k.metal")
    lines = out.text.split("\n")
    assert len(lines) == len(SOURCE.split("\n"))
    assert lines[0] == SOURCE.split("\n")[0] and lines[1] == SOURCE.split("\n")[1]
    assert lines[2] == (
        "auto& tile = *::metal::mtl_threadgroup_var<float[16][17], 0>"
        '("tile", "float tile[16][17]"); '
        'auto& row = *::metal::mtl_threadgroup_var<float[16], 1>("row", "float row[16]");'
    )
    assert lines[3] == (
        'auto& counter = *::metal::mtl_threadgroup_var<atomic_uint, 2>'
        '("counter", "atomic_uint counter");'
    )
    assert lines[4] == "threadgroup float* p = tile[0];"  # a pointer: qualifier only
    assert lines[5] == (
        "float4 v = ::metal::vmake<::metal::float4>(p[0], 1, 2.5f, ((::metal::half)(0.5)));"
    )
    assert lines[6] == "float2 w = v.xy * 0.25f;"
    assert out.threadgroup_vars == ["tile", "row", "counter"]
    assert not out.synchronises


def test_synchronising_calls_are_detected() -> None:
    assert translate("x = simd_sum(x);", "k.metal").synchronises
    assert translate("threadgroup_barrier(mem_flags::mem_threadgroup);", "k.metal").synchronises
    assert not translate("uint simd_width = 32;", "k.metal").synchronises


def test_unsupported_construct_in_code_names_file_and_line() -> None:
    with pytest.raises(
        UnsupportedMetalError,
        match=r"^k.metal:3: not supported by the CPU "
        r"executor: texture \(`texture2d`\)$",
    ):
        translate(
            '// texture2d is fine here\nconst char* s = "texture2d";\ntexture2d<float> t;\n',
            "k.metal",
        )


def test_threadgroup_pointers_stay_and_a_variable_beside_them_is_refused() -> None:
    """`threadgroup` on a pointer qualifies the pointee: the pointers are the thread's own.
    An array declared in the same statement would silently become thread-private too."""
    for pointers in ("threadgroup float* rows[4];", "threadgroup float *p, &r = x;"):
        assert translate(pointers, "k.metal").text == pointers
    with pytest.raises(
        UnsupportedMetalError,
        match=r"^k.metal:2: not supported by the CPU executor: a threadgroup variable declared "
        r"in one statement with pointers",
    ):
        translate("uint i = 0;\nthreadgroup float a[4], *p;\n", "k.metal")
