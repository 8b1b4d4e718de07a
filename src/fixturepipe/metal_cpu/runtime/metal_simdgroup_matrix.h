// Apple's SIMD-group matrices (<metal_simdgroup_matrix>): simdgroup_matrix<T, 8, 8> for
// float, half and bfloat. A value is owned collectively by the 32 lanes of a simdgroup;
// each lane holds 2 of the 64 elements in Apple's layout (the one MLX's steel GEMM reads
// through thread_elements()): lane l holds row fm = 4*b4 + 2*b2 + b1 and columns
// fn, fn + 1 with fn = 2*(2*b3 + b0), where b4..b0 are the bits of l.
//
// Every load, store and multiply is a rendezvous of the whole simdgroup at one call site
// (state MTL_AT_SIMD_MATRIX): the launcher releases it only when every lane of the
// simdgroup waits there, and reports a divergent call (a lane that returned, waits at a
// barrier or at another matrix call) as an error naming the call sites.
//
// Numerics (docs/metal_cpu.md): every element of a product is one float accumulator
// that starts at C (or 0) and takes one fused multiply-add per k = 0..7 in order, with
// half and bfloat operands widened exactly to float; the result is rounded once to D's
// element type. Host-independent: fmaf is correctly rounded wherever it runs.
#pragma once
#include "metal_sync.h"

