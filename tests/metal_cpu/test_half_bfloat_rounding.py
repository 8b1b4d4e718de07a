"""half and bfloat conversions and arithmetic round as Metal does: to nearest even, each
operation rounded, subnormals kept (no flush to zero), on any host CPU.

The references are computed exactly in numpy (float64 holds every sum and product of
two half or bfloat values exactly), then rounded once with integer round-to-nearest-even,
so they do not depend on the host's bfloat16 instructions either.
"""

from __future__ import annotations

import subprocess

import mlx.core as mx
import numpy as np

from fixturepipe.metal_cpu import metal_kernel, toolchain


def bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits, round to nearest even; NaN quieted with sign and payload."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    return np.where(nan, (u >> 16) | 0x40, rounded).astype(np.uint16)


def bf16_value(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f64_to_bf16_bits(d: np.ndarray) -> np.ndarray:
    """float64 -> bfloat16 bits with one rounding (to nearest even): round to odd in
    float32 first, which keeps enough bits for the second rounding to be exact."""
    with np.errstate(over="ignore"):
        f = d.astype(np.float32)
    u = f.view(np.uint32).copy()
    inexact = (f.astype(np.float64) != d) & ~np.isnan(d) & ((u & 1) == 0)
    away = np.abs(f.astype(np.float64)) < np.abs(d)
    u[inexact & away] += 1
    u[inexact & ~away] -= 1
    return bf16_bits(u.view(np.float32))


def special_floats() -> np.ndarray:
    """Ties in both directions, subnormals, overflow at the bfloat/half edges, NaNs, zeros."""
    bits = np.array(
        [
            0x3F808000, 0x3F818000,  # ties: to even down, to even up
            0x3F808001, 0x3F807FFF,  # just above / below a tie
            0x00000001, 0x00008000, 0x00018000, 0x007FFFFF, 0x80000001, 0x80400000,  # subnormals
            0x7F7F8000, 0x7F7F7FFF, 0x7F7FFFFF, 0xFF7FFFFF,  # around bfloat's largest value
            0x7F800000, 0xFF800000, 0x00000000, 0x80000000,  # infinities and zeros
            0x7FC00000, 0xFFC12345, 0x7F800001, 0x7FA5A5A5,  # quiet/signalling NaNs
            0x477FF000, 0x477FEFFF, 0x33800000, 0x33000001, 0x387FC000,  # half edges
        ],
        np.uint32,
    )
    rng = np.random.default_rng(8)
    random_bits = rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32)
    return np.concatenate([bits, random_bits]).view(np.float32)


CONVERT = """
    uint i = thread_position_in_grid.x;
    b_out[i] = bfloat(x[i]);
    h_out[i] = half(x[i]);
"""


