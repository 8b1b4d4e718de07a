// metal:: math on scalars and vectors. float uses libm (correctly rounded for
// sqrt, within ~1 ulp for transcendentals); half and bfloat compute in float and
// round once. metal::precise:: is libm; metal::fast:: differs for exp, exp10, log,
// log10, pow and powr, which it computes the way GPUs' fast variants do, through
// exp2/log2 of a scaled argument (deterministic: IEEE operations and libm, never
// host-dependent reassociation). Unqualified metal:: functions are the precise ones,
// or the fast ones when the kernel is compiled with math_mode="fast" (__FAST_MATH__
// defined, as the Metal compiler does; see docs/metal_cpu.md).
#pragma once
#include "metal_bool_vectors.h"

namespace metal {

// Scalar kernels of each function, for float; half/bfloat/ints go through float.
namespace detail {
METAL_FUNC float rsqrt1(float x) { return 1.0f / sqrtf(x); }
METAL_FUNC float fract1(float x) { return fminf(x - floorf(x), 0x1.fffffep-1f); }
METAL_FUNC float sign1(float x) {
  return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : (x != x ? 0.0f : x));
}
#if defined(__APPLE__)
METAL_FUNC float exp10_1(float x) { return __exp10f(x); }  // libSystem's name for exp10f
#else
METAL_FUNC float exp10_1(float x) { return exp10f(x); }
#endif
METAL_FUNC float sinpi1(float x) { return sinf(x * M_PI_F); }
METAL_FUNC float cospi1(float x) { return cosf(x * M_PI_F); }
METAL_FUNC float tanpi1(float x) { return tanf(x * M_PI_F); }
METAL_FUNC float saturate1(float x) { return fminf(fmaxf(x, 0.0f), 1.0f); }
METAL_FUNC float powr1(float x, float y) { return powf(x, y); }
METAL_FUNC float step1(float e, float x) { return x < e ? 0.0f : 1.0f; }
// The fast variants: one exp2f/log2f of a float-scaled argument.
METAL_FUNC float fast_exp1(float x) { return exp2f(x * M_LOG2E_F); }
METAL_FUNC float fast_exp10_1(float x) { return exp2f(x * 3.32192809488736234787f); }
METAL_FUNC float fast_log1(float x) { return log2f(x) * M_LN2_F; }
METAL_FUNC float fast_log10_1(float x) { return log2f(x) * 0.301029995663981195214f; }
METAL_FUNC float fast_pow1(float x, float y) { return exp2f(y * log2f(x)); }
}  // namespace detail

#ifdef __FAST_MATH__
#define MTL_FAST_OR_PRECISE(FAST, PRECISE) FAST
#else
#define MTL_FAST_OR_PRECISE(FAST, PRECISE) PRECISE
#endif

// Applies a float function lane-wise, converting from and back to T's element.
#define MTL_UNARY(NAME, F)                                                      \
  template <class T, enable_if_t<is_float_like<T>, int> = 0>                   \
  METAL_FUNC decay_t<T> NAME(T x) {                                            \
    typedef elem_t<T> E;                                                       \
    if constexpr (is_vec<T>) {                                                 \
      decay_t<T> r;                                                            \
      for (int i = 0; i < lanes<T>; ++i) r[i] = (E)F((float)x[i]);             \
      return r;                                                                \
    } else {                                                                   \
      return (E)F((float)x);                                                   \
    }                                                                          \
  }