namespace metal {

constexpr uint32_t MTL_AT_SIMD_MATRIX = 4;  // a fiber parked at a simdgroup-matrix call

template <class T> struct mtl_identity { typedef T type; };

// The lane holding element (row, col) of an 8x8 matrix; the element is col % 2 there.
METAL_FUNC constexpr uint32_t mtl_sgm_lane(uint32_t row, uint32_t col) {
  uint32_t p = col / 2;
  return (row >> 2 & 1) << 4 | (p >> 1 & 1) << 3 | (row >> 1 & 1) << 2 | (row & 1) << 1 | (p & 1);
}
METAL_FUNC constexpr uint32_t mtl_sgm_row(uint32_t lane) {
  return (lane >> 4 & 1) * 4 + (lane >> 2 & 1) * 2 + (lane >> 1 & 1);
}
METAL_FUNC constexpr uint32_t mtl_sgm_col(uint32_t lane) {
  return ((lane >> 3 & 1) * 2 + (lane & 1)) * 2;
}

template <class T> struct mtl_sgm_element {
  static constexpr bool ok = false;
};
template <> struct mtl_sgm_element<float> { static constexpr bool ok = true; };
template <> struct mtl_sgm_element<_Float16> { static constexpr bool ok = true; };
template <> struct mtl_sgm_element<__bf16> { static constexpr bool ok = true; };

template <class T, int Cols, int Rows> struct simdgroup_matrix {
  static_assert(Cols == 8 && Rows == 8,
                "simdgroup_matrix: only 8x8 matrices exist (on Apple GPUs and here)");
  static_assert(mtl_sgm_element<T>::ok, "simdgroup_matrix: the element type must be float, "
                                        "half or bfloat");
  typedef T element_type;
  vec<T, 2> elements;

  // Uninitialised, as on a GPU: the executor's pattern for unwritten memory (NaN).
  METAL_FUNC simdgroup_matrix() { __builtin_memset(&elements, 0xff, sizeof elements); }
  // The MSL constructor: `dval` on the diagonal, 0 elsewhere (like float4x4(dval)).
  template <class U, enable_if_t<__is_arithmetic(U) || is_same<U, _Float16>::value ||
                                     is_same<U, __bf16>::value, int> = 0>
  METAL_FUNC simdgroup_matrix(U dval) {
    uint32_t l = mtl_my_lane();
    uint32_t r = mtl_sgm_row(l), c = mtl_sgm_col(l);
    elements[0] = r == c ? (T)dval : (T)0;
    elements[1] = r == c + 1 ? (T)dval : (T)0;
  }
  // This lane's two elements, (fm, fn) and (fm, fn + 1); writable, as MLX uses it.
  METAL_FUNC vec<T, 2>& thread_elements() { return elements; }
  METAL_FUNC const vec<T, 2>& thread_elements() const { return elements; }
};

typedef simdgroup_matrix<float, 8, 8> simdgroup_float8x8;
typedef simdgroup_matrix<_Float16, 8, 8> simdgroup_half8x8;
typedef simdgroup_matrix<__bf16, 8, 8> simdgroup_bfloat8x8;

template <class T, int Cols, int Rows, class U>
METAL_FUNC simdgroup_matrix<T, Cols, Rows> make_filled_simdgroup_matrix(U value) {
  simdgroup_matrix<T, Cols, Rows> m;
  m.elements = vec<T, 2>((T)value);
  return m;
}

#define MTL_SGM_SITE const char *file = __builtin_FILE(), uint32_t line = __builtin_LINE(), \
                     uint32_t col = __builtin_COLUMN()

// The rendezvous: deposits this lane's operand and waits for the whole simdgroup.
template <class V>
METAL_FUNC const mtl_simd_view& mtl_sgm_exchange(const V& x, const char* file, uint32_t line,
                                                uint32_t col) {
  static_assert(sizeof(V) <= MTL_SLOT_BYTES, "simdgroup matrix operand too large");
  if (!mtl_fibers) mtl_fail(0, "a simdgroup matrix function ran on the fast path");
  __builtin_memcpy(mtl_self->slot, &x, sizeof(V));
  mtl_park(MTL_AT_SIMD_MATRIX, file, line, col);
  return mtl_simd_snapshot();
}

// matrix_origin is (column, row) of the tile's top-left element in the source; with
// transpose_matrix the 8x8 tile found there is transposed. A scalar origin splats.
template <class O> METAL_FUNC unsigned long mtl_sgm_origin(const O& o, int i) {
  return (unsigned long)lane(o, i);
}

// Offset in the source of element j (0 or 1) of this lane's pair.
template <class O>
METAL_FUNC unsigned long mtl_sgm_offset(uint32_t j, unsigned long elements_per_row,
                                        const O& origin, bool transpose) {
  uint32_t l = mtl_my_lane();
  unsigned long r = mtl_sgm_row(l), c = mtl_sgm_col(l) + j;
  unsigned long row = transpose ? c : r, colm = transpose ? r : c;
  return (mtl_sgm_origin(origin, 1) + row) * elements_per_row + mtl_sgm_origin(origin, 0) + colm;
}

template <class T, class O = ulong2>
METAL_FUNC void simdgroup_load(thread simdgroup_matrix<T, 8, 8>& d,
                               const typename mtl_identity<T>::type* src,
                               unsigned long elements_per_row = 8, O matrix_origin = O(0),
                               bool transpose_matrix = false, MTL_SGM_SITE) {
  mtl_sgm_exchange(0, file, line, col);
  for (uint32_t j = 0; j < 2; ++j)
    d.elements[j] = src[mtl_sgm_offset(j, elements_per_row, matrix_origin, transpose_matrix)];
}

template <class T, class O = ulong2>
METAL_FUNC void simdgroup_store(const thread simdgroup_matrix<T, 8, 8>& m,
                                typename mtl_identity<T>::type* dst,
                                unsigned long elements_per_row = 8, O matrix_origin = O(0),
                                bool transpose_matrix = false, MTL_SGM_SITE) {
  mtl_sgm_exchange(0, file, line, col);
  for (uint32_t j = 0; j < 2; ++j)
    dst[mtl_sgm_offset(j, elements_per_row, matrix_origin, transpose_matrix)] = m.elements[j];
}

// A one-dimensional threadgroup array passed as the source or destination is bounds-
// checked like a subscript: every element the tile touches must lie inside the array.
template <class T, size_t N, class O>
METAL_FUNC void mtl_sgm_check(const mtl_tg_array<T[N], 1>& a, unsigned long elements_per_row,
                              const O& origin, bool transpose, const char* file, uint32_t line,
                              uint32_t col) {
  for (uint32_t j = 0; j < 2; ++j) {
    unsigned long at = mtl_sgm_offset(j, elements_per_row, origin, transpose);
    if (__builtin_expect(at >= N, 0))
      mtl_tg_out_of_bounds(a.data, 1, N, (long long)at, file, line, col);
  }
}
template <class T, size_t N, class O = ulong2>
METAL_FUNC void simdgroup_load(thread simdgroup_matrix<T, 8, 8>& d,
                               const mtl_tg_array<T[N], 1>& src,
                               unsigned long elements_per_row = 8, O matrix_origin = O(0),
                               bool transpose_matrix = false, MTL_SGM_SITE) {
  mtl_sgm_check(src, elements_per_row, matrix_origin, transpose_matrix, file, line, col);
  simdgroup_load(d, &src.data[0], elements_per_row, matrix_origin, transpose_matrix, file, line,
                 col);
}
template <class T, size_t N, class O = ulong2>
METAL_FUNC void simdgroup_store(const thread simdgroup_matrix<T, 8, 8>& m,
                                mtl_tg_array<T[N], 1>& dst,
                                unsigned long elements_per_row = 8, O matrix_origin = O(0),
                                bool transpose_matrix = false, MTL_SGM_SITE) {
  mtl_sgm_check(dst, elements_per_row, matrix_origin, transpose_matrix, file, line, col);
  simdgroup_store(m, &dst.data[0], elements_per_row, matrix_origin, transpose_matrix, file, line,
                  col);
}

template <class TA, class TB> struct mtl_sgm_operands {
  vec<TA, 2> a;
  vec<TB, 2> b;
  float c[2];  // this lane's two elements of the accumulator, as float
};

// D[i][:] = C[i][:] + sum_k A[i][k] * B[k][:], one correctly rounded fma per k in order,
// 8 columns at a time. Written once and compiled twice on x86_64 (below).
typedef float mtl_sgm_row8 __attribute__((ext_vector_type(8)));
METAL_FUNC void mtl_sgm_tile_body(const float (&a)[8][8], const float (&b)[8][8],
                                  float (&d)[8][8]) {
  mtl_sgm_row8 brow[8];
  __builtin_memcpy(brow, b, sizeof brow);
  for (int i = 0; i < 8; ++i) {
    mtl_sgm_row8 acc;
    __builtin_memcpy(&acc, d[i], sizeof acc);
    for (int k = 0; k < 8; ++k) acc = __builtin_elementwise_fma((mtl_sgm_row8)a[i][k], brow[k], acc);
    __builtin_memcpy(d[i], &acc, sizeof acc);
  }
}

// x86_64_v2 (the fixed baseline, docs/metal_cpu.md "Platforms") has no FMA instruction, so
// the baseline build computes each fma with libm's fmaf; CPUs with FMA3 (every x86_64 since
// 2013) take the vector-FMA build of the same function. An fma is correctly rounded by
// definition (IEEE 754), so both produce the same bits (tests/metal_cpu/test_qemu.py runs
// the baseline path on an emulated CPU without FMA and compares every byte).
#if defined(__x86_64__)
__attribute__((noinline)) static void mtl_sgm_tile_baseline(const float (&a)[8][8],
                                                            const float (&b)[8][8],
                                                            float (&d)[8][8]) {
  mtl_sgm_tile_body(a, b, d);
}
__attribute__((noinline, target("avx,fma"))) static void mtl_sgm_tile_fma3(
    const float (&a)[8][8], const float (&b)[8][8], float (&d)[8][8]) {
  mtl_sgm_tile_body(a, b, d);
}
// CPUID.1:ECX has FMA (bit 12), AVX (28) and OSXSAVE (27), and the OS saves the YMM state.
static bool mtl_cpu_has_fma3() {
  uint32_t a, b, c, d;
  __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  if ((c & (1u << 12 | 1u << 27 | 1u << 28)) != (1u << 12 | 1u << 27 | 1u << 28)) return false;
  uint32_t lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6) == 6;
}
static const bool mtl_sgm_fma3 = mtl_cpu_has_fma3();
METAL_FUNC void mtl_sgm_tile(const float (&a)[8][8], const float (&b)[8][8], float (&d)[8][8]) {
  if (mtl_sgm_fma3) mtl_sgm_tile_fma3(a, b, d);
  else mtl_sgm_tile_baseline(a, b, d);
}
#else
// aarch64: fused multiply-add is part of the baseline (fmla).
__attribute__((noinline)) static void mtl_sgm_tile(const float (&a)[8][8], const float (&b)[8][8],
                                                   float (&d)[8][8]) {
  mtl_sgm_tile_body(a, b, d);
}
#endif