def test_float_to_bfloat_and_half_round_to_nearest_even_with_subnormals() -> None:
    x = special_floats()
    kernel = metal_kernel(
        name="convert_rne", input_names=["x"], output_names=["b_out", "h_out"],
        source=CONVERT,
    )
    b_out, h_out = kernel(
        inputs=[mx.array(x)],
        grid=(x.size, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[x.shape] * 2,
        output_dtypes=[mx.bfloat16, mx.float16],
    )
    got_b = np.asarray(b_out.view(mx.uint16))
    np.testing.assert_array_equal(got_b, bf16_bits(x))
    # The special values above include float subnormals that round to bfloat subnormals:
    assert got_b[4:10].tolist() == [0x0000, 0x0000, 0x0002, 0x0080, 0x8000, 0x8040]
    with np.errstate(over="ignore"):
        want_h = x.astype(np.float16)  # numpy: correctly rounded, to nearest even
    got_h = np.asarray(h_out)
    finite = ~np.isnan(want_h)
    np.testing.assert_array_equal(got_h.view(np.uint16)[finite], want_h.view(np.uint16)[finite])
    assert np.isnan(got_h[~finite]).all()


DOUBLE_TU = """
#include "metal_types.h"
#include <stdio.h>
#include <stdlib.h>
// Metal has no double, but the runtime's own code may convert one (clang then calls
// __truncdfbf2): read doubles as hex bit patterns, print the bfloat bits.
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    unsigned long long u = strtoull(argv[i], 0, 16);
    double d;
    __builtin_memcpy(&d, &u, 8);
    volatile double vd = d;
    __bf16 b = (__bf16)vd;
    unsigned short r;
    __builtin_memcpy(&r, &b, 2);
    printf("%04x\\n", r);
  }
  return 0;
}
"""


def test_double_to_bfloat_rounds_once() -> None:
    """double -> bfloat is one rounding (not double -> float -> bfloat, which double-rounds)."""
    rng = np.random.default_rng(9)
    d = np.concatenate([
        # 1 + 2^-8 + 2^-30: just above a bfloat tie, which float rounding would make a tie
        np.array([1.0 + 2**-8 + 2**-30, 1.0 + 2**-8 - 2**-30, 3.0 + 2**-7 + 2**-40,
                  1e-39, -1e-45, 3.3961e38, 1e300, -0.0]),
        rng.standard_normal(300) * np.exp2(rng.integers(-140, 120, 300)),
    ])
    compiled = toolchain.compile_kernel(DOUBLE_TU, "double_to_bfloat")
    out = subprocess.run(
        [str(compiled.path), *(f"{u:016x}" for u in d.view(np.uint64).tolist())],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    np.testing.assert_array_equal(np.array([int(v, 16) for v in out], np.uint16),
                                  f64_to_bf16_bits(d))
    assert out[0] == "3f81" and out[1] == "3f80"


ARITH = """
    uint i = thread_position_in_grid.x;
    bfloat a = ab[2 * i], b = ab[2 * i + 1];
    half c = ch[2 * i], d = ch[2 * i + 1];
    b_sum[i] = a + b;
    b_prod[i] = a * b;
    b_chain[i] = a * b + a;   // two roundings: no fused multiply-add
    h_sum[i] = c + d;
    h_prod[i] = c * d;
    h_chain[i] = c * d + c;
"""


def test_each_half_and_bfloat_operation_is_rounded() -> None:
    rng = np.random.default_rng(16)
    n = 4096
    scale = np.exp2(rng.integers(-30, 30, 2 * n)).astype(np.float32)
    ab_bits = bf16_bits(rng.standard_normal(2 * n).astype(np.float32) * scale)
    ab = bf16_value(ab_bits)
    ch = (rng.standard_normal(2 * n) * np.exp2(rng.integers(-14, 8, 2 * n))).astype(np.float16)
    kernel = metal_kernel(
        name="arith_rounding", input_names=["ab", "ch"],
        output_names=["b_sum", "b_prod", "b_chain", "h_sum", "h_prod", "h_chain"], source=ARITH,
    )
    outs = kernel(
        inputs=[mx.array(ab_bits).view(mx.bfloat16), mx.array(ch)],
        grid=(n, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[(n,)] * 6,
        output_dtypes=[mx.bfloat16] * 3 + [mx.float16] * 3,
    )
    a, b = ab[0::2].astype(np.float64), ab[1::2].astype(np.float64)
    prod = bf16_value(f64_to_bf16_bits(a * b)).astype(np.float64)
    want = [f64_to_bf16_bits(a + b), f64_to_bf16_bits(a * b), f64_to_bf16_bits(prod + a)]
    for got, expected in zip(outs[:3], want, strict=True):
        np.testing.assert_array_equal(np.asarray(got.view(mx.uint16)), expected)
    c, d = ch[0::2], ch[1::2]
    with np.errstate(over="ignore"):
        want_h = [c + d, c * d, (c * d) + c]  # numpy rounds each float16 operation
    for got, expected in zip(outs[3:], want_h, strict=True):
        np.testing.assert_array_equal(np.asarray(got).view(np.uint16), expected.view(np.uint16))