MTL_UNARY(exp, MTL_FAST_OR_PRECISE(detail::fast_exp1, expf))
MTL_UNARY(exp2, exp2f)
MTL_UNARY(exp10, MTL_FAST_OR_PRECISE(detail::fast_exp10_1, detail::exp10_1))
MTL_UNARY(log, MTL_FAST_OR_PRECISE(detail::fast_log1, logf))
MTL_UNARY(log2, log2f)
MTL_UNARY(log10, MTL_FAST_OR_PRECISE(detail::fast_log10_1, log10f))
MTL_UNARY(log1p, log1pf)
MTL_UNARY(expm1, expm1f)
MTL_UNARY(sqrt, sqrtf)
MTL_UNARY(rsqrt, detail::rsqrt1)
MTL_UNARY(cbrt, cbrtf)
MTL_UNARY(sin, sinf)
MTL_UNARY(cos, cosf)
MTL_UNARY(tan, tanf)
MTL_UNARY(sinpi, detail::sinpi1)
MTL_UNARY(cospi, detail::cospi1)
MTL_UNARY(tanpi, detail::tanpi1)
MTL_UNARY(asin, asinf)
MTL_UNARY(acos, acosf)
MTL_UNARY(atan, atanf)
MTL_UNARY(sinh, sinhf)
MTL_UNARY(cosh, coshf)
MTL_UNARY(tanh, tanhf)
MTL_UNARY(asinh, asinhf)
MTL_UNARY(acosh, acoshf)
MTL_UNARY(atanh, atanhf)
MTL_UNARY(erf, erff)
MTL_UNARY(erfc, erfcf)
MTL_UNARY(floor, floorf)
MTL_UNARY(ceil, ceilf)
MTL_UNARY(round, roundf)
MTL_UNARY(trunc, truncf)
MTL_UNARY(rint, rintf)
MTL_UNARY(fabs, fabsf)
MTL_UNARY(fract, detail::fract1)
MTL_UNARY(sign, detail::sign1)
MTL_UNARY(saturate, detail::saturate1)

// sqrt of a half computed as float then rounded is correctly rounded (double rounding
// is innocuous for sqrt and + - * / from 11 to 24 bits), which is what the GPU gives.

#define MTL_BINARY(NAME, F)                                                       \
  template <class T, enable_if_t<is_float_like<T>, int> = 0>                     \
  METAL_FUNC decay_t<T> NAME(T x, decay_t<T> y) {                                \
    typedef elem_t<T> E;                                                         \
    if constexpr (is_vec<T>) {                                                   \
      decay_t<T> r;                                                              \
      for (int i = 0; i < lanes<T>; ++i) r[i] = (E)F((float)x[i], (float)y[i]);  \
      return r;                                                                  \
    } else {                                                                     \
      return (E)F((float)x, (float)y);                                           \
    }                                                                            \
  }
MTL_BINARY(pow, MTL_FAST_OR_PRECISE(detail::fast_pow1, powf))
MTL_BINARY(powr, MTL_FAST_OR_PRECISE(detail::fast_pow1, detail::powr1))
MTL_BINARY(atan2, atan2f)
MTL_BINARY(fmod, fmodf)
MTL_BINARY(fmin, fminf)
MTL_BINARY(fmax, fmaxf)
MTL_BINARY(copysign, copysignf)
MTL_BINARY(fdim, fdimf)
MTL_BINARY(step, detail::step1)
MTL_BINARY(nextafter, nextafterf)

template <class T, enable_if_t<is_float_like<T>, int> = 0>
METAL_FUNC decay_t<T> ldexp(T x, int e) { return (decay_t<T>)ldexpf((float)x, e); }

// fma: single rounding (fmaf is exact for float; half/bfloat products are exact in float
// and the float sum is rounded twice, which is within half an ulp of a true fma).
template <class T, enable_if_t<is_float_like<T>, int> = 0>
METAL_FUNC decay_t<T> fma(T a, decay_t<T> b, decay_t<T> c) {
  typedef elem_t<T> E;
  if constexpr (is_vec<T>) {
    decay_t<T> r;
    for (int i = 0; i < lanes<T>; ++i) r[i] = (E)fmaf((float)a[i], (float)b[i], (float)c[i]);
    return r;
  } else {
    return (E)fmaf((float)a, (float)b, (float)c);
  }
}