// D = A * B (+ C) for this lane's two elements of D. The first lane to resume from the
// rendezvous computes the whole 8x8 product from every lane's deposited operands (one
// vectorised tile instead of 32 lanes each gathering a row and two columns); every lane
// then takes its two elements and rounds them to D's type.
template <class TD, class TA, class TB>
METAL_FUNC void mtl_sgm_mma(thread simdgroup_matrix<TD, 8, 8>& d, const simdgroup_matrix<TA, 8, 8>& a,
                            const simdgroup_matrix<TB, 8, 8>& b, const float (&acc0)[2],
                            const char* file, uint32_t line, uint32_t col) {
  typedef mtl_sgm_operands<TA, TB> P;
  mtl_simd_view& v = const_cast<mtl_simd_view&>(
      mtl_sgm_exchange(P{a.elements, b.elements, {acc0[0], acc0[1]}}, file, line, col));
  if (!v.tile_done) {
    float am[8][8], bm[8][8];
    if (v.mask != 0xffffffffu) {  // a simdgroup cut short: the missing lanes' elements are NaN
      __builtin_memset(am, 0xff, sizeof am);
      __builtin_memset(bm, 0xff, sizeof bm);
      __builtin_memset(v.tile, 0xff, sizeof v.tile);
    }
    for (uint32_t l = 0; l < MTL_SIMD_WIDTH; ++l) {
      if (!(v.mask >> l & 1)) continue;
      const P& p = mtl_lane_value<P>(v, l);
      uint32_t r = mtl_sgm_row(l), c = mtl_sgm_col(l);
      for (uint32_t j = 0; j < 2; ++j) {
        am[r][c + j] = (float)p.a[j];
        bm[r][c + j] = (float)p.b[j];
        v.tile[r][c + j] = p.c[j];
      }
    }
    mtl_sgm_tile(am, bm, v.tile);
    v.tile_done = true;
  }
  uint32_t l = mtl_my_lane();
  uint32_t r = mtl_sgm_row(l), c = mtl_sgm_col(l);
  for (uint32_t j = 0; j < 2; ++j) d.elements[j] = (TD)v.tile[r][c + j];
}