// min/max/clamp/abs work for every arithmetic scalar and vector. Floats follow
// Metal's fmin/fmax: a NaN operand yields the other operand.
template <class T> METAL_FUNC decay_t<T> abs(T x) {
  if constexpr (is_float_like<T>) {
    return fabs(x);
  } else if constexpr (is_vec<T>) {
    return x < 0 ? -x : x;
  } else {
    return x < 0 ? (decay_t<T>)-x : x;
  }
}
template <class T> METAL_FUNC elem_t<T> min1(elem_t<T> a, elem_t<T> b) {
  if constexpr (is_float_like<T>) return (elem_t<T>)fminf((float)a, (float)b);
  else return b < a ? b : a;
}
template <class T> METAL_FUNC elem_t<T> max1(elem_t<T> a, elem_t<T> b) {
  if constexpr (is_float_like<T>) return (elem_t<T>)fmaxf((float)a, (float)b);
  else return a < b ? b : a;
}
template <class T> METAL_FUNC decay_t<T> min(T a, decay_t<T> b) {
  if constexpr (is_vec<T>) {
    decay_t<T> r;
    for (int i = 0; i < lanes<T>; ++i) r[i] = min1<T>(a[i], b[i]);
    return r;
  } else {
    return min1<T>(a, b);
  }
}
template <class T> METAL_FUNC decay_t<T> max(T a, decay_t<T> b) {
  if constexpr (is_vec<T>) {
    decay_t<T> r;
    for (int i = 0; i < lanes<T>; ++i) r[i] = max1<T>(a[i], b[i]);
    return r;
  } else {
    return max1<T>(a, b);
  }
}
template <class T> METAL_FUNC decay_t<T> clamp(T x, decay_t<T> lo, decay_t<T> hi) {
  return min(max(x, lo), hi);
}
template <class T> METAL_FUNC decay_t<T> min3(T a, decay_t<T> b, decay_t<T> c) {
  return min(min(a, b), c);
}
template <class T> METAL_FUNC decay_t<T> max3(T a, decay_t<T> b, decay_t<T> c) {
  return max(max(a, b), c);
}
template <class T> METAL_FUNC decay_t<T> median3(T a, decay_t<T> b, decay_t<T> c) {
  return max(min(a, b), min(max(a, b), c));
}
template <class T> METAL_FUNC decay_t<T> fmin3(T a, decay_t<T> b, decay_t<T> c) {
  return min(min(a, b), c);
}
template <class T> METAL_FUNC decay_t<T> fmax3(T a, decay_t<T> b, decay_t<T> c) {
  return max(max(a, b), c);
}
template <class T> METAL_FUNC decay_t<T> mix(T x, decay_t<T> y, decay_t<T> a) {
  return x + (y - x) * a;
}
template <class T> METAL_FUNC decay_t<T> smoothstep(T e0, decay_t<T> e1, decay_t<T> x) {
  decay_t<T> t = clamp((x - e0) / (e1 - e0), decay_t<T>(0), decay_t<T>(1));
  return t * t * (decay_t<T>(3) - decay_t<T>(2) * t);
}

// select(a, b, c): c ? b : a, lane-wise for vectors.
template <class T, class C> METAL_FUNC decay_t<T> select(T a, decay_t<T> b, C c) {
  if constexpr (is_vec<T>) {
    decay_t<T> r;
    for (int i = 0; i < lanes<T>; ++i) r[i] = lane(c, i) ? b[i] : a[i];
    return r;
  } else {
    return c ? b : a;
  }
}

template <class T> METAL_FUNC bool all(T v) {
  if constexpr (is_vec<T>) {
    for (int i = 0; i < lanes<T>; ++i)
      if (!v[i]) return false;
    return true;
  } else {
    return (bool)v;
  }
}
template <class T> METAL_FUNC bool any(T v) {
  if constexpr (is_vec<T>) {
    for (int i = 0; i < lanes<T>; ++i)
      if (v[i]) return true;
    return false;
  } else {
    return (bool)v;
  }
}

#define MTL_PRED(NAME, BUILTIN)                                   \
  template <class T> METAL_FUNC auto NAME(T x) {                  \
    if constexpr (is_vec<T>) {                                    \
      mtl_bool_vector<lanes<T>> r;                                \
      for (int i = 0; i < lanes<T>; ++i) r[i] = BUILTIN((float)x[i]); \
      return r;                                                   \
    } else {                                                      \
      return (bool)BUILTIN((float)x);                             \
    }                                                             \
  }