template <class TD, class TA, class TB>
METAL_FUNC void simdgroup_multiply(thread simdgroup_matrix<TD, 8, 8>& d,
                                   const thread simdgroup_matrix<TA, 8, 8>& a,
                                   const thread simdgroup_matrix<TB, 8, 8>& b, MTL_SGM_SITE) {
  const float zero[2] = {0.0f, 0.0f};
  mtl_sgm_mma(d, a, b, zero, file, line, col);
}

template <class TD, class TA, class TB, class TC>
METAL_FUNC void simdgroup_multiply_accumulate(thread simdgroup_matrix<TD, 8, 8>& d,
                                              const thread simdgroup_matrix<TA, 8, 8>& a,
                                              const thread simdgroup_matrix<TB, 8, 8>& b,
                                              const thread simdgroup_matrix<TC, 8, 8>& c,
                                              MTL_SGM_SITE) {
  // C is read before D is written: d may alias c (the usual `mma(acc, a, b, acc)`).
  const float acc0[2] = {(float)c.elements[0], (float)c.elements[1]};
  mtl_sgm_mma(d, a, b, acc0, file, line, col);
}

#undef MTL_SGM_SITE

// Called by the launcher's scheduler when no lane of simdgroup `s` (threads [begin, end)
// of the group) waits at an ordinary simd function: releases its lanes parked at a
// simdgroup-matrix call if all of them wait at the same one, fails otherwise (on a GPU
// the simdgroup would hang or compute garbage). Returns whether lanes were released.
template <class Worker>
bool mtl_release_simd_matrix(Worker* w, uint32_t s, uint32_t begin, uint32_t end,
                             const char* kernel) {
  mtl_thread* lead = nullptr;
  bool same = true;
  for (uint32_t i = begin; i < end; ++i) {
    mtl_thread& t = w->threads[i];
    if (t.state == MTL_AT_SIMD_MATRIX && !lead) lead = &t;
  }
  if (!lead) return false;
  for (uint32_t i = begin; i < end; ++i) {
    mtl_thread& t = w->threads[i];
    same = same && t.state == MTL_AT_SIMD_MATRIX && t.site_line == lead->site_line &&
           t.site_col == lead->site_col &&
           (t.site_file == lead->site_file || __builtin_strcmp(t.site_file, lead->site_file) == 0);
  }
  if (same) {
    uint32_t mask = 0;
    for (uint32_t i = begin; i < end; ++i) {
      mtl_thread& t = w->threads[i];
      mask |= 1u << (i - begin);
      __builtin_memcpy(w->views[s].lanes[i - begin], t.slot, MTL_SLOT_BYTES);
      t.state = MTL_RUNNABLE;
    }
    w->views[s].mask = mask;
    w->views[s].tile_done = false;
    ++w->simd_epoch[s];
    return true;
  }
  char msg[6000];
  int n = __builtin_snprintf(msg, sizeof msg,
                   "kernel %s: simdgroup matrix divergence in threadgroup (%u, %u, %u), "
                   "simdgroup %u: every lane must call a simdgroup_matrix function together, "
                   "but the %u lanes are at:",
                   kernel, w->group_pos.x, w->group_pos.y, w->group_pos.z, s, end - begin);
  for (uint32_t i = begin; i < end && n < (int)sizeof msg - 300; ++i) {
    mtl_thread& t = w->threads[i];
    bool seen = false;
    for (uint32_t j = begin; j < i && !seen; ++j) {
      mtl_thread& u = w->threads[j];
      seen = u.state == t.state &&
             (t.state == MTL_DONE || (u.site_line == t.site_line && u.site_col == t.site_col &&
                                      __builtin_strcmp(u.site_file, t.site_file) == 0));
    }
    if (seen) continue;
    uint32_t count = 0;
    for (uint32_t j = i; j < end; ++j) {
      mtl_thread& u = w->threads[j];
      count += u.state == t.state &&
               (t.state == MTL_DONE || (u.site_line == t.site_line && u.site_col == t.site_col &&
                                        __builtin_strcmp(u.site_file, t.site_file) == 0));
    }
    const char* what = t.state == MTL_AT_SIMD_MATRIX ? "at the simdgroup matrix call"
                       : t.state == MTL_AT_BARRIER   ? "at threadgroup_barrier"
                                                     : "returned";
    if (t.state == MTL_DONE)
      n += __builtin_snprintf(msg + n, sizeof msg - n, "\n  %u lane(s) (first: thread %u) %s", count,
                    t.index, what);
    else
      n += __builtin_snprintf(msg + n, sizeof msg - n, "\n  %u lane(s) (first: thread %u) %s %s:%u:%u",
                    count, t.index, what, t.site_file, t.site_line, t.site_col);
  }
  mtl_fail(2, "%s", msg);
}

}  // namespace metal