MTL_PRED(isnan, __builtin_isnan)
MTL_PRED(isinf, __builtin_isinf)
MTL_PRED(isfinite, __builtin_isfinite)
MTL_PRED(isnormal, __builtin_isnormal)
MTL_PRED(signbit, __builtin_signbit)
#undef MTL_PRED

// Geometric functions.
template <class T> METAL_FUNC elem_t<T> dot(T a, decay_t<T> b) {
  elem_t<T> s = 0;
  for (int i = 0; i < lanes<T>; ++i) s += lane(a, i) * lane(b, i);
  return s;
}
template <class T> METAL_FUNC elem_t<T> length_squared(T a) { return dot(a, a); }
template <class T> METAL_FUNC elem_t<T> length(T a) { return sqrt(dot(a, a)); }
template <class T> METAL_FUNC elem_t<T> distance(T a, decay_t<T> b) { return length(a - b); }
template <class T> METAL_FUNC decay_t<T> normalize(T a) { return a * rsqrt(dot(a, a)); }
template <class T> METAL_FUNC decay_t<T> cross(T a, decay_t<T> b) {
  return decay_t<T>{a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

// Integer functions.
template <class T> METAL_FUNC decay_t<T> popcount(T x) {
  if constexpr (sizeof(elem_t<T>) == 8) return (decay_t<T>)__builtin_popcountll(x);
  else return (decay_t<T>)__builtin_popcount((unsigned)x & (unsigned)(~0ull >> (64 - 8 * sizeof(T))));
}
template <class T> METAL_FUNC decay_t<T> clz(T x) {
  constexpr int bits = 8 * sizeof(T);
  if (x == 0) return (decay_t<T>)bits;
  if constexpr (sizeof(T) == 8) return (decay_t<T>)__builtin_clzll(x);
  else return (decay_t<T>)(__builtin_clz((unsigned)x & (unsigned)(~0ull >> (64 - bits))) - (32 - bits));
}
template <class T> METAL_FUNC decay_t<T> ctz(T x) {
  constexpr int bits = 8 * sizeof(T);
  if (x == 0) return (decay_t<T>)bits;
  if constexpr (sizeof(T) == 8) return (decay_t<T>)__builtin_ctzll(x);
  else return (decay_t<T>)__builtin_ctz((unsigned)x);
}
template <class T> METAL_FUNC decay_t<T> mulhi(T a, decay_t<T> b) {
  if constexpr (sizeof(T) == 8) return (decay_t<T>)(((__int128)a * (__int128)b) >> 64);
  else return (decay_t<T>)(((long long)a * (long long)b) >> (8 * sizeof(T)));
}
template <class T> METAL_FUNC decay_t<T> reverse_bits(T x) {
  decay_t<T> r = 0;
  for (unsigned i = 0; i < 8 * sizeof(T); ++i) r |= (decay_t<T>)(((x >> i) & 1) << (8 * sizeof(T) - 1 - i));
  return r;
}

// metal::fast:: and metal::precise:: name their variant whatever the math mode; every
// other function is the metal:: one.
namespace fast {
MTL_UNARY(exp, detail::fast_exp1)
MTL_UNARY(exp10, detail::fast_exp10_1)
MTL_UNARY(log, detail::fast_log1)
MTL_UNARY(log10, detail::fast_log10_1)
MTL_BINARY(pow, detail::fast_pow1)
MTL_BINARY(powr, detail::fast_pow1)
using namespace ::metal;
}  // namespace fast
namespace precise {
MTL_UNARY(exp, expf)
MTL_UNARY(exp10, detail::exp10_1)
MTL_UNARY(log, logf)
MTL_UNARY(log10, log10f)
MTL_BINARY(pow, powf)
MTL_BINARY(powr, detail::powr1)
using namespace ::metal;
}  // namespace precise
#undef MTL_UNARY
#undef MTL_BINARY
#undef MTL_FAST_OR_PRECISE

}  // namespace metal
